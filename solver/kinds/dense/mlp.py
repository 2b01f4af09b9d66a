"""Kind ``mlp``: a dense network worked forward, backward with the delta rule, and one descent step.

Steps per example: ``z1, a1, ..., y_hat``, ``loss``, ``dL/dy_hat``, the error
terms ``delta^L ... delta^1`` (seed 001: ``delta^l = (W^{l+1})ᵀ delta^{l+1} ⊙ f'(z^l)``),
``dL/dW^l = delta^l (a^{l-1})ᵀ`` and ``dL/db^l``; then, with a learning rate,
``W1_new, b1_new, ...``, through the quantities of the chosen optimizer
(momentum's ``v_W1``, Adam's ``m_W1 … m_hat_W1``; see ``solver.math.optimizers``).
``steps: N`` adds steps 2 … N: each one's loss ``loss_t2``, gradients
``dL/dW1_t2``, optimizer state and parameters ``W1_new_t2``, then ``loss_final``;
``frozen`` (or ``train``) names parameters left as they are.  Without a target it
is the forward pass only; with ``upstream`` (a given dL/dŷ) the backward pass starts
from it instead of a loss; ``input_gradients`` adds ``dL/dx`` and ``dL/da^l``.
Several examples get the suffix ``_e1, _e2, ...`` and their gradients are summed or
averaged; ``batch: true`` works them as matrices instead (``solver.kinds.dense.batch_steps``).
``symbolic: true`` derives the same chain in SymPy (see ``solver.kinds.dense.symbolic``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from solver.graph.errors import InputError
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
class OptimizerGiven:
    """An optimizer and its hyper-parameters, named as torch.optim names them."""

    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    name: str = "sgd"
    """sgd, momentum, nesterov, adagrad, rmsprop, adam or adamw."""
    lr: float | None = None
    """η (or the problem's learning_rate)."""
    momentum: float | None = None
    """μ of momentum and Nesterov (default 0.9); sgd with momentum > 0 is momentum, as in torch.optim.SGD."""
    nesterov: bool = False
    """Nesterov momentum: step by g + μv."""
    momentum_form: Literal["pytorch", "average"] = "pytorch"
    """pytorch: v = μv + g; average: v = βv + (1 − β)g, as Andrew Ng's course writes momentum."""
    betas: list[float] | None = None
    """Adam's [β1, β2] (default [0.9, 0.999])."""
    alpha: float | None = None
    """RMSprop's smoothing constant α (default 0.99)."""
    eps: float | None = None
    """ε added to the root (default 1e-8; AdaGrad's 1e-10)."""
    weight_decay: float | None = None
    """λ: λθ added to the gradient (default 0; AdamW's 0.01, subtracted from θ as ηλθ)."""
    decoupled_weight_decay: bool = False
    """Adam with decoupled weight decay: AdamW."""


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
    optimizer: OptimizerGiven | str | None = None
    """The optimizer (default sgd): a name, or its settings as torch.optim names them."""
    steps: int = 1
    """Training steps; more than 1 adds each step's gradients, optimizer state and parameters, and the losses."""
    frozen: list[str] | None = None
    """Parameters kept fixed (W1, b2, ...): no update steps for them."""
    train: list[str] | None = None
    """The only parameters updated (the others are frozen)."""
    reduction: Literal["sum", "mean"] | None = None
    """How the loss and the gradients of several examples are combined: by default a batch (batch: true, or
    examples: N in symbols) takes their mean (as PyTorch's reduction='mean'), examples listed one by one their sum."""
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
    examples: int | None = None
    """Symbolic mode: a batch of this many examples x_e1, x_e2, ..., each worked, then the loss and the
    gradients reduced over them (reduction: mean, 1/n Σ, or sum)."""


def refuse_in_symbols(given: Any, fields: tuple[str, ...]) -> None:
    """Symbolic mode derives one example and plain gradient descent: anything else set is refused, not dropped."""
    defaults = {f.name: f.default for f in dataclasses.fields(given)}
    for field in fields:
        if getattr(given, field) != defaults[field]:
            raise InputError(
                f"{field} is not worked in symbols; expected one example, its loss and gradients, "
                "and plain gradient descent (learning_rate) there",
                field=field,
            )
    if isinstance(given.x, list) and any(isinstance(entry, list) for entry in given.x):
        raise InputError(
            "x lists several examples, which symbols do not read; expected one input, or examples: N "
            "for a batch of N examples in symbols (drop symbolic: true to work a batch in numbers)",
            field="x",
        )


def check_examples(given: Any) -> None:
    """``examples`` counts a batch worked in symbols; in numbers a batch is x given as a list of inputs."""
    if given.examples is None:
        return
    if not given.symbolic:
        raise InputError(
            f"examples = {given.examples}: expected symbolic: true with it (examples counts a batch worked in "
            "symbols; a batch in numbers is x given as a list of inputs)",
            field="examples",
        )
    if given.examples < 1:
        raise InputError(f"examples = {given.examples}: expected 1 or more", field="examples")


#: What symbolic mode does not work (each refused in one line rather than silently dropped).
NOT_IN_SYMBOLS = ("optimizer", "upstream", "input_gradients", "batch")


def solve(given: Given, title: str | None = None) -> Solution:
    check_examples(given)
    if given.symbolic:
        refuse_in_symbols(given, (*NOT_IN_SYMBOLS, "frozen", "train", "steps"))
        from solver.kinds.dense.symbolic import solve_mlp

        return solve_mlp(KIND, given, title)
    from solver.kinds.dense.mlp_steps import solve_numeric

    return solve_numeric(KIND, given, title)
