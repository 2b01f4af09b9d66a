"""Kind ``rnn``: a vanilla RNN's forward pass and backpropagation through time, path by path.

Forward: h_t = f(x_t W_x + h_{t-1} W_h + b_h) (row convention, seed 002) or
f(W_x x_t + W_h h_{t-1} + b_h) (column convention, seed 003), then
y_hat = g(h_T W_y + b_y) (many-to-one) or one y_hat_t per step (``outputs:
every_step``, loss averaged over the steps).

Backward, as the notes write it: dL/dh_T from the output, the Jacobians
dh_t/dh_{t-1} and their products dh_T/dh_t (norms, vanishing / exploding),
dL/dh_t along each path, then dL/dW_x and dL/dW_h as the sum over t of the
path terms ``dL/dh_t · dh_t/dW``, each shown.  Gradient vectors are chained
left to right as the notes chain derivatives (dL/dh_{t-1} = dL/dh_t · dh_t/dh_{t-1}).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from solver.graph.arrays import ArraySteps
from solver.graph.steps import Solution
from solver.kinds import GIVEN_CONFIG
from solver.kinds.recurrent import bptt
from solver.kinds.recurrent.backward import LAST_STEP_ONLY, add_backward, add_update, norm_table
from solver.kinds.recurrent.batch import Example, solve_batch
from solver.kinds.recurrent.network import Network, Readout, read_network
from solver.kinds.recurrent.text import applied, hole, loss_formula, times_text
from solver.math.losses import loss as loss_function
from solver.math.scores import reduction_slip

KIND = "rnn"

Matrix = float | list[float] | list[list[float]]

__all__ = ["KIND", "LAST_STEP_ONLY", "Given", "solve"]


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    W_x: Matrix
    """Input weights: inputs × hidden in the row convention, hidden × inputs in the column convention."""
    W_h: Matrix
    """Recurrent weights, hidden × hidden."""
    W_y: Matrix
    """Output weights: hidden × outputs (row) or outputs × hidden (column); a flat list is one output."""
    y: float | list[float | list[float]] | None = None
    """Target: one value or vector (many-to-one), or one per time step (outputs: every_step)."""
    x: list[float | list[float]] | None = None
    """The input sequence, one number or vector per time step."""
    words: list[str] | str | None = None
    """The input sequence as words, one-hot encoded from `vocabulary` (instead of x)."""
    vocabulary: list[str] | None = None
    """The words of the one-hot encoding, in order: word i is the unit vector e_i."""
    convention: Literal["row", "column"] = "row"
    """row: h_t = f(x_t W_x + h_{t-1} W_h + b_h) (seed 002); column: f(W_x x_t + W_h h_{t-1} + b_h) (seed 003)."""
    activation: str = "tanh"
    """Hidden activation f: any of ``solver.math.activations`` but softmax (tanh, relu, sigmoid, ...)."""
    output: str = "linear"
    """Output activation g: any of ``solver.math.activations`` (linear, sigmoid, softmax, ...)."""
    outputs: Literal["last", "every_step"] = "last"
    """last: many-to-one; every_step: an output per step, loss reduced over the steps."""
    loss: str = "mse"
    """Loss per output: mse, bce, cross_entropy, ... (see the dense kinds)."""
    reduction: str = "mean"
    """How the outputs' losses make the loss: mean (PyTorch's default reduction='mean': the mean over every output
    of every sequence; Keras averages over the time steps inside each sample, then sum_over_batch_size: the same
    number for sequences of one length) or sum, over the time steps (every_step) and the examples of a batch."""
    b_h: float | list[float] | None = None
    """Hidden bias (none if left out)."""
    b_y: float | list[float] | None = None
    """Output bias (none if left out)."""
    h0: float | list[float] | None = None
    """Initial hidden state (zero if left out)."""
    learning_rate: float | None = None
    """With a learning rate, one gradient-descent update W_new = W − η dL/dW follows."""
    batch: list[Example] | None = None
    """A batch of sequences sharing the weights, each {x or words, y, h0?}, instead of x and y: each worked as one
    sequence, then the loss reduced over the examples too (reduction: mean is over all B·T outputs as PyTorch's
    reduction='mean'; Keras's mean over the steps, then sum_over_batch_size, is the same number) and every
    gradient the mean (sum) of the examples'."""


def solve(given: Given, title: str | None = None) -> Solution:
    if given.batch is not None:
        return solve_batch(given, solve, title)
    net = read_network(given)
    T = net.steps
    mode = "many-to-many" if net.every_step else "many-to-one"
    solution = Solution(
        KIND, title or f"RNN over {T} time steps ({mode}, {net.convention} convention): forward pass and BPTT"
    )
    # The row convention's vectors are rows (x_t W_x); the column convention's are columns, except the
    # gradients dL/dh_t, which the notes chain left to right through the Jacobians.
    row = net.convention == "row"
    steps = ArraySteps(solution, is_row=lambda name: row or name.startswith("dL/dh"))
    _givens(steps, net)
    _forward(steps, net)
    add_backward(steps, net)
    if given.learning_rate is not None:
        add_update(steps, given.learning_rate, ("W_x", "W_h", "W_y", "b_h", "b_y"))
    solution.tables.append(norm_table(solution, T))
    return solution


def _givens(steps: ArraySteps, net: Network) -> None:
    add_inputs(steps, net)
    add_initial_state(steps, "h0", "hidden state", net.h0, net.hidden_size)
    for name, what in (("W_x", "input → hidden"), ("W_h", "hidden → hidden"), ("W_y", "hidden → output")):
        steps.given(name, f"weights {what}", getattr(net, name))
    for name, bias in (("b_h", net.b_h), ("b_y", net.b_y)):
        if bias is not None:
            steps.given(name, "hidden bias" if name == "b_h" else "output bias", bias)
    add_targets(steps, net)


def add_inputs(steps: ArraySteps, net: Readout) -> None:
    for t, x in enumerate(net.inputs, start=1):
        word = f" ({net.words[t - 1]!r}, one-hot)" if net.words else ""
        steps.given(f"x{t}", f"input at step {t}{word}", x)


def add_targets(steps: ArraySteps, net: Readout) -> None:
    for t, target in enumerate(net.targets, start=1):
        steps.given(f"y{t}" if net.every_step else "y", f"target at step {t}" if net.every_step else "target", target)


def add_initial_state(steps: ArraySteps, name: str, what: str, value: np.ndarray | None, size: int) -> None:
    """h0 (or c0) as given, zero when left out."""
    zero = value is None
    steps.given(name, f"initial {what}" + (" (zero)" if zero else ""), np.zeros(size) if zero else value)


def _bias(steps: ArraySteps, name: str) -> tuple[tuple[str, ...], str]:
    return ((name,), f" + {hole(name)}") if name in steps else ((), "")


def _forward(steps: ArraySteps, net: Network) -> None:
    c, f, T = net.convention, net.activation, net.steps
    bias_h, bias_h_text = _bias(steps, "b_h")
    for t in range(1, T + 1):
        deps = (f"x{t}", f"h{t - 1}", "W_x", "W_h", *bias_h)
        inner = f"{times_text('W_x', f'x{t}', c)} + {times_text('W_h', f'h{t - 1}', c)}{bias_h_text}"
        steps.add(
            f"h{t}",
            f"hidden state at step {t}",
            deps,
            lambda x, h, W_x, W_h, *bias: bptt.hidden_update(f, x, h, W_x, W_h, bias[0] if bias else 0.0, c),
            applied(f, inner),
        )
    add_outputs(steps, net)


def add_outputs(steps: ArraySteps, net: Readout) -> None:
    """The prediction(s) from the hidden states h_t, and the loss."""
    c, T = net.convention, net.steps
    bias_y, bias_y_text = _bias(steps, "b_y")
    loss = loss_function(net.loss)
    for t, y_hat, _ in net.outputs():
        steps.add(
            y_hat,
            f"prediction at step {t}" if net.every_step else "prediction",
            (f"h{t}", "W_y", *bias_y),
            lambda h, W_y, *bias: bptt.output(net.output, h, W_y, bias[0] if bias else 0.0, c),
            applied(net.output, times_text("W_y", f"h{t}", c) + bias_y_text),
        )
    pairs = [(y_hat, y) for _, y_hat, y in net.outputs()]
    names = tuple(n for pair in pairs for n in pair)
    reduced = (", averaged over the steps" if net.averaged else ", summed over the steps") if net.every_step else ""

    def reduce(*v: Any, mean: bool) -> float:
        return (1 / T if mean else 1.0) * sum(loss.value(v[i], v[i + 1]) for i in range(0, len(v), 2))

    steps.add(
        "loss",
        f"loss ({loss.name}{reduced})",
        names,
        lambda *v: reduce(*v, mean=net.averaged),
        loss_formula(loss.name, pairs, T if net.averaged else None),
        mistakes=[reduction_slip(net.averaged, reduce, "loss", "The sequence's", "its time steps")]
        if net.every_step and T > 1
        else (),
    )
