"""Figures drawn from the step graph (placeholder: none yet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solver.graph.steps import Solution


@dataclass(frozen=True)
class Figure:
    name: str
    caption: str
    svg: str


def figures(solution: Solution, *, key: bool) -> list[Figure]:
    return []
