"""A recurrent problem's data as arrays, checked against each other.

``read_network`` turns the validated ``given`` of an ``rnn`` problem into a
``Network``: weights as 2-D arrays, one input vector per time step (words
one-hot encoded from the vocabulary), targets per output.  What every
recurrent kind shares (the sequence, the output layer, the targets and the
loss) is its ``Readout``, which the gated kinds read with ``read_readout`` too.
Every mismatch is an ``InputError`` naming the field, the sizes found and the
sizes expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.graph.errors import InputError
from solver.kinds.recurrent.bptt import Convention
from solver.math.activations import ACTIVATIONS, activation, check_softmax_width, elementwise_names
from solver.math.limits import MAX_HIDDEN, MAX_RNN_WORK, MAX_TIME_STEPS, require_at_most
from solver.math.losses import check_target, check_training
from solver.math.losses import loss as loss_function
from solver.math.scores import Reduction, reduction


@dataclass(frozen=True)
class Readout:
    """What every recurrent kind shares: the sequence, the hidden size, the output layer and the loss."""

    convention: Convention
    output: str
    every_step: bool
    #: The loss of one output (``solver.math.losses`` name); reduced over the outputs by ``reduction``.
    loss: str
    #: How the outputs' losses make the loss: their mean (the default) or their sum.
    reduction: Reduction
    hidden_size: int
    W_y: np.ndarray
    b_y: np.ndarray | None
    h0: np.ndarray | None
    inputs: list[np.ndarray]
    words: list[str] | None
    targets: list[np.ndarray]

    @property
    def steps(self) -> int:
        return len(self.inputs)

    @property
    def output_size(self) -> int:
        return self.W_y.shape[1] if self.convention == "row" else self.W_y.shape[0]

    def outputs(self) -> list[tuple[int, str, str]]:
        """(step, prediction name, target name) for each output of the network."""
        if self.every_step:
            return [(t, f"y_hat{t}", f"y{t}") for t in range(1, self.steps + 1)]
        return [(self.steps, "y_hat", "y")]

    @property
    def averaged(self) -> bool:
        """Whether the loss is the mean of several outputs' losses (each output's share 1/T)."""
        return self.every_step and self.reduction == "mean"

    @property
    def scalar(self) -> bool:
        """One input, one hidden unit, one output: shown as plain numbers, as seed 000 writes w."""
        return len(self.inputs[0]) == self.hidden_size == self.output_size == 1


@dataclass(frozen=True)
class Network(Readout):
    """A vanilla RNN: h_t = f(x_t W_x + h_{t-1} W_h + b_h) before the shared readout."""

    activation: str
    W_x: np.ndarray
    W_h: np.ndarray
    b_h: np.ndarray | None


def _array(value: Any, field: str) -> np.ndarray:
    try:
        return np.array(value, dtype=float)
    except ValueError:
        raise InputError(
            f"the rows of {field} have different lengths; expected a rectangular matrix", field=field
        ) from None


def read_matrix(value: Any, field: str, vector_is_column: bool | None = None) -> np.ndarray:
    """A weight matrix; a number is 1×1; a flat list only where its orientation is unambiguous."""
    array = _array(value, field)
    if array.ndim == 0:
        return array.reshape(1, 1)
    if array.ndim == 1 and vector_is_column is not None:
        return array.reshape(-1, 1) if vector_is_column else array.reshape(1, -1)
    if array.ndim != 2:
        raise InputError(f"{field} must be a matrix written as a list of rows, got {value!r}", field=field)
    return array


def read_vector(value: Any, field: str, size: int, what: str) -> np.ndarray:
    array = _array(value, field).reshape(-1)
    if array.size != size:
        raise InputError(f"{field} has {array.size} entries; expected {size} ({what})", field=field)
    return array


def _hidden_activation(value: str) -> str:
    """Any activation of one unit; softmax mixes the units, so it cannot be a hidden state's."""
    name = activation(value, where="activation").name
    if not ACTIVATIONS[name].elementwise:
        allowed = ", ".join(elementwise_names())
        raise InputError(f"activation {value!r} is not supported here; expected one of: {allowed}", field="activation")
    return name


def _sequence(given: Any) -> tuple[list[np.ndarray], list[str] | None]:
    """The input vectors, from ``x`` or from ``words`` one-hot encoded."""
    if (given.x is None) == (given.words is None):
        raise InputError("give the sequence either as x (vectors per step) or as words with a vocabulary", field="x")
    if given.x is not None:
        if not given.x:
            raise InputError("the sequence x is empty; expected at least one time step", field="x")
        inputs = [_array(step, f"x.{t}").reshape(-1) for t, step in enumerate(given.x)]
        for t, vector in enumerate(inputs):
            if vector.size != inputs[0].size:
                raise InputError(
                    f"x step {t + 1} has {vector.size} entries but step 1 has {inputs[0].size}; "
                    "expected vectors of one length",
                    field=f"x.{t}",
                )
        return inputs, None
    words = given.words.split() if isinstance(given.words, str) else list(given.words)
    if not words:
        raise InputError("the sequence of words is empty; expected at least one word", field="words")
    if not given.vocabulary:
        raise InputError(
            "words need a vocabulary to be one-hot encoded; expected vocabulary: [...]", field="vocabulary"
        )
    if len(set(given.vocabulary)) != len(given.vocabulary):
        raise InputError("the vocabulary lists a word twice; expected distinct words", field="vocabulary")
    inputs = []
    for t, word in enumerate(words):
        if word not in given.vocabulary:
            raise InputError(
                f"word {word!r} (step {t + 1}) is not in the vocabulary [{', '.join(given.vocabulary)}]",
                field="words" if isinstance(given.words, str) else f"words.{t}",
            )
        inputs.append(np.eye(len(given.vocabulary))[given.vocabulary.index(word)])
    return inputs, words


