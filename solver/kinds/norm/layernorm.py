"""Kind ``layernorm``: layer normalization of each example over its features, forward and backward.

Each example (row) is normalized with the mean and biased variance of its own
features, then each feature scaled by γ and shifted by β, as PyTorch's
``LayerNorm`` over the last dimension.  The statistics are the example's own, so
training and test time compute alike: there are no running statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from solver.files.matrices import MatrixData
from solver.graph.arrays import ArraySteps
from solver.graph.errors import InputError
from solver.graph.steps import Solution
from solver.graph.values import counted
from solver.kinds import GIVEN_CONFIG
from solver.kinds.norm.normalize import (
    OVER_FEATURES,
    add_backward,
    add_normalization,
    read_batch,
    read_like,
    read_per_feature,
)

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
    examples, features = batch.shape
    if features < 2:
        raise InputError(
            "layer normalization needs at least 2 features per example (a feature per column); "
            "one feature normalizes to 0 whatever its value",
            field="x",
        )
    if given.eps < 0:
        raise InputError(f"eps must be 0 or more, got {given.eps}", field="eps")
    solution = Solution(
        KIND,
        title or f"Layer normalization of {counted(examples, 'example')} × {features} features: forward and backward",
    )
    steps = ArraySteps(solution)
    steps.given("x", "the examples (one per row)", batch)
    for name, default, what in (("gamma", 1.0, "scale γ"), ("beta", 0.0, "shift β")):
        steps.given(name, f"{what} per feature", read_per_feature(getattr(given, name), name, features, default))
    steps.given("eps", "ε added to the variance", np.array(given.eps))
    add_normalization(steps, OVER_FEATURES, batch)
    if given.dL_dy is not None:
        steps.given("dL/dy", "upstream gradient", read_like(given.dL_dy, "dL_dy", batch.shape, "the shape of x"))
        add_backward(steps, OVER_FEATURES, features)
    return solution
