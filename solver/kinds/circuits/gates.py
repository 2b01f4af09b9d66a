"""Every gate of a circuit in one table: its forward rule and the local gradient of each of its inputs.

A gate is one operation of the safe expression language (``solver.math.expressions``):
``+ - * / ^``, a sign, or one of its functions.  Written forms have holes ``{0}``,
``{1}``, … for the gate's inputs and ``{out}`` for its own output; a local gradient
says which of them it reads (``reads``), so that the step built from it depends on
exactly those.  Sigmoid, tanh and ReLU come from the activation table, their local
gradient written from the output as the notes write it (σ'(z) = σ(1 − σ)).

Values are plain floats: a result with no real value (the log of a negative number,
a negative number to a fractional power) is NaN, and a division by zero raises
``ZeroDivisionError``; the step that meets either says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from solver.math.activations import activation

#: A hole of a written form: an input's position, or "out" for the gate's own output.
Slot = int | str
OUT = "out"


@dataclass(frozen=True)
class LocalGradient:
    """∂out/∂input for one input of a gate: its written form and its value from the slots it reads."""

    text: str
    reads: tuple[Slot, ...]
    value: Callable[..., float]


@dataclass(frozen=True)
class Gate:
    title: str
    #: What the circuit figure writes in the gate's node.
    symbol: str
    forward: str
    value: Callable[..., float]
    #: (input position, number of inputs) -> that input's local gradient.
    local: Callable[[int, int], LocalGradient]


def _constant(number: float) -> LocalGradient:
    return LocalGradient(f"{number:g}".replace("-", "−"), (), lambda: number)


def _power(base: float, exponent: float) -> float:
    if base < 0 and exponent != int(exponent):
        return math.nan  # no real value; Python would give a complex number
    return float(base**exponent)


def _log(a: float) -> float:
    return math.log(a) if a > 0 else math.nan if a < 0 else -math.inf


def _sqrt(a: float) -> float:
    return math.sqrt(a) if a >= 0 else math.nan


def _sign(a: float) -> float:
    return float((a > 0) - (a < 0))


def _quotient_local(position: int, arity: int) -> LocalGradient:
    if position == 0:
        return LocalGradient("(1/{1})", (1,), lambda b: 1 / b)
    return LocalGradient("(−{0}/{1}²)", (0, 1), lambda a, b: -a / b**2)


def _power_local(position: int, arity: int) -> LocalGradient:
    if position == 0:
        return LocalGradient("{1}·{0}^({1} − 1)", (0, 1), lambda a, b: b * _power(a, b - 1))
    return LocalGradient("ln({0})·{out}", (0, OUT), lambda a, out: _log(a) * out)


def _max_local(position: int, arity: int) -> LocalGradient:
    # The gradient goes to the first of equal largest inputs, as PyTorch's max does to one of them:
    # an input gets it when it beats every input before it and ties or beats every one after it.
    wins = " and ".join(f"{{{position}}} {'>' if i < position else '≥'} {{{i}}}" for i in range(arity) if i != position)
    return LocalGradient(
        f"[{wins}]",
        tuple(range(arity)),
        lambda *inputs: 1.0 if max(range(arity), key=lambda i: inputs[i]) == position else 0.0,
    )


def _activation_gate(name: str, symbol: str) -> Gate:
    """A gate from the activation table: its value, and its slope written from the output."""
    act = activation(name)
    return Gate(
        f"{name} gate",
        symbol,
        act.forms.value.replace("{z}", "{0}"),
        lambda z: float(act(z)),
        lambda position, arity: LocalGradient(
            act.output_slope_text(OUT, scalar=True), (OUT,), lambda out: float(act.slope_from_output(out))
        ),
    )


@cache
def gates() -> dict[str, Gate]:
    """Gate by operation (``+``, ``neg``, ``exp``, …): the table, built once."""
    return {
        "+": Gate("add gate", "+", "{0} + {1}", lambda a, b: a + b, lambda i, n: _constant(1)),
        "-": Gate("subtract gate", "−", "{0} − {1}", lambda a, b: a - b, lambda i, n: _constant(1 if i == 0 else -1)),
        "*": Gate(
            "multiply gate",
            "×",
            "{0}·{1}",
            lambda a, b: a * b,
            # Each input's gradient is the *other* input: the gate swaps them.
            lambda i, n: LocalGradient(f"{{{1 - i}}}", (1 - i,), lambda other: other),
        ),
        "/": Gate("divide gate", "÷", "{0}/{1}", lambda a, b: a / b, _quotient_local),
        "^": Gate("power gate", "^", "{0}^{1}", _power, _power_local),
        "neg": Gate("negate gate", "−", "−{0}", lambda a: -a, lambda i, n: _constant(-1)),
        "exp": Gate("exp gate", "exp", "exp({0})", math.exp, lambda i, n: LocalGradient("{out}", (OUT,), float)),
        "log": Gate("log gate", "log", "ln({0})", _log, lambda i, n: LocalGradient("(1/{0})", (0,), lambda a: 1 / a)),
        "sqrt": Gate(
            "square-root gate",
            "sqrt",
            "sqrt({0})",
            _sqrt,
            lambda i, n: LocalGradient("(1/(2·{out}))", (OUT,), lambda out: 1 / (2 * out)),
        ),
        "abs": Gate("abs gate", "|·|", "|{0}|", abs, lambda i, n: LocalGradient("sign({0})", (0,), _sign)),
        "max": Gate("max gate", "max", "max({inputs})", lambda *xs: max(xs), _max_local),
        "sigmoid": _activation_gate("sigmoid", "σ"),
        "tanh": _activation_gate("tanh", "tanh"),
        "relu": _activation_gate("relu", "ReLU"),
    }


def gate(operation: str) -> Gate:
    # ln is log by another name; the parser accepts both.
    return gates()["log" if operation == "ln" else operation]
