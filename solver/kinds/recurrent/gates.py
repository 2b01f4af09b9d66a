"""Gated recurrent cells (lstm, gru): their weights in either layout, and the steps both kinds build from.

Courses write a gated cell's weights one matrix per gate (W_f, U_f, b_f: input
weights, recurrent weights, bias), PyTorch stacks them: ``weight_ih`` is the
input weights of every gate one block of rows after another (LSTM: i, f, g, o;
GRU: r, z, n), ``weight_hh`` the recurrent ones, and each gate has two biases,
one in ``bias_ih`` and one in ``bias_hh``.  A stacked problem gets one step per
block (rows 1–H of weight_ih is W_i, ...), so the cell's steps are written once,
one matrix per gate, and the gradients of the stacked weights are the blocks
stacked again.

Every backward step is a sum of terms (``Term``: its deps, its numbers, its
text), which is how the notes write them: dL/dh_t from the output and from each
gate of the next step, dL/dW as one term per time step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from solver.graph.arrays import ArraySteps
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Variant
from solver.kinds import GIVEN_CONFIG
from solver.kinds.recurrent import bptt
from solver.kinds.recurrent.backward import LAST_STEP_ONLY, LAST_STEP_ONLY_FEEDBACK
from solver.kinds.recurrent.batch import BATCH_DESCRIPTION, Example
from solver.kinds.recurrent.bptt import Convention
from solver.kinds.recurrent.network import (
    Readout,
    check_shape,
    read_hidden_size,
    read_matrix,
    read_readout,
    read_sequence,
    read_vector,
)
from solver.kinds.recurrent.text import applied, formula, hole, outer_text, times_text
from solver.math.activations import activation

STACKED = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")

Matrix = float | list[float] | list[list[float]]
Vector = float | list[float]


#: The descriptions of the fields lstm and gru share, for the JSON Schema (see ``GatedGiven``).
SHARED_FIELDS = {
    "W_y": "Output weights: outputs × hidden (column convention) or hidden × outputs (row); a flat list is one output.",
    "y": "Target: one value or vector (many-to-one), or one per time step (outputs: every_step).",
    "x": "The input sequence, one number or vector per time step.",
    "words": "The input sequence as words, one-hot encoded from `vocabulary` (instead of x).",
    "vocabulary": "The words of the one-hot encoding, in order: word i is the unit vector e_i.",
    "convention": "column: gates from W·x_t + U·h_{t-1} + b (PyTorch, stacked); row: x_t·W + h_{t-1}·U + b (Keras).",
    "output": "Output activation g of y_hat = g(W_y·h_t + b_y): linear, sigmoid, softmax, ...",
    "outputs": "last: many-to-one; every_step: an output per step, loss reduced over the steps.",
    "loss": "Loss per output: mse, bce, cross_entropy, ... (see the dense kinds).",
    "reduction": "How the outputs' losses make the loss: mean (PyTorch's default reduction='mean': the mean over "
    "every output of every sequence; Keras averages over the time steps inside each sample, then "
    "sum_over_batch_size: the same number for sequences of one length) or sum, over the time steps "
    "(every_step) and the examples of a batch.",
    "b_y": "Output bias (none if left out).",
    "h0": "Initial hidden state (zero if left out).",
    "weight_ih": "PyTorch's input weights of every gate stacked (gates·hidden × inputs), instead of W_k.",
    "weight_hh": "PyTorch's recurrent weights of every gate stacked (gates·hidden × hidden), instead of U_k.",
    "bias_ih": "PyTorch's input biases of every gate stacked.",
    "bias_hh": "PyTorch's recurrent biases of every gate stacked.",
    "batch": BATCH_DESCRIPTION,
    "learning_rate": "With a learning rate, one gradient-descent update W_new = W − η dL/dW of each parameter.",
}


def _describe_shared_fields(schema: dict[str, Any]) -> None:
    """Give the inherited fields their descriptions: pydantic reads the attribute docstrings of a class's own body."""
    for name, description in SHARED_FIELDS.items():
        schema["properties"][name].setdefault("description", description)


