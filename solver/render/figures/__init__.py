"""Figures drawn from a solution's step graph, as self-contained SVG."""

from __future__ import annotations

from dataclasses import dataclass

from solver.graph.steps import Solution


@dataclass(frozen=True)
class Figure:
    name: str
    caption: str
    svg: str


def figures(solution: Solution, *, key: bool) -> list[Figure]:
    """The figures of ``solution``; ``key=False`` draws no answers."""
    return []
