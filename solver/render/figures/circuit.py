"""A circuit as CS231n draws it: inputs on the left, gates as circles, a value above each wire.

Every wire carries a value forward (above it) and, in the key, the gradient that flows
back along it (below it, in red): a value that feeds two gates has two wires, each with
the gradient of its own branch.  The gates come from the circuit a ``graph`` solution
keeps (``solver.kinds.circuits.graph.circuit_of``), the numbers from its steps.  The
handout shows the inputs' values only.
"""

from __future__ import annotations

from itertools import count
from typing import TYPE_CHECKING

from solver.graph.values import format_number
from solver.render.figures.figure import Figure
from solver.render.figures.names import figure_name
from solver.render.figures.svg import FAINT, KEY, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution
    from solver.kinds.circuits.circuit import Circuit, GateNode

COLUMN, ROW, RADIUS, MARGIN = 100, 46, 16, 30
#: Where along a wire its labels sit: past the middle, where wires that leave one value have spread apart.
LABEL_AT = 0.62


def circuit(solution: Solution, key: bool) -> list[Figure]:
    from solver.kinds.circuits.graph import circuit_of

    drawn = circuit_of(solution)
    if drawn is None:
        return []
    caption = "The circuit: each gate with its inputs' values above the wires"
    caption += " and, in red, the gradients flowing back below them" if key else ""
    return [Figure("circuit", caption, _draw(solution, drawn, key, caption))]


def _places(drawn: Circuit) -> dict[str, tuple[float, float]]:
    """Where each input and gate sits: a column per depth, a gate in the free row nearest the middle of its inputs.

    Inputs take every other row, so that a gate between two of them has a row of its own.  A row is
    free when no gate sits there, no wire passes there, and the gate's own wires would cross no gate.
    """
    column = {name: 0 for name in drawn.inputs}
    row = {name: 2 * i for i, name in enumerate(drawn.inputs)}
    gates = {(0, r) for r in row.values()}
    wires: set[tuple[int, int]] = set()
    for node in drawn.gates:
        sources = [(column[o], row[o]) for o in dict.fromkeys(o for o in node.operands if isinstance(o, str))]
        here = 1 + max(c for c, _ in sources)
        wanted = round(sum(r for _, r in sources) / len(sources))

        def free(r: int, here: int = here, sources: list[tuple[int, int]] = sources) -> bool:
            crossed = {cell for source in sources for cell in _cells_crossed(source, (here, r))}
            return r >= 0 and (here, r) not in gates | wires and not crossed & gates

        chosen = next(r for step in count() for r in (wanted + step, wanted - step) if free(r))
        gates.add((here, chosen))
        wires.update(cell for source in sources for cell in _cells_crossed(source, (here, chosen)))
        column[node.name], row[node.name] = here, chosen
    return {name: (MARGIN + 20.0 + COLUMN * column[name], MARGIN + 20.0 + ROW * row[name]) for name in row}


def _cells_crossed(start: tuple[int, int], end: tuple[int, int]) -> list[tuple[int, int]]:
    """The (column, row) cells a straight wire passes over between its two ends."""
    (c1, r1), (c2, r2) = start, end
    return [(c, round(r1 + (r2 - r1) * (c - c1) / (c2 - c1))) for c in range(c1 + 1, c2)]


def _label(node: GateNode) -> str:
    """The gate's symbol with the numbers it takes from the expression, as CS231n writes ``+1`` or ``*-1``."""
    label = node.gate.symbol
    for position, operand in enumerate(node.operands):
        if not isinstance(operand, str):
            number = format_number(operand)
            label = number + label if position == 0 else label + number
    return label


def _draw(solution: Solution, drawn: Circuit, key: bool, caption: str) -> Drawing:
    places = _places(drawn)
    width = max(x for x, _ in places.values()) + COLUMN + MARGIN
    height = max(y for _, y in places.values()) + MARGIN + 30
    drawing = Drawing(width, height, caption)
    named = {name: figure_name(name, solution.notation) for name in places}
    output = drawn.output

    def shown(step: str) -> str:
        if solution[step].is_given:
            return format_number(solution[step].value)
        return _short(solution[step].value) if key else ""

    def wire(source: str, x1: float, y1: float, x2: float, y2: float, gradient: str) -> None:
        drawing.line(x1, y1, x2, y2, stroke=FAINT, arrow=True)
        label_x, label_y = x1 + LABEL_AT * (x2 - x1), y1 + LABEL_AT * (y2 - y1)
        drawing.text(label_x, label_y - 8, shown(source), size=10)
        if key:
            drawing.text(label_x, label_y + 9, _short(solution[gradient].value), size=10, fill=KEY)

    for name in drawn.inputs:
        x, y = places[name]
        drawing.text(x - 4, y, named[name], size=12, anchor="end")
    for node in drawn.gates:
        x, y = places[node.name]
        for source in dict.fromkeys(o for o in node.operands if isinstance(o, str)):
            sx, sy = places[source]
            start = sx if source in drawn.inputs else sx + RADIUS
            wire(source, start, sy, x - RADIUS, y, drawn.wire_gradient(source, node.name))
    for node in drawn.gates:
        x, y = places[node.name]
        drawing.circle(x, y, RADIUS)
        drawing.text(x, y, _label(node), size=11)
        drawing.text(x, y + RADIUS + 9, named[node.name], size=9, fill=FAINT)
    x, y = places[output]
    wire(output, x + RADIUS, y, x + COLUMN - 20, y, drawn.gradient(output))
    drawing.text(x + COLUMN - 16, y, named[output], size=12, anchor="start")
    return drawing


def _short(value: float) -> str:
    """A computed value to three significant digits: a wire has room for a few characters only."""
    return format_number(float(f"{value:.3g}"))