@dataclass
class GatedGiven:
    """The fields lstm and gru share (described in SHARED_FIELDS); each kind adds its gates' fields."""

    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG | {"json_schema_extra": _describe_shared_fields}

    W_y: Matrix
    y: float | list[float | list[float]] | None = None
    x: list[float | list[float]] | None = None
    words: list[str] | str | None = None
    vocabulary: list[str] | None = None
    convention: Literal["row", "column"] = "column"
    output: str = "linear"
    outputs: Literal["last", "every_step"] = "last"
    loss: str = "mse"
    reduction: str = "mean"
    b_y: Vector | None = None
    h0: Vector | None = None
    weight_ih: Matrix | None = None
    weight_hh: Matrix | None = None
    bias_ih: Vector | None = None
    bias_hh: Vector | None = None
    learning_rate: float | None = None
    batch: list[Example] | None = None


@dataclass(frozen=True)
class Cell:
    #: The gates in PyTorch's stacking order, each with its name and its squashing function.
    gates: dict[str, tuple[str, str]]
    #: The gate whose recurrent bias stays apart from its input bias (GRU's candidate: b_hn inside r ⊙ (...)).
    apart: str | None = None

    def per_gate_names(self) -> list[str]:
        names = [f"{kind}_{gate}" for gate in self.gates for kind in ("W", "U", "b")]
        return names + ([f"b_h{self.apart}"] if self.apart else [])


LSTM = Cell(
    {
        "i": ("input gate", "sigmoid"),
        "f": ("forget gate", "sigmoid"),
        "g": ("candidate", "tanh"),
        "o": ("output gate", "sigmoid"),
    },
)
GRU = Cell({"r": ("reset gate", "sigmoid"), "z": ("update gate", "sigmoid"), "n": ("candidate", "tanh")}, "n")


@dataclass(frozen=True)
class Gated(Readout):
    cell: Cell
    stacked: bool
    #: The weights as given, by their names in the problem (W_i, U_i, b_i, ... or weight_ih, ...).
    weights: dict[str, np.ndarray]
    c0: np.ndarray | None

    @property
    def trained(self) -> tuple[str, ...]:
        """Every parameter, by its name in the problem: what a gradient-descent step updates."""
        return (*self.weights, "W_y", "b_y")


def read_gated(given: Any, cell: Cell, c0: Any = None) -> Gated:
    """The validated ``given`` of an lstm or gru problem as arrays; a mismatch is an ``InputError``."""
    inputs, words = read_sequence(given)
    per_gate = {name: getattr(given, name) for name in cell.per_gate_names() if getattr(given, name) is not None}
    stacked = {name: getattr(given, name) for name in STACKED if getattr(given, name) is not None}
    if per_gate and stacked:
        first = next(iter(cell.gates))  # the kind's own first gate: i for the LSTM, r for the GRU
        raise InputError(
            f"both layouts of gate weights given ({next(iter(per_gate))} and {next(iter(stacked))}); expected "
            f"either one matrix per gate (W_{first}, U_{first}, b_{first}, ...) or PyTorch's stacked weight_ih, "
            "weight_hh",
            field=next(iter(stacked)),
        )
    if stacked:
        weights, hidden = _read_stacked(stacked, cell, given.convention, inputs)
    else:
        weights, hidden = _read_per_gate(per_gate, cell, given.convention, inputs)
    return Gated(
        **read_readout(given, inputs, words, hidden, "weight_hh" if stacked else f"U_{next(iter(cell.gates))}"),
        cell=cell,
        stacked=bool(stacked),
        weights=weights,
        c0=None if c0 is None else read_vector(c0, "c0", hidden, "the hidden size"),
    )


def _missing(needed: Sequence[str], given: dict[str, Any], layout: str) -> None:
    missing = [name for name in needed if name not in given]
    if missing:
        raise InputError(f"{', '.join(missing)} missing; {layout} needs {', '.join(needed)}", field=missing[0])


