"""Kind ``neuron``: one neuron ``a = f(w·x + b)``, its loss, the chain rule factor by factor, the update.

Steps: ``z, a, loss, dL/da, da/dz, dz/dw, dz/db, dL/dw, dL/db, w_new, b_new``
(seed 002: dL/dw = dL/da · da/dz · dz/dw); without a target only ``z, a``; with
``upstream`` the given dL/da in place of the loss; ``input_gradients`` adds
``dz/dx`` and ``dL/dx``.  ``symbolic: true`` derives the
same chain in SymPy, e.g. seed 002's L = (ReLU(wx + b) − y)².
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from solver.graph.steps import Solution
from solver.kinds import GIVEN_CONFIG

KIND = "neuron"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    w: float | list[float] | None = None
    """The weight, or the weight vector (one per input)."""
    x: float | list[float] | None = None
    """The input, or the input vector."""
    b: float = 0.0
    """The bias."""
    activation: str = "linear"
    """Any activation of ``solver.math.activations`` but softmax (linear, relu, sigmoid, tanh, ...)."""
    y: float | None = None
    """The target; adds the loss and the gradients."""
    loss: str | None = None
    """Default mse; any loss of ``solver.math.losses``."""
    upstream: float | None = None
    """dL/da given instead of a target and a loss: the chain rule starts from it."""
    input_gradients: bool = False
    """Add dz/dx and the gradient with respect to the input, dL/dx."""
    learning_rate: float | None = None
    """η: adds the updated w and b."""
    huber_delta: float = 1.0
    """δ of the Huber loss."""
    symbolic: bool = False
    """Derive everything with symbols w, x, b, y instead of numbers (seed 002 (a) and (b))."""


def solve(given: Given, title: str | None = None) -> Solution:
    if given.symbolic:
        from solver.kinds.dense.symbolic import solve_neuron

        return solve_neuron(KIND, given, title)
    from solver.kinds.dense.neuron_steps import solve_numeric

    return solve_numeric(KIND, given, title)
