"""``nnsolve check HOMEWORK``: does the homework grade itself as it should?

* the reference answers, written as a student would write them, grade 100%;
* every named mistake of each asked step either gives a value different from
  the truth on this data, or is reported as indistinguishable here (the ReLU
  mistake when z > 0 anyway): a student who makes it cannot be told apart;
* a mistake that gives the same value as one ranked before it is reported as
  named as that one (q1: one padding instead of two gives what TensorFlow's
  'same' rule gives), and one whose value carries no information (all zeros)
  as never named: so an author sees exactly what the grader will say;
* with --variants N (a random homework), N students' variants drawn and self-tested
  the same way, and the problems whose spec gives students shared numbers named.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from grader.answers import Submission
from grader.grading import grade_submission
from grader.homework import Homework
from grader.prepare import PreparedHomework, PreparedStep
from grader.report import StudentReport
from grader.rules import carries_no_information
from solver.graph.errors import InputError
from solver.graph.values import format_value, to_json


def reference_answer(step: PreparedStep) -> Any:
    """The reference value as an answers file would hold it."""
    if step.kind == "expression":
        return str(step.expected)
    return to_json(step.expected)


def reference_submission(prepared: PreparedHomework) -> Submission:
    answers: dict[str, dict[str, Any]] = {}
    for step in prepared.all_steps():
        answers.setdefault(step.problem.id, {})[step.reference] = reference_answer(step)
    return Submission("reference", "the reference answers", "(computed)", answers)


@dataclass
class StepCheck:
    problem: str
    step: str
    expected: Any
    #: The mistakes the grader names here, in the order it ranks them, with the value each gives.
    mistakes: dict[str, str] = field(default_factory=dict)
    indistinguishable: list[str] = field(default_factory=list)
    #: Mistakes whose value is that of a mistake ranked before them: the grader names that one.
    named_as: dict[str, str] = field(default_factory=dict)
    #: Mistakes whose value carries no information (all zeros, ...): never named.
    not_named: list[str] = field(default_factory=list)


@dataclass
class SelfTest:
    report: StudentReport
    steps: list[StepCheck]

    @property
    def ok(self) -> bool:
        return self.report.score == self.report.max_score

    def to_json(self) -> dict[str, Any]:
        return {
            "reference_score": self.report.score,
            "max_score": self.report.max_score,
            "ok": self.ok,
            "not_full": [i.to_json() for i in self.report.items if i.status != "correct"],
            "steps": [
                {
                    "problem": s.problem,
                    "step": s.step,
                    "expected": to_json(s.expected),
                    "mistakes": s.mistakes,
                    "indistinguishable": s.indistinguishable,
                    "named_as": s.named_as,
                    "not_named": s.not_named,
                }
                for s in self.steps
            ],
        }


def self_test(prepared: PreparedHomework) -> SelfTest:
    report = grade_submission(prepared, reference_submission(prepared))
    return SelfTest(report, [step_check(step) for step in prepared.all_steps()])


def step_check(step: PreparedStep) -> StepCheck:
    """What the grader will say for each mistake of ``step`` on this data (``step.mistakes`` is ranked)."""
    check = StepCheck(step.problem.id, step.reference, step.expected)
    check.indistinguishable = [m.name for m in step.indistinguishable]
    named: list[tuple[str, Any]] = []
    for rule in step.mistakes:
        value = rule.value
        # A habit applied at every step that declares it is told apart from the same slip at one step.
        label = f"{rule.name} (everywhere)" if rule.at == "*" else rule.name
        if label in check.mistakes or label in check.named_as or label in check.not_named:
            continue
        if carries_no_information(value, step.expected):
            check.not_named.append(label)
            continue
        first = next((name for name, earlier in named if step.matches(value, earlier).full), None)
        if first is None:
            named.append((label, value))
            check.mistakes[label] = format_value(value)
        else:
            check.named_as[label] = first
    return check


def self_test_lines(result: SelfTest) -> list[str]:
    """The self-test for people, one line per asked step."""
    lines = [f"reference answers grade {result.report.score:g} / {result.report.max_score:g}"]
    lines += [
        f"  ✗ {i.problem} {i.step}: {i.status}: {i.feedback}" for i in result.report.items if i.status != "correct"
    ]
    for step in result.steps:
        named = ", ".join(f"{name} → {value}" for name, value in step.mistakes.items()) or "none declared"
        lines.append(f"  {step.problem} {step.step} = {format_value(step.expected)}; mistakes: {named}")
        if step.indistinguishable:
            lines.append(f"      indistinguishable on this data: {', '.join(step.indistinguishable)}")
        for name, first in step.named_as.items():
            lines.append(f"      {name} gives the same value as {first}: named {first}")
        if step.not_named:
            lines.append(f"      never named here (zero or constant, no information): {', '.join(step.not_named)}")
    return lines


# -- nnsolve check HOMEWORK --variants N ------------------------------------------------------------


#: A spec gives students shared numbers when fewer than this share of the students checked get variants of their own.
NARROW = 0.5


@dataclass
class VariantsCheck:
    """The self-test of N students' variants: what failed, and the problems whose spec gives few variants."""

    students: int
    #: Failures (a variant that cannot be drawn, a reference that does not grade 100%) -> how many variants had it.
    failures: Counter[str]
    #: Problem id -> how many different variants the students checked got.
    distinct: dict[str, int]
    #: Problem id -> how many of the students got a variant of it (a student whose draw failed got none).
    drawn: dict[str, int]

    @property
    def narrow(self) -> list[str]:
        return [pid for pid, count in self.distinct.items() if count < NARROW * self.drawn[pid]]

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {
            "variants": self.students,
            "ok": self.ok,
            "failures": [{"failure": failure, "variants": count} for failure, count in self.failures.items()],
            "distinct": self.distinct,
            "drawn": self.drawn,
            "too_narrow": self.narrow,
        }

    def lines(self) -> list[str]:
        found = [f"{self.students} variants checked: {self.failures.total()} failures"]
        found += [f"  ✗ {failure} ({count} of {self.students} variants)" for failure, count in self.failures.items()]
        for pid, count in self.distinct.items():
            mark = "  too narrow: students share numbers" if pid in self.narrow else ""
            drawn = self.drawn[pid]
            counted = f"{count} different variants in {drawn}{mark}" if drawn else "no variant drawn"
            found.append(f"  {pid}: {counted}")
        return found