def _read_per_gate(
    given: dict[str, Any], cell: Cell, convention: Convention, inputs: list[np.ndarray]
) -> tuple[dict[str, np.ndarray], int]:
    """W_k, U_k (and b_k) for every gate k; the hidden size is the first recurrent matrix's."""
    _missing([f"{kind}_{gate}" for gate in cell.gates for kind in ("W", "U")], given, "one matrix per gate")
    first = f"U_{next(iter(cell.gates))}"
    U = read_matrix(given[first], first)
    hidden, n_in = U.shape[0], inputs[0].size
    read_hidden_size(hidden, len(inputs), first)
    hidden_fit, input_fit = f"the hidden size {hidden} (from {first})", f"the input size {n_in}"
    weights: dict[str, np.ndarray] = {}
    for name in cell.per_gate_names():
        if name not in given:
            continue
        if name.startswith("b"):
            weights[name] = read_vector(given[name], name, hidden, "the hidden size")
            continue
        matrix = read_matrix(given[name], name)
        if name.startswith("U"):
            check_shape(matrix, name, (hidden, hidden), (hidden_fit, hidden_fit), "hidden × hidden")
        elif convention == "row":
            check_shape(matrix, name, (n_in, hidden), (input_fit, hidden_fit), "inputs × hidden, row convention")
        else:
            check_shape(matrix, name, (hidden, n_in), (hidden_fit, input_fit), "hidden × inputs, column convention")
        weights[name] = matrix
    return weights, hidden


def _read_stacked(
    given: dict[str, Any], cell: Cell, convention: Convention, inputs: list[np.ndarray]
) -> tuple[dict[str, np.ndarray], int]:
    """PyTorch's weight_ih (G·H × inputs), weight_hh (G·H × H) and biases (G·H) for G gates of H units."""
    if convention == "row":
        raise InputError(
            "PyTorch's stacked weight_ih and weight_hh multiply from the left (W·x); expected convention: column",
            field=next(iter(given)),
        )
    _missing(["weight_ih", "weight_hh"], given, "the stacked layout")
    count, order = len(cell.gates), ", ".join(cell.gates)
    weight_hh = read_matrix(given["weight_hh"], "weight_hh")
    hidden, n_in = weight_hh.shape[1], inputs[0].size
    read_hidden_size(hidden, len(inputs), "weight_hh")
    if weight_hh.shape[0] != count * hidden:
        raise InputError(
            f"weight_hh is {weight_hh.shape[0]}×{hidden}: its {hidden} column(s) make the hidden size {hidden}, "
            f"so its {count} gates ({order}) stack {count * hidden} rows; expected {count * hidden}×{hidden}",
            field="weight_hh",
        )
    weights = {"weight_ih": read_matrix(given["weight_ih"], "weight_ih"), "weight_hh": weight_hh}
    check_shape(
        weights["weight_ih"],
        "weight_ih",
        (count * hidden, n_in),
        (f"{count} gates ({order}) × the hidden size {hidden} (from weight_hh)", f"the input size {n_in}"),
        f"{count}·hidden × inputs",
    )
    for name in ("bias_ih", "bias_hh"):
        if name in given:
            weights[name] = read_vector(given[name], name, count * hidden, f"{count} gates ({order}) × the hidden size")
    return weights, hidden


# ------------------------------------------------------------------------------- givens and blocks


def add_weight_givens(steps: ArraySteps, net: Gated) -> None:
    """The weights as given; a stacked layout is then cut into one block per gate."""
    for name, value in net.weights.items():
        steps.given(name, _weight_title(net.cell, name), value)
    if net.stacked:
        _blocks(steps, net)


def _weight_title(cell: Cell, name: str) -> str:
    if name in STACKED:
        what = {"weight_ih": "input weights", "weight_hh": "recurrent weights"}.get(name, f"biases ({name[-2:]})")
        return f"{what} of the gates {', '.join(cell.gates)}, stacked"
    kind, gate = name.split("_")
    if gate == f"h{cell.apart}":
        return f"{cell.gates[cell.apart][0]}: recurrent bias, inside the reset product"
    return f"{cell.gates[gate][0]}: " + {"W": "input weights", "U": "recurrent weights", "b": "bias"}[kind]


def _rows(stacked: str, block: int, size: int) -> tuple[str, str]:
    """'rows 3–4 of {weight_ih}' in text and LaTeX."""
    first, last = block * size + 1, (block + 1) * size
    if first == last:
        return f"row {first} of {hole(stacked)}", rf"\text{{row {first} of }} {hole(stacked)}"
    return f"rows {first}–{last} of {hole(stacked)}", rf"\text{{rows {first}--{last} of }} {hole(stacked)}"


