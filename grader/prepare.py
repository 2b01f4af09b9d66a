"""Everything about a homework that does not depend on the student, computed once.

For each asked step: the reference value, how it is compared (kind of value,
tolerance, rounding slack), the named mistakes that give a value different
from the truth on this data, and the author hints read as values.  Grading a
class then costs only the comparisons and, for students whose earlier answers
differ from the reference, one re-evaluation per carried-forward check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from grader.homework import AskedStep, Homework, LoadedProblem
from grader.judge import judge
from grader.mistakes import (
    Explanation,
    Mistake,
    candidate_mistakes,
    departure,
    hint_explanation,
    mistake_value,
    rank,
    rule_explanation,
)
from grader.parse import AnswerError, parse_answer, value_kind
from grader.rounding import rounding_slack
from grader.rules import Tolerance
from solver.graph.errors import InputError
from solver.graph.names import split_entry
from solver.graph.values import format_value, to_json

#: Wrong answers remembered per asked step.
MAX_REMEMBERED = 2_000


@dataclass
class PreparedStep:
    problem: LoadedProblem
    asked: AskedStep
    name: str
    expected: Any
    kind: str
    tolerance: Tolerance
    symbols: tuple[str, ...]
    candidates: list[Mistake] = field(default_factory=list)
    #: Where each candidate first changes a value (its position in solution order): how mistakes are ranked.
    departures: dict[Mistake, int] = field(default_factory=dict)
    #: Wrong rules whose value differs from the truth on the problem's own data, with that value, ranked.
    mistakes: list[Explanation] = field(default_factory=list)
    #: Mistakes that give the true value here (indistinguishable on this data).
    indistinguishable: list[Mistake] = field(default_factory=list)
    #: The author's hints, with their answers read as values.
    hints: list[Explanation] = field(default_factory=list)
    #: The expected value in JSON and as people read it, formatted once (printing SymPy is slow).
    expected_json: Any = None
    expected_text: str = ""
    #: Credit already worked out for a wrong answer, by (the answer, the student's differing earlier values).
    credits: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def remember(self, key: Any, credit: Any) -> None:
        """Keep ``credit`` for ``key``, forgetting everything once the memo is full (it stays bounded)."""
        if len(self.credits) >= MAX_REMEMBERED:
            self.credits.clear()
        self.credits[key] = credit

    @property
    def reference(self) -> str:
        return self.asked.reference

    @property
    def whole(self) -> bool:
        return self.reference == self.name

    def pick(self, values: Mapping[str, Any]) -> Any:
        return self.problem.solution.entry(self.reference, values)

    @cached_property
    def slack(self) -> Any:
        """How far rounding the earlier steps may move this value (``grader.rounding``).

        Worked out on first need: a class's answers are mostly right or far off, and a random
        homework prepares every student's steps again, so most steps never need it.
        """
        grading = self.asked.grading
        return rounding_slack(self.problem.solution, self.name, self.pick, grading.round_intermediates)

    def matches(self, given: Any, expected: Any, rounded: bool = False) -> Any:
        """``given`` judged against ``expected``; ``rounded``: also accept the slack of rounded earlier steps."""
        verdict = judge(given, expected, self.kind, self.tolerance)
        if not rounded or verdict.full or self.kind not in ("number", "array") or verdict.shape_problem:
            return verdict
        return judge(given, expected, self.kind, self.tolerance, self.slack)


@dataclass
class PreparedHomework:
    homework: Homework
    steps: dict[str, list[PreparedStep]]
    #: A random homework's students' own variants (``grader.variants.StudentVariants``), made as they are graded.
    variants: Any = field(default=None, repr=False, compare=False)
    #: The roster's id for each id a student may write (a Canvas ID or login for their SIS User ID): a
    #: random homework draws a student's variant for the id their sheet was made for.
    roster_ids: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def variant_id(self, student: str) -> str:
        """The id ``student``'s variant is drawn for: the roster's, when the roster knows them by another."""
        return self.roster_ids.get(student, student)

    @property
    def max_score(self) -> float:
        return sum(s.asked.points for steps in self.steps.values() for s in steps)

    def all_steps(self) -> list[PreparedStep]:
        return [s for steps in self.steps.values() for s in steps]


def expression_symbols(problem: LoadedProblem, expected: Any) -> tuple[str, ...]:
    """The names an answer may use: those the problem declares, else those of the expected expression."""
    if problem.solution.symbols:
        return problem.solution.symbols
    return tuple(sorted(s.name for s in getattr(expected, "free_symbols", ())))


def prepare_step(problem: LoadedProblem, asked: AskedStep) -> PreparedStep:
    solution = problem.solution
    expected = solution.entry(asked.reference)
    kind = value_kind(expected)
    grading = asked.grading
    tolerance = Tolerance(
        rtol=grading.rtol or 0.0, atol=grading.atol or 0.0, sigfigs=grading.sigfigs, decimals=grading.decimals
    )
    step = PreparedStep(
        problem,
        asked,
        split_entry(asked.reference)[0],
        expected,
        kind,
        tolerance,
        expression_symbols(problem, expected) if kind == "expression" else (),
    )
    step.expected_json, step.expected_text = to_json(expected), format_value(expected)
    step.candidates = candidate_mistakes(solution, step.name)
    step.departures = {mistake: departure(solution, mistake) for mistake in step.candidates}
    for mistake in step.candidates:
        value = mistake_value(solution, mistake, step.pick, target=step.name)
        if value is None:
            continue
        if step.matches(value, expected).full:
            step.indistinguishable.append(mistake)
        else:
            step.mistakes.append(rule_explanation(step, mistake, value))
    step.mistakes = rank(step.mistakes)
    shown = {m.name for m in step.mistakes}
    step.indistinguishable = list({m.name: m for m in step.indistinguishable if m.name not in shown}.values())
    for hint in asked.hints:
        try:
            step.hints.append(hint_explanation(hint.message, hint.score, parse_answer(hint.answer, kind, step.symbols)))
        except AnswerError as error:
            raise InputError(
                f"hint answer {hint.answer!r} for {asked.reference}: {error}", where=f"problem {problem.id}"
            ) from None
    return step


def prepare(homework: Homework) -> PreparedHomework:
    return PreparedHomework(homework, {p.id: [prepare_step(p, asked) for asked in p.asked] for p in homework.problems})
