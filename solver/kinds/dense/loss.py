"""Kind ``loss``: the loss table of seed 002, value and derivative of each loss for given y and ŷ.

One step per loss (``L_mse``, ``L_mae``, ...) and one for its derivative
(``dL_mse/dy_hat``, ...), and a summary table side by side.  A batch is a matrix
with one row per example; ``reduction`` reduces every loss by a mean or a sum.
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

    y: float | list[float] | list[list[float]]
    """The target: a number, a vector (one-hot for cross_entropy and nll), or one row per example."""
    y_hat: float | list[float] | list[list[float]]
    """The prediction, of the same shape as y (probabilities for bce, cross_entropy and nll)."""
    losses: list[str] = field(default_factory=lambda: list(TABLE_LOSSES))
    """Which losses of ``solver.math.losses`` (default: seed 002's table)."""
    huber_delta: float = 1.0
    """δ of the Huber loss."""
    reduction: str | None = None
    """mean or sum, over the outputs and examples (cross_entropy, nll, kl_div: over the examples) as PyTorch
    reduces; not given: each loss's own (mse, mae, huber, hinge average; the others sum)."""


def solve(given: Given, title: str | None = None) -> Solution:
    from solver.kinds.dense.loss_steps import solve_table

    return solve_table(KIND, given, title)