def _blocks(steps: ArraySteps, net: Gated) -> None:
    """W_k, U_k, b_k from the stacked weights; a gate's two biases add up, except the one kept apart."""
    H = net.hidden_size
    for block, (gate, (title, _)) in enumerate(net.cell.gates.items()):
        cut = slice(block * H, (block + 1) * H)
        for name, stacked in ((f"W_{gate}", "weight_ih"), (f"U_{gate}", "weight_hh")):
            steps.add(
                name,
                f"{title}: block {block + 1} of {stacked}",
                (stacked,),
                lambda w, cut=cut: w[cut],
                Template(*_rows(stacked, block, H)),
            )
        biases = [name for name in ("bias_ih", "bias_hh") if name in steps]
        if gate == net.cell.apart and "bias_hh" in biases:
            biases.remove("bias_hh")
            steps.add(
                f"b_h{gate}",
                f"{title}: recurrent bias, block {block + 1} of bias_hh",
                ("bias_hh",),
                lambda b, cut=cut: b[cut],
                Template(*_rows("bias_hh", block, H)),
            )
        if biases:
            parts = [_rows(name, block, H) for name in biases]
            steps.add(
                f"b_{gate}",
                f"{title}: bias, block {block + 1} of {' + '.join(biases)}",
                tuple(biases),
                lambda *b, cut=cut: sum(v[cut] for v in b),
                Template(" + ".join(p[0] for p in parts), " + ".join(p[1] for p in parts)),
            )


def add_weight_gradients(steps: ArraySteps, net: Gated, recurrent: dict[str, str] | None = None) -> None:
    """Every gate's W, U and b, one term per time step from the last back, then the stacked weights' if given.

    A gate's local gradient is dL/dz_k; ``recurrent`` names another for U_k (GRU's candidate: dL/da_t,
    the gradient at U_n·h + b_hn), which its recurrent bias kept apart (b_hn) follows too.
    """
    back = range(net.steps, 0, -1)
    for gate in net.cell.gates:
        local = f"dL/dz_{gate}"
        through_h = (recurrent or {}).get(gate, local)
        add_parameter_gradient(steps, net, f"W_{gate}", [(f"{local}{t}", f"x{t}") for t in back])
        add_parameter_gradient(steps, net, f"U_{gate}", [(f"{through_h}{t}", f"h{t - 1}") for t in back])
        for bias, source in ((f"b_{gate}", local), (f"b_h{gate}", through_h)):
            if bias in steps:
                add_parameter_gradient(steps, net, bias, [(f"{source}{t}", None) for t in back])
    if net.stacked:
        _stacked_gradients(steps, net)


def _stacked_gradients(steps: ArraySteps, net: Gated) -> None:
    """The gradients of the stacked weights: the gates' gradients stacked in PyTorch's order."""
    gates, apart = list(net.cell.gates), net.cell.apart
    parts = {
        "weight_ih": [f"dL/dW_{g}" for g in gates],
        "weight_hh": [f"dL/dU_{g}" for g in gates],
        "bias_ih": [f"dL/db_{g}" for g in gates],
        "bias_hh": [f"dL/db_h{g}" if g == apart else f"dL/db_{g}" for g in gates],
    }
    for name, blocks in parts.items():
        if name in steps:
            steps.add(
                f"dL/d{name}",
                f"gradient of {name}: the gates' gradients stacked ({', '.join(gates)})",
                tuple(blocks),
                lambda *b: np.concatenate(b),
                formula("[" + "; ".join(map(hole, blocks)) + "]"),
            )


# ------------------------------------------------------------------------------------ forward


def affine(steps: ArraySteps, net: Gated, gate: str, t: int) -> tuple[tuple[str, ...], str]:
    """The deps and text of W_k·x_t + U_k·h_{t−1} + b_k (no bias term when the gate has none)."""
    c = net.convention
    bias = (f"b_{gate}",) if f"b_{gate}" in steps else ()
    text = f"{times_text(f'W_{gate}', f'x{t}', c)} + {times_text(f'U_{gate}', f'h{t - 1}', c)}"
    return (f"x{t}", f"h{t - 1}", f"W_{gate}", f"U_{gate}", *bias), text + "".join(f" + {hole(b)}" for b in bias)


