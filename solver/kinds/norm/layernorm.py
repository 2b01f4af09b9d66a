"""Kind ``layernorm``: layer normalization of each example over its features, forward and backward.

Each example (row) is normalized with the mean and biased variance of its own
features, then each feature scaled by γ and shifted by β, as PyTorch's
``LayerNorm`` over the last dimension.  The statistics are the example's own, so
training and test time compute alike: there are no running statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from solver.files.matrices import MatrixData
from solver.graph.errors import InputError
from solver.graph.steps import Solution
from solver.kinds import GIVEN_CONFIG
from solver.kinds.norm.normalize import OVER_FEATURES, normalize_batch, read_batch

KIND = "layernorm"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    x: MatrixData
    """The examples: one per row, a feature per column ('1 2 3; 4 5 6'); a flat list is one example."""
    gamma: float | list[float] | None = None
    """Scale γ, one per feature (1 if left out)."""
    beta: float | list[float] | None = None
    """Shift β, one per feature (0 if left out)."""
    eps: float = 1e-5
    """ε added to the variance (PyTorch's default 1e-5)."""
    dL_dy: MatrixData | None = None
    """Upstream gradient dL/dy, the shape of x: with it, the gradients of γ, β and x follow."""


def solve(given: Given, title: str | None = None) -> Solution:
    batch = read_batch(given.x, "x", flat_is_batch=False)
    features = batch.shape[1]
    if features < 2:
        raise InputError(
            "layer normalization needs at least 2 features per example (a feature per column); "
            "one feature normalizes to 0 whatever its value",
            field="x",
        )
    return normalize_batch(KIND, given, batch, OVER_FEATURES, title).solution
