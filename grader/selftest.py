"""``nnsolve check HOMEWORK``: does the homework grade itself as it should?

* the reference answers, written as a student would write them, grade 100%;
* every named mistake of each asked step either gives a value different from
  the truth on this data, or is reported as indistinguishable here (the ReLU
  mistake when z > 0 anyway): a student who makes it cannot be told apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.answers import Submission
from grader.grading import grade_submission
from grader.prepare import PreparedHomework, PreparedStep
from grader.report import StudentReport
from solver.values import format_value, to_json


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
    mistakes: dict[str, str] = field(default_factory=dict)
    indistinguishable: list[str] = field(default_factory=list)


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
                }
                for s in self.steps
            ],
        }


def self_test(prepared: PreparedHomework) -> SelfTest:
    report = grade_submission(prepared, reference_submission(prepared))
    steps = []
    for step in prepared.all_steps():
        mistakes: dict[str, str] = {}
        for mistake, value in step.mistakes:
            mistakes.setdefault(mistake.name, format_value(value))
        steps.append(
            StepCheck(
                step.problem.id, step.reference, step.expected, mistakes, [m.name for m in step.indistinguishable]
            )
        )
    return SelfTest(report, steps)


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
    return lines
