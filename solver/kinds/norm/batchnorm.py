"""Kind ``batchnorm``: batch normalization of a small batch, forward, backward and running statistics.

Each feature (column) is normalized with its mean and biased variance over the
batch, then scaled by γ and shifted by β.  With an upstream gradient dL/dy the
gradients of γ, β and the inputs follow.  The running statistics are updated as
PyTorch's ``BatchNorm1d`` does: ``(1 − momentum)·running + momentum·batch``, with
the *unbiased* variance (× N/(N − 1)) kept for test time; at test time an input
is normalized with the running statistics instead of the batch's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from solver.files.matrices import MatrixData
from solver.graph.arrays import ArraySteps
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Variant
from solver.graph.values import counted
from solver.kinds import GIVEN_CONFIG
from solver.kinds.norm.normalize import (
    OVER_BATCH,
    normalize_batch,
    normalized,
    read_batch,
    read_per_feature,
)

KIND = "batchnorm"

Row = float | list[float]


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    x: MatrixData
    """The batch: an example per row, a feature per column ('1 2; 3 4; 5 6'); a flat list is one feature."""
    gamma: Row | None = None
    """Scale γ, one per feature (1 if left out)."""
    beta: Row | None = None
    """Shift β, one per feature (0 if left out)."""
    eps: float = 1e-5
    """ε added to the variance (PyTorch's default 1e-5)."""
    dL_dy: MatrixData | None = None
    """Upstream gradient dL/dy, the batch's shape: with it, the gradients of γ, β and x follow."""
    running_mean: Row | None = None
    """Running mean before this batch (0 if left out, as PyTorch starts)."""
    running_var: Row | None = None
    """Running variance before this batch (1 if left out, as PyTorch starts)."""
    momentum: float = 0.1
    """Weight of this batch in the running statistics (PyTorch's momentum, default 0.1)."""
    x_test: MatrixData | None = None
    """An input at test time, normalized with the updated running statistics."""


def solve(given: Given, title: str | None = None) -> Solution:
    batch = read_batch(given.x, "x", flat_is_batch=True)
    examples, features = batch.shape
    if examples < 2:
        raise InputError(
            "batch normalization needs at least 2 examples in the batch (an example per row); "
            "one example has no variance to normalize by",
            field="x",
        )
    _check_settings(given)
    steps = normalize_batch(KIND, given, batch, OVER_BATCH, title)
    _add_running_statistics(steps, given, examples, features)
    if given.x_test is not None:
        # A flat test input is one example, unless each example is one number.
        _add_test_time(steps, read_batch(given.x_test, "x_test", flat_is_batch=features == 1), features)
    return steps.solution


def _check_settings(given: Given) -> None:
    if not 0 <= given.momentum <= 1:
        raise InputError(f"momentum must be between 0 and 1, got {given.momentum}", field="momentum")


def _add_running_statistics(steps: ArraySteps, given: Given, examples: int, features: int) -> None:
    steps.given("momentum", "momentum", np.array(given.momentum))
    for name, default, what in (("running_mean", 0.0, "mean"), ("running_var", 1.0, "variance")):
        start = read_per_feature(getattr(given, name), name, features, default)
        if name == "running_var" and (start < 0).any():
            feature = int(np.flatnonzero(start < 0)[0]) + 1
            raise InputError(
                f"running_var of feature {feature} is {start.ravel()[feature - 1]:g}; expected a variance, 0 or more",
                field=name,
            )
        steps.given(name, f"running {what} before this batch", start)
    unbiased = f"{examples}/{examples - 1}"
    steps.add(
        "running_mean_new",
        "running mean after this batch",
        ("momentum", "running_mean", "mean"),
        lambda m, running, mean: (1 - m) * running + m * mean,
        Template("(1 − {momentum})·{running_mean} + {momentum}·{mean}"),
        mistakes=[_momentum_swapped()],
    )
    steps.add(
        "running_var_new",
        "running variance after this batch (the batch's unbiased variance)",
        ("momentum", "running_var", "var"),
        lambda m, running, var: (1 - m) * running + m * var * examples / (examples - 1),
        Template(f"(1 − {{momentum}})·{{running_var}} + {{momentum}}·{unbiased}·{{var}}"),
        mistakes=[
            _momentum_swapped(examples / (examples - 1)),
            Variant(
                "running_variance_biased",
                f"The running variance keeps the unbiased variance of the batch: × N/(N − 1) = {unbiased}.",
                lambda m, running, var: (1 - m) * running + m * var,
            ),
        ],
    )


def _momentum_swapped(correction: float = 1.0) -> Variant:
    return Variant(
        "momentum_swapped",
        "PyTorch's momentum weighs the batch: (1 − momentum)·running + momentum·batch "
        "(Keras' momentum is the other way round).",
        lambda m, running, batch: m * running + (1 - m) * batch * correction,
    )


def _add_test_time(steps: ArraySteps, test_batch: np.ndarray, features: int) -> None:
    if test_batch.shape[1] != features:
        raise InputError(
            f"x_test has {counted(test_batch.shape[1], 'feature')} per example; expected {features}, as the batch x",
            field="x_test",
        )
    steps.given("x_test", "an input at test time", test_batch)
    steps.add(
        "y_test",
        "test-time output (normalized with the running statistics)",
        ("gamma", "x_test", "running_mean_new", "running_var_new", "eps", "beta"),
        lambda gamma, x, mean, var, eps, beta: gamma * normalized(x, mean, var, eps) + beta,
        Template(
            "{gamma} ⊙ ({x_test} − {running_mean_new}) / √({running_var_new} + {eps}) + {beta}",
            r"{gamma} \odot \frac{{x_test} - {running_mean_new}}{\sqrt{{running_var_new} + {eps}}} + {beta}",
        ),
        mistakes=[
            Variant(
                "batch_statistics_at_test_time",
                "At test time batch normalization uses the running statistics, not the training batch's.",
                lambda gamma, x, mean, var, eps, beta: gamma * normalized(x, mean, var, eps) + beta,
                ("gamma", "x_test", "mean", "var", "eps", "beta"),
            )
        ],
    )
