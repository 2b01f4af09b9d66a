"""Parameter counts where PyTorch and Keras disagree: recurrent layers' biases, batch norm's statistics.

A recurrent layer of n units on F inputs has, per gate, input weights n·F,
recurrent weights n·n and biases.  PyTorch's ``RNN``, ``LSTM`` and ``GRU`` keep
two bias vectors per gate (``bias_ih`` and ``bias_hh``); Keras' ``SimpleRNN``
and ``LSTM`` keep one.  Keras' ``GRU`` keeps two with ``reset_after=True`` (its
default since TensorFlow 2, PyTorch's form) and one with ``reset_after=False``.
Gates: 1 (plain RNN), 4 (LSTM: input, forget, cell, output), 3 (GRU: reset,
update, new).

Batch norm trains γ and β (2 per channel) in both; its running mean and
variance (2 per channel) are buffers in PyTorch, outside ``parameters()``, and
non-trainable params in Keras, whose summary lists all 4 per channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Framework = Literal["pytorch", "keras"]
FRAMEWORK_NAMES: dict[Framework, str] = {"pytorch": "PyTorch", "keras": "Keras"}

#: Gates of each recurrent layer, each with its own weights and biases.
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


@dataclass(frozen=True)
class Count:
    """A number of parameters and how it is counted (``4·(32·16 + 32·32 + 2·32)``)."""

    value: int
    text: str


def bias_vectors(word: str, framework: Framework, bias: bool, reset_after: bool) -> int:
    """Bias vectors per gate: two in PyTorch (b_ih, b_hh) and in Keras' GRU with reset_after, else one."""
    if not bias:
        return 0
    return 2 if framework == "pytorch" or (word == "gru" and reset_after) else 1


def recurrent(word: str, inputs: int, units: int, framework: Framework, bias: bool, reset_after: bool) -> Count:
    gates = GATES[word]
    biases = bias_vectors(word, framework, bias, reset_after)
    per_gate = units * inputs + units * units + biases * units
    terms = f"{units}·{inputs} + {units}·{units}" + (
        f" + {units}" if biases == 1 else f" + 2·{units}" if biases else ""
    )
    return Count(gates * per_gate, terms if gates == 1 else f"{gates}·({terms})")


def recurrent_difference(word: str) -> str:
    """Why PyTorch and Keras count a recurrent layer otherwise (asked only when they do)."""
    if word == "gru":
        return "Keras' GRU with reset_after=False keeps one bias vector per gate; PyTorch keeps two (b_ih and b_hh)"
    return "PyTorch keeps two bias vectors per gate (b_ih and b_hh); Keras keeps one"


def batchnorm_note(channels: int) -> str:
    return (
        f"the running mean and variance (2·{channels} = {2 * channels}) are not trained: PyTorch keeps them "
        f"as buffers, Keras counts them as non-trainable params (its summary lists 4·{channels} = "
        f"{4 * channels} for this layer)"
    )
