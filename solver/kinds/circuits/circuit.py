"""A circuit read from an expression: its gates in forward order, each with its inputs.

The expression goes through the project's whitelisting parser (``solver.math.expressions``),
never run as code.  Every operation on the inputs is a gate named ``q1, q2, …`` in the order
it is computed, the last one named by the output (``f``); a subexpression written twice is
one gate, and a part without inputs (``-1``, ``2^3``) is a number.  Gates and depth are
bounded, so that a circuit stays one to work by hand.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from solver.graph.errors import InputError
from solver.kinds.circuits.gates import Gate, gate

#: A circuit worked by hand: at most this many gates, and this many gates on the longest path.
MAX_GATES = 60
MAX_LEVELS = 30
#: The output's name when the expression does not give one.
DEFAULT_OUTPUT = "f"

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


#: An input of a gate: the name of the step that holds it, or a number written in the expression.
Operand = str | float


@dataclass(frozen=True)
class GateNode:
    """One gate of the circuit: its step name, operation, inputs and the text of the expression it computes."""

    name: str
    operation: str
    operands: tuple[Operand, ...]
    text: str

    @property
    def gate(self) -> Gate:
        return gate(self.operation)


@dataclass(frozen=True)
class Circuit:
    output: str
    inputs: dict[str, float]
    #: In forward order: every gate after the gates it reads; the output's gate last.
    gates: tuple[GateNode, ...]

    def readers(self, name: str) -> list[GateNode]:
        """The gates that take ``name`` as an input, in forward order."""
        return [g for g in self.gates if name in g.operands]

    def gradient(self, name: str) -> str:
        """The step holding the output's gradient with respect to ``name`` (df/dx)."""
        return f"d{self.output}/d{name}"

    def wire_gradient(self, name: str, reader: str) -> str:
        """The step holding the gradient that flows back from gate ``reader`` to ``name``: one branch of
        ``name``'s gradient when ``name`` feeds several gates (df/dx_via_q2), else the whole of it."""
        branches = len(self.readers(name))
        return self.gradient(name) + (f"_via_{reader}" if branches > 1 else "")


def read_circuit(expression: str, inputs: Mapping[str, float]) -> Circuit:
    """The gates of ``expression`` (``f = (x + y) * z``), checked against the inputs and the bounds."""
    from solver.math.expressions import ParseError, parse_tree

    output, text, start = _output_and_expression(expression)
    _check_inputs(inputs, output)
    try:
        tree = parse_tree(text, inputs)
    except ParseError as error:
        # Counted in the expression as written, its output's name included.
        at = start + error.offset + 1
        raise InputError(f"{error.reason} (at character {at})", field="expression") from None
    builder = _Builder(text, output, reserved={*inputs, output})
    root = builder.operand(tree, root=True)
    if not isinstance(root, str) or root != output:
        raise InputError(
            f"expression {text!r} has no gate; expected an operation on the inputs such as (x + y) * z",
            field="expression",
        )
    unused = [name for name in inputs if not any(name in g.operands for g in builder.gates)]
    if unused:
        raise InputError(
            f"input {unused[0]!r} does not appear in the expression; expected only the expression's inputs",
            field="inputs",
        )
    _check_levels(builder.gates)
    return Circuit(output, dict(inputs), tuple(builder.gates))


def _output_and_expression(written: str) -> tuple[str, str, int]:
    """``"f = x*y"`` -> ("f", "x*y", 4): the output, its expression and where that starts (``f`` unless named)."""
    if not isinstance(written, str) or not written.strip():
        raise InputError("expression is empty; expected e.g. 'f = (x + y) * z'", field="expression")
    if written.count("=") > 1:
        raise InputError(
            "expression has more than one '='; expected one output and its expression, e.g. 'f = (x + y) * z'",
            field="expression",
        )
    name, equals, text = written.rpartition("=")
    output = name.strip() if equals else DEFAULT_OUTPUT
    if not _NAME.fullmatch(output):
        raise InputError(
            f"the output's name {output[:30]!r} is not a name; expected a letter, then letters, digits or _",
            field="expression",
        )
    return output, text.strip(), len(written) - len(text.lstrip())


def _check_inputs(inputs: Mapping[str, float], output: str) -> None:
    if not inputs:
        raise InputError("inputs: none given; expected a value for every input, e.g. {x: -2, y: 5}", field="inputs")
    for name in inputs:
        if not _NAME.fullmatch(name):
            raise InputError(
                f"input name {name[:30]!r} is not a name; expected a letter, then letters, digits or _",
                field="inputs",
            )
    if output in inputs:
        raise InputError(f"{output!r} is both the output and an input; expected another name", field="inputs")


class _Builder:
    """Gates from a parsed expression, post-order; a subexpression written twice is one gate."""

    def __init__(self, text: str, output: str, reserved: set[str]):
        self.text = text
        self.output = output
        self.reserved = reserved
        self.gates: list[GateNode] = []
        self.known: dict[tuple[str, tuple[Operand, ...]], str] = {}

    def operand(self, node: Any, root: bool = False) -> Operand:
        if node.op == "number":
            return float(node.value)
        if node.op == "name":
            return node.value
        operation = node.value if node.op == "call" else node.op
        operands = tuple(self.operand(arg) for arg in node.args)
        if all(isinstance(o, float) for o in operands):
            return self.constant(operation, operands, node)
        key = (operation, operands)
        if key not in self.known:
            self.known[key] = self.output if root else self.next_name()
            self.gates.append(GateNode(self.known[key], operation, operands, self.text[node.start : node.end]))
            if len(self.gates) > MAX_GATES:
                raise InputError(
                    f"expression has more than {MAX_GATES} gates; expected a circuit small enough to work by hand",
                    field="expression",
                )
        return self.known[key]

    def constant(self, operation: str, operands: tuple[Operand, ...], node: Any) -> float:
        """A part of the expression without inputs (``-1``, ``2^3``) is a number, not a gate."""
        value = value_or_reason(gate(operation).value, operands)
        if isinstance(value, str):
            span = self.text[node.start : node.end]
            raise InputError(f"{span!r} {value}; expected a defined number", field="expression")
        return value

    def next_name(self) -> str:
        number = len(self.gates) + 1
        while f"q{number}" in self.reserved:
            number += 1
        self.reserved.add(f"q{number}")
        return f"q{number}"


def _check_levels(gates: list[GateNode]) -> None:
    level: dict[str, int] = {}
    for node in gates:
        level[node.name] = 1 + max((level.get(o, 0) for o in node.operands if isinstance(o, str)), default=0)
    deepest = max(level.values(), default=0)
    if deepest > MAX_LEVELS:
        raise InputError(
            f"expression is {deepest} gates deep; expected at most {MAX_LEVELS}, a circuit to work by hand",
            field="expression",
        )


def value_or_reason(rule: Callable[..., float], arguments: tuple[float, ...]) -> float | str:
    """The rule's value, or why it has none (as the end of a sentence)."""
    try:
        value = rule(*arguments)
    except ZeroDivisionError:
        return "divides by zero"
    except OverflowError:
        return "overflows"
    if math.isnan(value):
        return "has no real value (the log or root of a negative number?)"
    if math.isinf(value):
        return "is infinite (the log of 0?)"
    return value