def check_shape(matrix: np.ndarray, field: str, expected: tuple[int | None, int | None], fits: tuple[str, str],
                 layout: str) -> None:  # fmt: skip
    """``expected`` size per axis (None: any), ``fits`` what each axis must fit, for the message."""
    wrong = [fits[i] for i in (0, 1) if expected[i] is not None and matrix.shape[i] != expected[i]]
    if wrong:
        want = "×".join("?" if e is None else str(e) for e in expected)
        # A square matrix that misses one size on both axes says it once.
        misfit = f"{wrong[0]} on either axis" if len(wrong) == 2 and wrong[0] == wrong[1] else " nor ".join(wrong)
        raise InputError(
            f"{field} is {matrix.shape[0]}×{matrix.shape[1]}, which does not fit {misfit}; "
            f"expected {want} ({layout})",
            field=field,
        )


def read_sequence(given: Any) -> tuple[list[np.ndarray], list[str] | None]:
    """The input vectors (from ``x`` or ``words``), no more time steps than the limit allows."""
    inputs, words = _sequence(given)
    require_at_most(len(inputs), MAX_TIME_STEPS, "time steps", "words" if given.x is None else "x")
    return inputs, words


def read_hidden_size(hidden: int, steps: int, field: str) -> None:
    """The hidden size within the limits: its own, and BPTT's work (time steps × hidden units³)."""
    require_at_most(hidden, MAX_HIDDEN, "hidden units", field)
    require_at_most(steps * hidden**3, MAX_RNN_WORK, "the work of BPTT (time steps × hidden units³)", field)


def read_network(given: Any) -> Network:
    convention: Convention = given.convention
    row = convention == "row"
    inputs, words = read_sequence(given)
    W_h = read_matrix(given.W_h, "W_h")
    read_hidden_size(W_h.shape[0], len(inputs), "W_h")
    if W_h.shape[0] != W_h.shape[1]:
        raise InputError(f"W_h is {W_h.shape[0]}×{W_h.shape[1]}; expected a square hidden × hidden matrix", field="W_h")
    hidden, n_in = W_h.shape[0], inputs[0].size
    W_x = read_matrix(given.W_x, "W_x")
    if row:
        check_shape(
            W_x,
            "W_x",
            (n_in, hidden),
            (f"the input size {n_in}", f"the hidden size {hidden} (from W_h)"),
            "inputs × hidden, row convention",
        )
    else:
        check_shape(
            W_x,
            "W_x",
            (hidden, n_in),
            (f"the hidden size {hidden} (from W_h)", f"the input size {n_in}"),
            "hidden × inputs, column convention",
        )
    hidden_activation = _hidden_activation(given.activation)
    return Network(
        **read_readout(given, inputs, words, hidden, "W_h"),
        activation=hidden_activation,
        W_x=W_x,
        W_h=W_h,
        b_h=None if given.b_h is None else read_vector(given.b_h, "b_h", hidden, "the hidden size"),
    )


def read_readout(
    given: Any, inputs: list[np.ndarray], words: list[str] | None, hidden: int, hidden_from: str
) -> dict[str, Any]:
    """The fields of a ``Readout`` from ``given``: W_y fits the ``hidden`` units that ``hidden_from`` set."""
    convention: Convention = given.convention
    row = convention == "row"
    hidden_fit = f"the hidden size {hidden} (from {hidden_from})"
    W_y = read_matrix(given.W_y, "W_y", vector_is_column=row)
    if row:
        check_shape(W_y, "W_y", (hidden, None), (hidden_fit, ""), "hidden × outputs, row convention")
    else:
        check_shape(W_y, "W_y", (None, hidden), ("", hidden_fit), "outputs × hidden, column convention")
    n_out = W_y.shape[1] if row else W_y.shape[0]
    output = activation(given.output, where="output").name
    every_step = given.outputs == "every_step"
    if given.y is None:
        raise InputError("y missing; expected the target (one per time step with outputs: every_step)", field="y")
    if every_step:
        if not isinstance(given.y, list) or len(given.y) != len(inputs):
            raise InputError(
                f"outputs: every_step needs one target per time step in y; expected {len(inputs)} targets", field="y"
            )
        targets = [read_vector(y, f"y.{t}", n_out, "the output size") for t, y in enumerate(given.y)]
    else:
        targets = [read_vector(given.y, "y", n_out, "the output size")]
    loss = loss_function(given.loss).name
    for t, target in enumerate(targets):
        check_target(loss, target, f"y.{t}" if every_step else "y")
    check_softmax_width(output, n_out, "output")
    check_training(given.y, given.learning_rate, None)
    return {
        "convention": convention,
        "output": output,
        "every_step": every_step,
        "loss": loss,
        "reduction": reduction(given.reduction),
        "hidden_size": hidden,
        "W_y": W_y,
        "b_y": None if given.b_y is None else read_vector(given.b_y, "b_y", n_out, "the output size"),
        "h0": None if given.h0 is None else read_vector(given.h0, "h0", hidden, "the hidden size"),
        "inputs": inputs,
        "words": words,
        "targets": targets,
    }
