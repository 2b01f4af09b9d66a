"""Kind ``graph``: a scalar expression worked as a circuit, gate by gate, as CS231n draws it.

``f = (x + y) * z`` at x = −2, y = 5, z = −4 is two gates: ``q1 = x + y = 3`` and
``f = q1·z = −12``.  The backward pass starts from ``df/df = 1`` and gives every gate's
inputs the upstream gradient times the gate's local gradient: ``df/dq1 = df/df·z``,
``df/dz = df/df·q1``, ``df/dx = df/dq1·1``.  A value that feeds several gates (an input
used twice, a subexpression written twice) gets one step per branch,
``df/dx_via_q1``, and a step that sums them: ``df/dx = df/dx_via_q1 + df/dx_via_q3``.

The expression is read by the project's whitelisting parser, never run as code; a
subexpression written twice is one gate.  Its numbers are part of the rule, as a
layer's stride is.  Classic mistakes: a multiply gate sending an input its own value
instead of the other input's (``multiply_own_input``), and a gradient that keeps only
one branch (``only_branch_via_<gate>``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Step, Variant
from solver.kinds import GIVEN_CONFIG
from solver.kinds.circuits.gates import OUT, Gate, gate

KIND = "graph"

#: A circuit worked by hand: at most this many gates, and this many gates on the longest path.
MAX_GATES = 60
MAX_LEVELS = 30
#: The output's name when the expression does not give one.
DEFAULT_OUTPUT = "f"

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_HOLE = re.compile(r"\{(\d+|out|inputs)\}")


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    expression: str
    """The output and its expression, e.g. ``f = sigmoid(w0*x0 + w1*x1 + w2)`` (+ − * / ^, exp, log, sqrt,
    tanh, sigmoid, relu, max, abs)."""
    inputs: dict[str, float]
    """The value of every input of the expression, e.g. {x: -2, y: 5, z: -4}."""


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


class CircuitSolution(Solution):
    """A circuit's solution: its steps, and the gates they are built from (which its figure draws)."""

    def __init__(self, circuit: Circuit, title: str):
        super().__init__(KIND, title)
        self.circuit = circuit


def circuit_of(solution: Solution) -> Circuit | None:
    """The circuit a solution was built from, or None for a solution of another kind."""
    return solution.circuit if isinstance(solution, CircuitSolution) else None


def solve(given: Given, title: str | None = None) -> Solution:
    circuit = read_circuit(given)
    expression = " ".join(given.expression.split())
    solution = CircuitSolution(circuit, title or f"The circuit {expression}: forward and backward pass")
    for name, value in circuit.inputs.items():
        solution.given(name, "input", value)
    for node in circuit.gates:
        _add_forward(solution, node, circuit.inputs)
    _add_backward(solution, circuit)
    return solution


# -- reading the expression into gates ---------------------------------------------------------------


def read_circuit(given: Given) -> Circuit:
    """The gates of ``given.expression``, checked against the inputs and the bounds."""
    from solver.math.expressions import ParseError, parse_tree

    output, text, start = _output_and_expression(given.expression)
    _check_inputs(given.inputs, output)
    try:
        tree = parse_tree(text, given.inputs)
    except ParseError as error:
        # Counted in the expression as written, its output's name included.
        at = start + error.offset + 1
        raise InputError(f"{error.reason} (at character {at})", field="expression") from None
    builder = _Builder(text, output, reserved={*given.inputs, output})
    root = builder.operand(tree, root=True)
    if not isinstance(root, str) or root != output:
        raise InputError(
            f"expression {text!r} has no gate; expected an operation on the inputs such as (x + y) * z",
            field="expression",
        )
    unused = [name for name in given.inputs if not any(name in g.operands for g in builder.gates)]
    if unused:
        raise InputError(
            f"input {unused[0]!r} does not appear in the expression; expected only the expression's inputs",
            field="inputs",
        )
    _check_levels(builder.gates)
    return Circuit(output, dict(given.inputs), tuple(builder.gates))


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
        value = _value_or_reason(gate(operation).value, operands)
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


def _value_or_reason(rule: Callable[..., float], arguments: tuple[float, ...]) -> float | str:
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


# -- the steps ---------------------------------------------------------------------------------------


def _hole(operand: Operand) -> str:
    """How an operand is written in a formula: a step's hole, or the number (a negative one in parentheses)."""
    if isinstance(operand, str):
        return "{" + operand + "}"
    number = f"{operand:g}".replace("-", "−")
    return f"({number})" if operand < 0 else number


def _written(pattern: str, node: GateNode) -> str:
    """A gate's written form with its holes filled by the node's operands and own name."""

    def fill(match: re.Match[str]) -> str:
        slot = match[1]
        if slot == OUT:
            return _hole(node.name)
        if slot == "inputs":
            return ", ".join(map(_hole, node.operands))
        return _hole(node.operands[int(slot)])

    return _HOLE.sub(fill, pattern)


