"""What grading produces: one item per asked step, one report per student.

``to_json`` gives exactly the published form::

    [{"student", "score", "max_score",
      "items": [{"problem", "step", "given", "expected", "score", "max_score",
                 "status", "mistake", "feedback"}]}]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TextIO

Status = Literal["correct", "carried_forward", "partial", "mistake", "wrong", "missing", "invalid"]
STATUSES: tuple[Status, ...] = ("correct", "carried_forward", "partial", "mistake", "wrong", "missing", "invalid")


@dataclass
class Item:
    problem: str
    step: str
    given: Any
    expected: Any
    score: float
    max_score: float
    status: Status
    mistake: str | None = None
    feedback: str = ""
    #: The expected value as people read it (5×4, not [5, 4]); not part of the JSON.
    expected_text: str = field(default="", repr=False)

    def __reduce__(self) -> tuple[type[Item], tuple[Any, ...]]:
        # Reports cross from worker processes by pickle: positional fields load ten times faster than a dict.
        return Item, tuple(getattr(self, f.name) for f in fields(self))

    def to_json(self) -> dict[str, Any]:
        return {
            "problem": self.problem,
            "step": self.step,
            "given": self.given,
            "expected": self.expected,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "mistake": self.mistake,
            "feedback": self.feedback,
        }


@dataclass
class StudentReport:
    student: str
    name: str
    source: str
    items: list[Item] = field(default_factory=list)
    #: Why the whole answers file could not be used (unreadable, not an answers file, another variant's):
    #: then every item is invalid for that reason.  None when the file was read, however bad its answers.
    unusable: str | None = None

    @property
    def score(self) -> float:
        return round(sum(i.score for i in self.items), 4)

    @property
    def max_score(self) -> float:
        return round(sum(i.max_score for i in self.items), 4)

    def to_json(self) -> dict[str, Any]:
        return {
            "student": self.student,
            "score": self.score,
            "max_score": self.max_score,
            "items": [i.to_json() for i in self.items],
        }


def unusable_reason(report: StudentReport) -> str | None:
    """Why the whole answers file could not be used, said as each of its items says it; None when it was read."""
    return None if report.unusable is None else f"answers file unusable: {report.unusable}"


class JsonArrayWriter:
    """Reports written one by one as the JSON array ``json.dumps(reports, indent=2)`` would print."""

    def __init__(self, out: TextIO):
        self._out = out
        self._count = 0

    def add(self, report: StudentReport) -> None:
        text = json.dumps(report.to_json(), indent=2, ensure_ascii=False)
        self._out.write(("[\n" if self._count == 0 else ",\n") + "  " + text.replace("\n", "\n  "))
        self._count += 1

    def finish(self) -> None:
        self._out.write("\n]\n" if self._count else "[]\n")
