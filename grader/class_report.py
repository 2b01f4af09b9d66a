"""What a class did, tallied as it is graded: the scores, each asked step's outcomes, who needs a look.

``ClassTally.add`` takes one ``StudentReport`` at a time and keeps counters, not
reports: per asked step, how many students reached each outcome (a status, and
for a named mistake its name and feedback); per student, only the score and one
small number per step (so that a later file of the same student can replace the
earlier one, ``--keep-last``): about half a kilobyte per student, 24 MB for 50,000.

The HTML page (``grader.class_page``) and the JSON are written from the tally.  The JSON::

    {"homework", "students", "max_score",
     "scores": {"mean", "median", "quartiles", "lowest", "highest", "histogram": [{"from", "to", "count"}]},
     "steps": [{"problem", "step", "points", "counts": {status: n}, "shares": {status: fraction},
                "mistakes": [{"name", "feedback", "count", "share"}]}],
     "attention": {"unusable_files", "invalid_items", "all_missing"}: {"count", "students": [...]}}
"""

from __future__ import annotations

import statistics
from array import array
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from grader.grading import ENTRIES_STILL_EARN
from grader.prepare import PreparedHomework
from grader.report import STATUSES, Item, Status, StudentReport, unusable_reason

#: Students listed by name in each list of students to look at (all are counted).
LISTED_STUDENTS = 100
#: Invalid items listed per student.
LISTED_ITEMS = 5
#: Named mistakes shown per step on the page (the JSON lists them all).
SHOWN_MISTAKES = 3
#: Distinct named mistakes told apart per step; beyond it (an expression off by ever new factors) they are pooled.
MAX_MISTAKE_KINDS = 200
#: Bars of the score histogram.
HISTOGRAM_BARS = 10
#: The name of the pool of mistakes past ``MAX_MISTAKE_KINDS``.
OTHER_MISTAKES = "other"


class Outcome(NamedTuple):
    """What one student's answer to one step came to: a status, and for a named mistake its name and feedback."""

    status: Status
    mistake: str | None = None
    feedback: str = ""


@dataclass
class StepTally:
    """The outcomes of one asked step, counted: each distinct outcome gets a number once."""

    problem: str
    step: str
    points: float
    outcomes: dict[Outcome, int] = field(default_factory=dict)
    counts: list[int] = field(default_factory=list)
    mistake_kinds: int = 0

    def number(self, outcome: Outcome) -> int:
        """The number of ``outcome`` (counted from then on by the caller)."""
        if outcome not in self.outcomes:
            if outcome.mistake is not None:
                self.mistake_kinds += 1
            self.outcomes[outcome] = len(self.counts)
            self.counts.append(0)
        return self.outcomes[outcome]

    def outcome(self, item: Item) -> Outcome:
        if item.status != "mistake" or not item.mistake:
            return Outcome(item.status)
        # The same mistake is one outcome whether or not its right entries earned more than its name.
        outcome = Outcome("mistake", item.mistake, item.feedback.removesuffix(ENTRIES_STILL_EARN))
        if outcome not in self.outcomes and self.mistake_kinds >= MAX_MISTAKE_KINDS:
            return Outcome("mistake", OTHER_MISTAKES, "other named mistakes")
        return outcome

    def status_counts(self) -> dict[Status, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for outcome, number in self.outcomes.items():
            counts[outcome.status] += self.counts[number]
        return counts

    def mistakes(self) -> list[tuple[Outcome, int]]:
        """Named mistakes made by at least one student, the most frequent first (ties: first seen first)."""
        named = [(o, self.counts[n]) for o, n in self.outcomes.items() if o.mistake and self.counts[n]]
        return sorted(named, key=lambda pair: -pair[1])


@dataclass
class StudentList:
    """Students to look at: all counted, the first ``LISTED_STUDENTS`` kept with what to say about them."""

    count: int = 0
    listed: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, source: str, entry: dict[str, Any]) -> None:
        self.count += 1
        if len(self.listed) < LISTED_STUDENTS:
            self.listed[source] = entry

    def remove(self, source: str) -> None:
        self.count -= 1
        self.listed.pop(source, None)

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "students": list(self.listed.values())}


class Record(NamedTuple):
    """What one student added to the tally, to take it back when a later file replaces theirs."""

    source: str
    outcomes: array
    lists: tuple[StudentList, ...]