def check_variants(homework: Homework, count: int) -> VariantsCheck:
    """Draw ``count`` students' variants; each must meet its conditions and grade its reference 100%."""
    from grader.prepare import prepare
    from grader.variants import StudentVariants, require_random
    from solver.files.randomize import missed_condition

    require_random(homework)
    variants = StudentVariants(prepare(homework))
    failures: Counter[str] = Counter()
    # Each problem's draws, one per student who got it: a student whose draw failed counts in none.
    seen: dict[str, list[str]] = {p.id: [] for p in homework.problems if p.random is not None}
    for number in range(1, count + 1):
        student = f"variant-check-{number}"
        try:
            prepared, _ = variants.prepared_for(student)
        except InputError as error:
            failures[str(error)] += 1
            continue
        drawn = variants.of(student).drawn
        for template, own in zip(homework.problems, prepared.homework.problems, strict=True):
            if template.random is None:
                continue
            seen[own.id].append(json.dumps(drawn[own.id], sort_keys=True, default=str))
            # Checked again on the variant as drawn, as a student's sheet will show it.
            missed = missed_condition(template.random.conditions(), own.solution)
            failures.update([f"{own.id}: {missed}"] if missed else [])
        failures.update(
            f"{item.problem} {item.step}: the reference answer is {item.status}: {item.feedback}"
            for item in self_test(prepared).report.items
            if item.status != "correct"
        )
    distinct = {pid: len(set(values)) for pid, values in seen.items()}
    return VariantsCheck(count, failures, distinct, {pid: len(values) for pid, values in seen.items()})
