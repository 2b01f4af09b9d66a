"""Kind ``softmax``: softmax and cross-entropy on given class scores, with the log-sum-exp shift as a step.

Steps: the shift m = max s, s − m, the exponentials and their sum, the probabilities p,
the loss −log p_y (per example and reduced, for a batch) and dL/ds = p − onehot(y).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from solver.graph.steps import Solution
from solver.kinds import GIVEN_CONFIG

KIND = "softmax"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    scores: str | list[float] | list[list[float]]
    """The class scores (logits): one row, or one row per example (a matrix, or matrix text '2 1 0.1; 0 1 2')."""
    target: int | list[int]
    """The true class of each row, counted from 0."""
    reduction: str = "mean"
    """How the examples' losses are combined: mean (PyTorch's and Keras's default) or sum."""


def solve(given: Given, title: str | None = None) -> Solution:
    from solver.kinds.dense.scores_steps import solve_softmax

    return solve_softmax(KIND, given, title)