def _add_forward(solution: Solution, node: GateNode, inputs: Mapping[str, float]) -> None:
    deps = tuple(dict.fromkeys(o for o in node.operands if isinstance(o, str)))
    rule = node.gate.value
    # Tried before the step is added, so that an undefined gate is named with the inputs that make it so.
    checked = _value_or_reason(rule, _operand_values(node.operands, solution.values()))
    if isinstance(checked, str):
        raise InputError(
            f"{node.name} = {node.text} {checked} at {_point(inputs)}; expected inputs at which every gate is defined",
            field="inputs",
        )
    solution.add(
        Step(
            node.name,
            node.gate.title,
            deps=deps,
            compute=lambda *values: float(rule(*_operand_values(node.operands, dict(zip(deps, values, strict=True))))),
            formula=Template(_written(node.gate.forward, node)),
        )
    )


def _operand_values(operands: tuple[Operand, ...], values: Mapping[str, Any]) -> tuple[float, ...]:
    return tuple(values[o] if isinstance(o, str) else o for o in operands)


def _add_backward(solution: Solution, circuit: Circuit) -> None:
    """df/df = 1, then every gate's and input's gradient, each after the gradients of the gates it feeds."""
    solution.add(
        Step(
            circuit.gradient(circuit.output),
            "the start of the backward pass",
            compute=lambda: 1.0,
            formula=Template("1"),
        )
    )
    for name in [g.name for g in reversed(circuit.gates[:-1])] + list(circuit.inputs):
        readers = circuit.readers(name)
        for reader in readers:
            _add_chain_step(solution, circuit, name, reader)
        if len(readers) > 1:
            solution.add(_sum_step(circuit, name, readers))


def _point(inputs: Mapping[str, float]) -> str:
    return ", ".join(f"{name} = {value:g}" for name, value in inputs.items())


def _add_chain_step(solution: Solution, circuit: Circuit, name: str, reader: GateNode) -> None:
    """The chain step, or an error naming the gate whose local gradient has no value (√ at 0, a negative base)."""
    try:
        solution.add(_chain_step(circuit, name, reader))
    except InputError:
        raise InputError(
            f"the local gradient of the {reader.gate.title} {reader.name} = {reader.text} with respect to {name} "
            f"has no finite value at {_point(circuit.inputs)}; expected inputs at which every gate has a gradient",
            field="inputs",
        ) from None


def _chain_step(circuit: Circuit, name: str, reader: GateNode) -> Step:
    """The gradient ``name`` gets through ``reader``: the upstream gradient times the local gradient."""
    gate = reader.gate
    arity = len(reader.operands)
    locals_ = [gate.local(i, arity) for i, o in enumerate(reader.operands) if o == name]
    slots = [[reader.name if s == OUT else reader.operands[s] for s in local.reads] for local in locals_]
    upstream = circuit.gradient(reader.name)
    deps = (upstream, *dict.fromkeys(o for read in slots for o in read if isinstance(o, str)))
    local_text = " + ".join(_written(local.text, reader) for local in locals_)
    if len(locals_) > 1:
        local_text = f"({local_text})"

    def chain(*values: float) -> float:
        known = dict(zip(deps, values, strict=True))
        return known[upstream] * sum(
            local.value(*_operand_values(tuple(read), known)) for local, read in zip(locals_, slots, strict=True)
        )

    branch = len(circuit.readers(name)) > 1
    return Step(
        circuit.wire_gradient(name, reader.name),
        f"{'one branch: ' if branch else ''}upstream gradient × local gradient of the {gate.title}",
        deps=deps,
        compute=chain,
        formula=Template("{" + upstream + "}·" + local_text),
        variants=_multiply_mistake(reader, name, upstream),
    )


def _multiply_mistake(reader: GateNode, name: str, upstream: str) -> tuple[Variant, ...]:
    """A multiply gate sends each input the *other* input's value; sending its own is the classic slip."""
    if reader.operation != "*" or reader.operands.count(name) != 1:
        return ()  # x·x: its own value is the other input's, the slip cannot be told
    return (
        Variant(
            "multiply_own_input",
            f"The multiply gate {reader.name} = {reader.text} sends each input the upstream gradient times the "
            f"OTHER input; you multiplied by {name}'s own value.",
            lambda gradient, own: gradient * own,
            deps=(upstream, name),
        ),
    )


def _sum_step(circuit: Circuit, name: str, readers: list[GateNode]) -> Step:
    """A value that feeds several gates: its gradient is the sum of what every branch sends back."""
    names = tuple(circuit.wire_gradient(name, r.name) for r in readers)
    gates = ", ".join(r.name for r in readers)
    return Step(
        circuit.gradient(name),
        f"the sum of its {len(readers)} branches",
        deps=names,
        compute=lambda *gradients: float(sum(gradients)),
        formula=Template(" + ".join("{" + n + "}" for n in names)),
        variants=tuple(
            Variant(
                f"only_branch_via_{reader.name}",
                f"{name} feeds {len(readers)} gates ({gates}): its gradient is the sum of every branch's; "
                f"you kept only the branch through {reader.name}.",
                lambda gradient: gradient,
                deps=(branch,),
            )
            for reader, branch in zip(readers, names, strict=True)
        ),
    )