def add_gate(steps: ArraySteps, net: Gated, gate: str, t: int) -> None:
    """A gate that sees only x_t and h_{t−1}: σ or tanh of its affine input."""
    title, squash = net.cell.gates[gate]
    c = net.convention
    deps, inner = affine(steps, net, gate, t)
    steps.add(
        f"{gate}{t}",
        f"{title} at step {t}",
        deps,
        lambda x, h, W, U, *b: activation(squash)(bptt.times(W, x, c) + bptt.times(U, h, c) + sum(b)),
        applied(squash, inner),
    )


# ------------------------------------------------------------------------------------ backward

#: One term of a sum: the steps it reads, its numbers from their values, its text.
Term = tuple[tuple[str, ...], Callable[..., np.ndarray], str]


def add_sum(steps: ArraySteps, name: str, title: str, terms: Sequence[Term], mistakes: Sequence[Variant] = ()) -> None:
    """A step that adds ``terms``; each term reads its own deps."""
    sizes = [len(deps) for deps, _, _ in terms]
    starts = np.cumsum([0, *sizes])

    def total(*values: np.ndarray) -> np.ndarray:
        return sum(fn(*values[a:b]) for (_, fn, _), a, b in zip(terms, starts[:-1], starts[1:], strict=True))

    steps.add(
        name,
        title,
        tuple(d for deps, _, _ in terms for d in deps),
        total,
        formula(" + ".join(text for _, _, text in terms)),
        mistakes=mistakes,
    )


def product(net: Readout, *factors: str) -> str:
    """Factors multiplied elementwise (a plain · between numbers)."""
    return ("·" if net.scalar else " ⊙ ").join(factors)


def back_through(net: Readout, weights: str, gradient: str) -> Term:
    """A gradient carried back through the weights that made it: Wᵀ·g (column), g·Wᵀ (row)."""
    c = net.convention
    if net.scalar:
        text = f"{hole(weights)}·{hole(gradient)}"
    else:
        text = f"{hole(gradient)}·{hole(weights)}ᵀ" if c == "row" else f"{hole(weights)}ᵀ·{hole(gradient)}"
    return (gradient, weights), lambda g, W: g @ bptt.through(W, c), text


def from_outputs(net: Readout, from_output: dict[int, str], t: int) -> list[Term]:
    """dL/dh_t's term from the prediction at step t, if there is one."""
    return [back_through(net, "W_y", from_output[t])] if t in from_output else []


def hidden_gradient_title(t: int, from_prediction: bool, from_next_step: bool) -> str:
    """'loss gradient at h2: from the prediction and from step 3', naming where its terms come from."""
    sources = ["the prediction"] * from_prediction + [f"the gates of step {t + 1}"] * from_next_step
    return f"loss gradient at h{t}" + (f": from {' and from '.join(sources)}" if len(sources) > 1 else "")


def add_parameter_gradient(steps: ArraySteps, net: Readout, parameter: str, uses: list[tuple[str, str | None]]) -> None:
    """dL/dparameter: one term per use (local gradient, what the weights multiplied there; None for a bias)."""
    c, scalar = net.convention, net.scalar
    terms: list[Term] = []
    for local, used_with in uses:
        if used_with is None:
            terms.append(((local,), lambda g: g, hole(local)))
        else:
            text = outer_text(hole(local), used_with, c, scalar)
            terms.append(((local, used_with), lambda g, v: bptt.weight_term(g, v, c), text))
    first_deps, first_fn, _ = terms[0]
    add_sum(
        steps,
        f"dL/d{parameter}",
        f"gradient of {parameter}: the sum over the {len(uses)} time step(s)",
        terms,
        mistakes=[Variant(LAST_STEP_ONLY, LAST_STEP_ONLY_FEEDBACK, first_fn, first_deps)] if len(terms) > 1 else (),
    )


def add_readout_givens(steps: ArraySteps, net: Readout) -> None:
    steps.given("W_y", "weights hidden → output", net.W_y)
    if net.b_y is not None:
        steps.given("b_y", "output bias", net.b_y)
