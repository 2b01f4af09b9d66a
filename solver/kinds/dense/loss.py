"""Kind ``loss``: the loss table of seed 002, value and derivative of each loss for given y and ŷ.

One step per loss (``L_mse``, ``L_mae``, ...) and one for its derivative
(``dL_mse/dy_hat``, ...), and a summary table side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from solver.graph.steps import Solution
from solver.kinds import GIVEN_CONFIG

KIND = "loss"

#: The rows of seed 002's table, in its order.
TABLE_LOSSES = ["mse", "mae", "huber", "bce", "cross_entropy", "hinge", "nll"]


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    y: float | list[float]
    """The target: a number, or a vector (one-hot for cross_entropy and nll)."""
    y_hat: float | list[float]
    """The prediction, of the same length as y (probabilities for bce, cross_entropy and nll)."""
    losses: list[str] = field(default_factory=lambda: list(TABLE_LOSSES))
    """Which losses of ``solver.math.losses`` (default: seed 002's table)."""
    huber_delta: float = 1.0
    """δ of the Huber loss."""


def solve(given: Given, title: str | None = None) -> Solution:
    from solver.kinds.dense.loss_steps import solve_table

    return solve_table(KIND, given, title)
