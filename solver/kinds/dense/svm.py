"""Kind ``svm``: the multiclass SVM (hinge) loss on given class scores and its gradient, as CS231n writes it.

L_i = Σ_{j≠y} max(0, s_j − s_y + Δ); dL_i/ds_j = 1 where that margin is violated,
and dL_i/ds_y = minus the number of violated margins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from solver.graph.steps import Solution
from solver.kinds import GIVEN_CONFIG

KIND = "svm"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    scores: str | list[float] | list[list[float]]
    """The class scores: one row, or one row per example (a matrix, or matrix text '3.2 5.1 -1.7; 1.3 4.9 2')."""
    target: int | list[int]
    """The true class of each row, counted from 0."""
    margin: float = 1.0
    """The margin Δ."""
    reduction: str = "mean"
    """How the examples' losses are combined: mean (PyTorch's default) or sum."""


def solve(given: Given, title: str | None = None) -> Solution:
    from solver.kinds.dense.scores_steps import solve_svm

    return solve_svm(KIND, given, title)
