"""Kind ``neuron``: one neuron ``a = f(w·x + b)``, its loss, the chain rule factor by factor, the update.

Steps: ``z, a, loss, dL/da, da/dz, dz/dw, dz/db, dL/dw, dL/db, w_new, b_new``
(seed 002: dL/dw = dL/da · da/dz · dz/dw), with an optimizer's quantities
(``m_w, v_w, ...``) before each update; without a target only ``z, a``; with
``upstream`` the given dL/da in place of the loss; ``input_gradients`` adds
``dz/dx`` and ``dL/dx``.  A batch (x a list of inputs) is worked as a one-unit
layer on a matrix of examples: ``W1 = [w]``, ``Z1 = X W1ᵀ + b1``, ``Y_hat``
(see ``solver.kinds.dense.batch_steps``).  ``symbolic: true`` derives the
same chain in SymPy, e.g. seed 002's L = (ReLU(wx + b) − y)².
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from solver.graph.steps import Solution
from solver.kinds import GIVEN_CONFIG
from solver.kinds.dense.mlp import NOT_IN_SYMBOLS, OptimizerGiven, check_examples, refuse_in_symbols

KIND = "neuron"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    w: float | list[float] | None = None
    """The weight, or the weight vector (one per input)."""
    x: float | list[float] | list[list[float]] | None = None
    """The input, or the input vector; a list of input vectors is a batch (one example per row)."""
    b: float = 0.0
    """The bias."""
    activation: str = "linear"
    """Any activation of ``solver.math.activations`` but softmax (linear, relu, sigmoid, tanh, ...)."""
    y: float | list[float] | None = None
    """The target; adds the loss and the gradients (a list of them, one per example, for a batch)."""
    loss: str | None = None
    """Default mse; any loss of ``solver.math.losses``."""
    upstream: float | list[float] | None = None
    """dL/da given instead of a target and a loss: the chain rule starts from it (one per example for a batch)."""
    batch: bool = False
    """Work a list of inputs as one batch of matrices (also implied by x given as a list of lists)."""
    reduction: Literal["sum", "mean"] = "mean"
    """How a batch's loss is reduced over its examples (mean, as PyTorch, or sum)."""
    input_gradients: bool = False
    """Add dz/dx and the gradient with respect to the input, dL/dx."""
    learning_rate: float | None = None
    """η: adds the updated w and b."""
    optimizer: OptimizerGiven | str | None = None
    """The optimizer of the update (default sgd): a name, or its settings as torch.optim names them."""
    huber_delta: float = 1.0
    """δ of the Huber loss."""
    symbolic: bool = False
    """Derive everything with symbols w, x, b, y instead of numbers (seed 002 (a) and (b))."""
    examples: int | None = None
    """Symbolic mode: a batch of this many examples x_e1, x_e2, ..., each worked, then the loss and the
    gradients reduced over them (reduction: mean, 1/n Σ, or sum)."""


def solve(given: Given, title: str | None = None) -> Solution:
    check_examples(given)
    if given.symbolic:
        refuse_in_symbols(given, NOT_IN_SYMBOLS)
        from solver.kinds.dense.symbolic import solve_neuron

        return solve_neuron(KIND, given, title)
    from solver.kinds.dense.neuron_steps import solve_numeric

    return solve_numeric(KIND, given, title)