class ClassTally:
    """Counters over a class, fed one report at a time."""

    def __init__(self, prepared: PreparedHomework):
        self.title = prepared.homework.title
        self.max_score = prepared.max_score
        self.steps = [StepTally(s.problem.id, s.reference, s.asked.points) for s in prepared.all_steps()]
        self._index = {(t.problem, t.step): i for i, t in enumerate(self.steps)}
        self.scores: dict[str, float] = {}
        self.unusable = StudentList()
        self.invalid_items = StudentList()
        self.all_missing = StudentList()
        self._records: dict[str, Record] = {}

    def add(self, report: StudentReport) -> None:
        """Count ``report``; a student already counted is replaced (the caller decides whether that is allowed)."""
        earlier = self._records.pop(report.student, None)
        if earlier is not None:
            self._take_back(earlier)
        # A step the report has no item for was not answered.
        outcomes = array("H", (step.number(Outcome("missing")) for step in self.steps))
        for item in report.items:
            at = self._index.get((item.problem, item.step))
            if at is not None and item.max_score:
                step = self.steps[at]
                outcomes[at] = step.number(step.outcome(item))
        for step, number in zip(self.steps, outcomes, strict=True):
            step.counts[number] += 1
        self.scores[report.student] = report.score
        self._records[report.student] = Record(report.source, outcomes, self._list(report))

    def _take_back(self, record: Record) -> None:
        for step, number in zip(self.steps, record.outcomes, strict=True):
            step.counts[number] -= 1
        for listed in record.lists:
            listed.remove(record.source)

    def _list(self, report: StudentReport) -> tuple[StudentList, ...]:
        """Put ``report``'s student on the lists a TA reads; the lists they are on."""
        who = {"student": report.student, "name": report.name, "source": report.source}
        on: list[StudentList] = []
        reason = unusable_reason(report)
        if reason is not None:
            self.unusable.add(report.source, {**who, "reason": reason})
            return (self.unusable,)
        invalid = [i for i in report.items if i.status == "invalid"]
        if invalid:
            items = [{"problem": i.problem, "step": i.step, "reason": i.feedback} for i in invalid[:LISTED_ITEMS]]
            self.invalid_items.add(report.source, {**who, "count": len(invalid), "items": items})
            on.append(self.invalid_items)
        asked = [i for i in report.items if i.max_score]
        if asked and all(i.status == "missing" for i in asked):
            self.all_missing.add(report.source, who)
            on.append(self.all_missing)
        return tuple(on)

    @property
    def students(self) -> int:
        return len(self.scores)

    def score_statistics(self) -> dict[str, Any]:
        scores = list(self.scores.values())
        if not scores:
            return {"mean": None, "median": None, "quartiles": None, "lowest": None, "highest": None}
        # quantiles() needs two scores; one student's score is every quartile.
        quartiles = statistics.quantiles(scores, n=4, method="inclusive") if len(scores) > 1 else scores * 3
        return {
            "mean": round(statistics.fmean(scores), 4),
            "median": round(statistics.median(scores), 4),
            "quartiles": [round(q, 4) for q in quartiles],
            "lowest": min(scores),
            "highest": max(scores),
        }

    def histogram(self) -> list[dict[str, float]]:
        """``HISTOGRAM_BARS`` equal ranges from 0 to the top score; each holds its lower end, the last both ends."""
        top = self.max_score if self.max_score > 0 else 1.0
        width = top / HISTOGRAM_BARS
        counts = [0] * HISTOGRAM_BARS
        for score in self.scores.values():
            # A score on a boundary (10.8 of 54) belongs to the range it starts, whatever the float division says.
            bar = int(score * HISTOGRAM_BARS / top + 1e-9)
            counts[min(HISTOGRAM_BARS - 1, max(0, bar))] += 1
        return [
            {"from": round(b * width, 4), "to": round((b + 1) * width, 4), "count": count}
            for b, count in enumerate(counts)
        ]

    def share(self, count: int) -> float:
        return count / self.students if self.students else 0.0

    def step_json(self, step: StepTally) -> dict[str, Any]:
        counts = step.status_counts()
        return {
            "problem": step.problem,
            "step": step.step,
            "points": step.points,
            "counts": counts,
            "shares": {status: round(self.share(n), 4) for status, n in counts.items()},
            "mistakes": [
                {"name": o.mistake, "feedback": o.feedback, "count": n, "share": round(self.share(n), 4)}
                for o, n in step.mistakes()
            ],
        }

    def attention(self) -> dict[str, StudentList]:
        return {"unusable_files": self.unusable, "invalid_items": self.invalid_items, "all_missing": self.all_missing}

    def to_json(self) -> dict[str, Any]:
        return {
            "homework": self.title,
            "students": self.students,
            "max_score": self.max_score,
            "scores": {**self.score_statistics(), "histogram": self.histogram()},
            "steps": [self.step_json(s) for s in self.steps],
            "attention": {name: listed.to_json() for name, listed in self.attention().items()},
        }
