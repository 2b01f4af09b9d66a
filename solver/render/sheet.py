"""A homework's solution sheet as every format draws it: per problem, what is asked, then its solution.

The grader builds a ``Sheet`` from a homework file; each format's ``write_sheet``
draws it, so that a homework is rendered through the same registry as one problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from solver.graph.steps import Solution


def points_text(points: float) -> str:
    """``1 point``, ``2 points``, ``0.5 points``: as a sheet says what a part is worth."""
    return f"{points:g} point" + ("" if points == 1 else "s")


@dataclass(frozen=True)
class Asked:
    """A step or entry the students answer (``W1[1,2]``), its points and its value."""

    reference: str
    points: float
    value: Any


@dataclass(frozen=True)
class SheetProblem:
    id: str
    title: str
    asked: list[Asked]
    solution: Solution

    @property
    def points(self) -> float:
        return sum(a.points for a in self.asked)


@dataclass(frozen=True)
class Sheet:
    title: str
    problems: list[SheetProblem]
