"""Every name the grader gives a wrong answer: found here, from every source, and ranked in one place.

The sources (``Source``), each with the feedback it gives and the credit it earns:

* **author hints**: a wrong answer the author foresaw (``hints:`` of a homework or problem file);
* **wrong rules** that kinds declare as step variants: for an asked step, every
  variant of the step and of each of its ancestors is a candidate (a wrong ReLU
  derivative shows in dL/dW1 too), and so is every variant name applied
  everywhere it is declared (``variant=("*", name)``: a habit, such as leaving out
  the +1 on both axes).  Re-running the solution with the wrong rule in place, on
  the problem's data or on the student's own earlier answers, gives the value that
  mistake leads to;
* **constant factors** of an expression that no declared rule explains (``constant_factor``:
  "Your expression is -1 times the answer");
* **transposed** matrices.

When several names fit, ``rank`` orders them: the most credit first; then a hint
before a rule, a rule before a constant factor or a transposition; among rules
the one that departs from the truth last: the student is taken to be right for
as long as the answer allows.  Correct gradients followed by ``W + η·grad`` are
gradient ascent at the update, not a residual reversed at the loss.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from grader.rules import carries_no_information
from solver.graph.steps import Solution
from solver.graph.values import is_sympy

if TYPE_CHECKING:
    from grader.prepare import PreparedStep
    from grader.report import Status


@dataclass(frozen=True)
class Mistake:
    """A wrong rule: where it applies (a step name or "*"), its name and its feedback."""

    at: str
    name: str
    feedback: str


class Source(IntEnum):
    """Where a name for a wrong answer comes from, in the order ``rank`` prefers them at equal credit."""

    HINT = 0
    RULE = 1
    FACTOR = 2
    TRANSPOSED = 3


@dataclass(frozen=True)
class Explanation:
    """A name for a wrong answer: its feedback, the fraction of the points it earns, and where it comes from.

    ``value`` is the answer it explains, when that is known before any student
    answers (a hint's answer, a rule's value on the problem's data).
    """

    name: str
    feedback: str
    fraction: float
    source: Source
    #: For a rule: where it applies (a step or "*"), where it first departs from the truth
    #: (``departure``), and whether it was recomputed from the student's own earlier answers.
    at: str = ""
    departure: int = 0
    on_own_answers: bool = False
    value: Any = field(default=None, compare=False)

    @property
    def status(self) -> Status:
        """A hint that earns full points accepts the answer; every other name is a mistake."""
        return "correct" if self.source is Source.HINT and self.fraction >= 1 else "mistake"


def rank(found: list[Explanation]) -> list[Explanation]:
    """``found`` in the order the grader names them, best first (see the module's docstring).

    At equal credit, a mistake comes before a hint that accepts the answer; names
    that tie on everything keep the order they are found (and declared) in.
    """
    return sorted(found, key=lambda e: (-e.fraction, e.status != "mistake", e.source, -e.departure, e.on_own_answers))


def explain(step: PreparedStep, given: Any, overrides: Mapping[str, Any] | None) -> list[Explanation]:
    """Every name that fits ``given`` for ``step``, ranked; ``overrides`` are the student's differing earlier answers.

    An answer that carries no information is only matched against hints: a guess
    that happens to equal what a slip gives is still a guess.
    """
    found = [hint for hint in step.hints if step.matches(given, hint.value).full]
    if carries_no_information(given, step.expected):
        return rank(found)
    found += [rule for rule in step.mistakes if step.matches(given, rule.value).full]
    if overrides:
        for mistake in step.candidates:
            value = mistake_value(step.problem.solution, mistake, step.pick, overrides, step.name)
            if value is not None and step.matches(given, value).full:
                found.append(rule_explanation(step, mistake, value, on_own_answers=True))
    credit = step.asked.grading.mistake_credit or 0.0
    if step.kind == "expression" and is_sympy(given):
        found += _constant_factor(given, step.expected, credit)
    if _is_transposed(step, given):
        feedback = "Your matrix is the transpose of the answer: rows and columns are swapped."
        found.append(Explanation("transposed", feedback, credit, Source.TRANSPOSED))
    return rank(found)


def rule_explanation(step: PreparedStep, mistake: Mistake, value: Any, on_own_answers: bool = False) -> Explanation:
    """The name a wrong rule gives an answer for ``step`` equal to ``value``."""
    credit = step.asked.grading.mistake_credit or 0.0
    departs = step.departures.get(mistake, 0)
    return Explanation(mistake.name, mistake.feedback, credit, Source.RULE, mistake.at, departs, on_own_answers, value)


def hint_explanation(message: str, score: float, value: Any) -> Explanation:
    """An author hint: an answer equal to ``value`` is told ``message`` and earns ``score``."""
    return Explanation("author_hint", message, score, Source.HINT, value=value)


def _constant_factor(given: Any, expected: Any, credit: float) -> list[Explanation]:
    """An expression a constant times the answer; a declared slip that explains it ranks first."""
    from solver.math.equivalence import constant_ratio

    ratio = constant_ratio(given, expected)
    if ratio is None:
        return []
    feedback = f"Your expression is {ratio:.4g} times the answer."
    return [Explanation("constant_factor", feedback, credit, Source.FACTOR)]


def _is_transposed(step: PreparedStep, given: Any) -> bool:
    if step.kind != "array" or getattr(given, "ndim", 0) != 2 or given.shape == (1, 1):
        return False
    return step.matches(given.T, step.expected).full and not step.matches(given, step.expected).full


def candidate_mistakes(solution: Solution, step: str) -> list[Mistake]:
    """Every declared wrong rule that can change ``step``: at one ancestor, or everywhere."""
    found: list[Mistake] = []
    habits: dict[str, Mistake] = {}
    for name in solution.ancestors(step):
        for variant in solution[name].variants:
            found.append(Mistake(name, variant.name, variant.feedback))
            habits.setdefault(variant.name, Mistake("*", variant.name, variant.feedback))
    # A habit counts separately only when it is declared at more than one step.
    repeated = {m.name for m in found if sum(n.name == m.name for n in found) > 1}
    return found + [m for name, m in habits.items() if name in repeated]


def departure(solution: Solution, mistake: Mistake) -> int:
    """Position, in solution order, of the first step whose value ``mistake`` changes on the problem's data.

    A mistake that changes nothing (or cannot be computed) departs nowhere: past the last step.
    Every asked step of a problem ranks the same mistakes, so each is worked out once per solution.
    """
    known = _DEPARTURES.setdefault(solution, {})
    if mistake not in known:
        known[mistake] = _first_change(solution, mistake)
    return known[mistake]


def _first_change(solution: Solution, mistake: Mistake) -> int:
    try:
        wrong = solution.evaluate(variant=(mistake.at, mistake.name))
    except Exception:  # a wrong rule may fail on some data: it shows nowhere
        return len(solution.steps)
    for position, step in enumerate(solution):
        if _differs(wrong[step.name], step.value):
            return position
    return len(solution.steps)


def _differs(value: Any, reference: Any) -> bool:
    import numpy as np

    if value is reference:  # a step the evaluation left as solved
        return False

    try:
        given, truth = np.asarray(value, dtype=float), np.asarray(reference, dtype=float)
    except (TypeError, ValueError):
        return bool(value != reference)  # a SymPy expression, a shape: as the values themselves compare
    return given.shape != truth.shape or not np.allclose(given, truth, rtol=1e-12, atol=0.0, equal_nan=True)


def mistake_value(
    solution: Solution,
    mistake: Mistake | None,
    pick: Callable[[Mapping[str, Any]], Any],
    overrides: Mapping[str, Any] | None = None,
    target: str | None = None,
) -> Any | None:
    """What ``mistake`` (None: the right rules) leads to for the graded value, or None when it cannot be computed.

    ``overrides`` are the student's own earlier values; ``target`` names the graded step, so
    that only what it depends on is computed.  A class repeats the same slips, so each
    distinct recomputation is done once (``_RECOMPUTED``).
    """
    if overrides and mistake is not None and mistake.at in overrides:
        return None  # the student's own value stands in for that step: the rule cannot show
    key = _recomputation_key(mistake, target, overrides or {})
    known = _RECOMPUTED.setdefault(solution, {})
    if key is not None and key in known:
        return known[key]
    variant = (mistake.at, mistake.name) if mistake is not None else None
    try:
        value = pick(solution.evaluate(overrides, variant=variant, upto=target))
    except Exception:  # a wrong rule may fail on some data (a negative size): then it is no match here
        value = None
    if key is not None:
        if len(known) >= MAX_RECOMPUTED:
            known.clear()
        known[key] = value
    return value


#: Per solution, recomputed values by (mistake, graded step, the student's values), bounded in number.
_RECOMPUTED: WeakKeyDictionary[Solution, dict[tuple[Any, ...], Any]] = WeakKeyDictionary()
MAX_RECOMPUTED = 5_000
#: Per solution, where each of its mistakes first changes a value (bounded by the mistakes it declares).
_DEPARTURES: WeakKeyDictionary[Solution, dict[Mistake, int]] = WeakKeyDictionary()


def _recomputation_key(
    mistake: Mistake | None, target: str | None, overrides: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    """A hashable key for one recomputation, or None when a value cannot be keyed (then it is not kept)."""
    values = frozen(overrides)
    return None if target is None or values is None else (mistake, target, values)


def frozen(value: Any) -> Any:
    """``value`` as a hashable key that tells apart what compares differently, or None when it cannot be one.

    Lists become tuples, mappings sorted tuples of pairs, NumPy values their dtype, shape and bits.
    """
    if hasattr(value, "tobytes") and hasattr(value, "shape"):
        return (value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (list, tuple)):
        items = tuple(frozen(item) for item in value)
        return None if None in items else (type(value).__name__, items)
    if isinstance(value, Mapping):
        pairs = tuple(sorted((str(k), frozen(v)) for k, v in value.items()))
        return None if any(v is None for _, v in pairs) else pairs
    try:
        hash(value)
    except TypeError:
        return None
    # 1, 1.0 and True hash alike but are not the same answer (a whole number where a float is expected).
    return (type(value).__name__, value)
