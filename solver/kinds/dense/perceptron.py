"""Kind ``perceptron``: a step-activation unit trained by the perceptron learning rule, epoch by epoch.

Per example ``i`` of epoch ``e``: ``z_e_i = w·x_i + b``, ``y_hat_e_i = step(z_e_i)``,
``err_e_i = y_i − y_hat_e_i``, then ``w_e_i = w + η·err_e_i·x_i`` and ``b_e_i = b + η·err_e_i``;
after each epoch ``mistakes_e``, the number of examples it got wrong.  Epochs run until
one has no mistake (the data are learnt) or ``max_epochs`` is reached (said in a note: data
that are not linearly separable never converge).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from solver.graph.steps import Solution
from solver.kinds import GIVEN_CONFIG

KIND = "perceptron"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    x: list[list[float]]
    """The training examples in the order they are shown, one input vector each."""
    y: list[float]
    """The label of each example: 0 or 1 (labels: binary), −1 or +1 (labels: bipolar)."""
    w: list[float] | None = None
    """The initial weights, one per input (default: all 0)."""
    b: float | Literal["none"] = 0.0
    """The initial bias; 'none' when the examples carry their own constant input (a column of 1 or −1)."""
    learning_rate: float = 1.0
    """η of the rule w ← w + η(y − ŷ)x, b ← b + η(y − ŷ)."""
    labels: Literal["binary", "bipolar"] = "binary"
    """binary: the unit outputs 1 or 0; bipolar: +1 or −1."""
    fires_at_zero: bool = True
    """Whether the unit outputs the positive label when w·x + b = 0 exactly (ŷ = 1 for w·x + b ≥ 0);
    false: only for w·x + b > 0."""
    max_epochs: int = 10
    """Stop after this many epochs even if the last one still had mistakes."""


def solve(given: Given, title: str | None = None) -> Solution:
    from solver.kinds.dense.perceptron_steps import solve_training

    return solve_training(KIND, given, title)
