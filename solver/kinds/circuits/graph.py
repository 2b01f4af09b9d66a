"""Kind ``graph``: a scalar expression worked as a circuit, gate by gate, as CS231n draws it.

``f = (x + y) * z`` at x = −2, y = 5, z = −4 is two gates: ``q1 = x + y = 3`` and
``f = q1·z = −12``.  The backward pass starts from ``df/df = 1`` and gives every gate's
inputs the upstream gradient times the gate's local gradient: ``df/dq1 = df/df·z``,
``df/dz = df/df·q1``, ``df/dx = df/dq1·1``.  A value that feeds several gates (an input
used twice, a subexpression written twice) gets one step per branch,
``df/dx_via_q1``, and a step that sums them: ``df/dx = df/dx_via_q1 + df/dx_via_q3``.

The circuit is read from the expression in ``solver.kinds.circuits.circuit``.  The
expression's numbers are part of the rule, as a layer's stride is.  Classic mistakes: a
multiply gate sending an input its own value instead of the other input's
(``multiply_own_input``), a gradient that keeps only one branch
(``only_branch_via_<gate>``), and an activation gate's slope by a wrong rule (the activation
table's: σ for σ(1 − σ), 1 − tanh for 1 − tanh², ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Step, Variant
from solver.kinds import GIVEN_CONFIG
from solver.kinds.circuits.circuit import Circuit, GateNode, Operand, read_circuit, value_or_reason
from solver.kinds.circuits.gates import OUT

KIND = "graph"

#: A hole of a gate's written form (``solver.kinds.circuits.gates``).
_HOLE = re.compile(r"\{(\d+|out|inputs)\}")


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    expression: str
    """The output and its expression, e.g. ``f = sigmoid(w0*x0 + w1*x1 + w2)`` (+ − * / ^, exp, log, sqrt,
    tanh, sigmoid, relu, max, abs)."""
    inputs: dict[str, float]
    """The value of every input of the expression, e.g. {x: -2, y: 5, z: -4}."""


class CircuitSolution(Solution):
    """A circuit's solution: its steps, and the gates they are built from (which its figure draws)."""

    def __init__(self, circuit: Circuit, title: str):
        super().__init__(KIND, title)
        self.circuit = circuit


def circuit_of(solution: Solution) -> Circuit | None:
    """The circuit a solution was built from, or None for a solution of another kind."""
    return solution.circuit if isinstance(solution, CircuitSolution) else None


def solve(given: Given, title: str | None = None) -> Solution:
    circuit = read_circuit(given.expression, given.inputs)
    expression = " ".join(given.expression.split())
    solution = CircuitSolution(circuit, title or f"The circuit {expression}: forward and backward pass")
    for name, value in circuit.inputs.items():
        solution.given(name, "input", value)
    for node in circuit.gates:
        _add_forward(solution, node, circuit.inputs)
    _add_backward(solution, circuit)
    return solution


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
    checked = value_or_reason(rule, _operand_values(node.operands, solution.values()))
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
        variants=_multiply_mistake(reader, name, upstream) + _activation_mistakes(reader, name, upstream),
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


#: Gates from the activation table, whose classic wrong slopes it lists.
ACTIVATION_GATES = ("sigmoid", "tanh", "relu")


def _activation_mistakes(reader: GateNode, name: str, upstream: str) -> tuple[Variant, ...]:
    """An activation gate's local gradient by a classic wrong rule: σ for σ(1 − σ), 1 − tanh for 1 − tanh², ..."""
    if reader.operation not in ACTIVATION_GATES:
        return ()
    from solver.math.activations import activation, slope_mistakes

    return tuple(
        Variant(
            mistake.name,
            mistake.feedback,
            lambda gradient, z, slope=mistake.slope: gradient * float(np.asarray(slope(np.array([z], float)))[0]),
            deps=(upstream, name),
        )
        for mistake in slope_mistakes(activation(reader.operation))
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
