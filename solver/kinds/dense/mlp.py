"""Kind ``mlp``: a dense network worked forward, backward with the delta rule, and one descent step.

Steps per example: ``z1, a1, ..., y_hat``, ``loss``, ``dL/dy_hat``, the error
terms ``delta^L ... delta^1`` (seed 001: ``delta^l = (W^{l+1})ᵀ delta^{l+1} ⊙ f'(z^l)``),
``dL/dW^l = delta^l (a^{l-1})ᵀ`` and ``dL/db^l``; then, with a learning rate,
``W1_new, b1_new, ...``.  Without a target it is the forward pass only; with
``upstream`` (a given dL/dŷ) the backward pass starts from it instead of a
loss; ``input_gradients`` adds ``dL/dx`` and ``dL/da^l``.  Several examples
get the suffix ``_e1, _e2, ...`` and their gradients are summed or averaged;
``batch: true`` works them as matrices instead (``solver.kinds.dense.batch_steps``).
``symbolic: true`` derives the same chain in SymPy (see ``solver.kinds.dense.symbolic``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from solver.graph.steps import Solution
from solver.kinds import GIVEN_CONFIG

KIND = "mlp"

Numbers = float | list[float] | list[list[float]]


@dataclass
class LayerGiven:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    weights: list[list[float]] | str | None = None
    """Weights, one row per unit (units × inputs); with a folded bias, column 0 is the bias.

    Or a .npy, .csv or .txt file holding them (a large network), or matrix text ('1 0; 0 1')."""
    bias: list[float] | float | str | None = None
    """A list (one per unit), one number for every unit, 'folded' (column 0 multiplies a constant 1), or 'none'."""
    activation: str = "linear"
    """Any activation of ``solver.math.activations`` (softmax on the last layer only)."""
    units: int | None = None
    """Number of units; needed only in symbolic mode, where no weights are given."""


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    layers: list[LayerGiven]
    """The layers from input to output."""
    x: Numbers | list[str] | None = None
    """The input vector, or a list of input vectors (one per training example)."""
    y: Numbers | None = None
    """The target: a number or a list (one per output unit); a list of them for several examples."""
    loss: str | None = None
    """Default mse; any loss of ``solver.math.losses`` (mse the mean, sse the sum, half_squared ½ Σ)."""
    upstream: Numbers | None = None
    """dL/dŷ given instead of a target and a loss (one per output unit; a list of them for several examples):
    backpropagate it."""
    input_gradients: bool = False
    """Add the gradients with respect to the inputs: dL/dx, and dL/da^l for every hidden layer."""
    learning_rate: float | None = None
    """η: adds the gradient-descent update steps."""
    steps: int = 1
    """Gradient-descent iterations; more than 1 adds the loss after each one."""
    reduction: Literal["sum", "mean"] | None = None
    """How the loss and the gradients of several examples are combined: mean by default with batch: true
    (as PyTorch's reduction='mean'), sum otherwise."""
    batch: bool = False
    """Work the examples (a list of inputs) as one batch of matrices, Z = X Wᵀ + b, with the batch statistics."""
    form: Literal["auto", "scalar", "vector"] = "auto"
    """scalar: unit by unit (as seed 004 question 1); vector: whole vectors; auto: scalar for small layers."""
    huber_delta: float = 1.0
    """δ of the Huber loss."""
    symbolic: bool = False
    """Derive the chain with symbols instead of numbers (weights not needed, give units)."""
    inputs: int | None = None
    """Number of inputs in symbolic mode (default: the length of x, or 2)."""


def solve(given: Given, title: str | None = None) -> Solution:
    if given.symbolic:
        from solver.kinds.dense.symbolic import solve_mlp

        return solve_mlp(KIND, given, title)
    from solver.kinds.dense.mlp_steps import solve_numeric

    return solve_numeric(KIND, given, title)
