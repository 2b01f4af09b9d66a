"""An LSTM or a GRU unrolled over time: the state carried along the top, the gates under it, the loss below.

One column per time step.  Along the top runs the state each step carries on
with a product and a sum only: the LSTM's cell state, c_t = f_t ⊙ c_{t−1} +
i_t ⊙ g_t, the GRU's hidden state, h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1} (the gru kind's,
PyTorch's).  Under it the gates, which read x_t and h_{t−1}; the LSTM's hidden
state h_t = o_t ⊙ tanh(c_t) has a row of its own.  The outputs drop to one
line that carries them to the loss.

The key shows every value the steps computed (vectors compactly, a long one
elided) and, under each step, the gate values and the gradients dL/dc_t and
dL/dh_t; the top line is highlighted: the additive path along which the
gradient goes back multiplied by the gates only, no weights and no activation
slope, which is why it does not vanish as the vanilla RNN's does.  The handout
draws the cell and the given values only.  A sequence too long for a page shows
its first step and its last ones, the steps between left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from solver.graph.values import format_number
from solver.render.figures.figure import Figure
from solver.render.figures.names import namer
from solver.render.figures.rnn import first_example, is_batch
from solver.render.figures.svg import FAINT, INK, KEY, MARK, PRINT_WIDTH, Anchor, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution

Point = tuple[float, float]
Named = Callable[[str], str]


@dataclass(frozen=True)
class Cell:
    """How one kind's cell is drawn."""

    kind: str
    #: The state carried along the top line.
    top: str
    #: The gates left to right, each at its fraction of the column's width.
    gates: dict[str, float]
    #: The gate whose product with the old state is carried on (drawn under the ×).
    carry: str
    #: The gates whose product is added to it (drawn under the +), and where the + is.
    added: tuple[str, ...]
    plus_at: float
    #: The LSTM's h_t = o_t ⊙ tanh(c_t), on a row of its own; the GRU's h_t is the top line.
    hidden_row: bool
    #: The backward quantities under each step, besides dL/dh_t.
    gradients: tuple[str, ...]


LSTM = Cell("LSTM", "c", {"f": 0.24, "i": 0.44, "g": 0.62, "o": 0.82}, "f", ("i", "g"), 0.53, True, ("dL/dc", "dL/dh"))
GRU = Cell("GRU", "h", {"z": 0.26, "r": 0.5, "n": 0.74}, "z", ("n",), 0.74, False, ("dL/dh",))

RADIUS, OPERATOR, GATE_W, GATE_H = 16, 8, 26, 22
Y_TOP, Y_GATE, Y_JOIN = 50, 130, 174
LEFT, RIGHT = 58, 96
#: The gap where steps are left out is at least this wide, and as wide as the values beside its two states need.
NARROWEST_GAP = 56
#: The size of a value beside a node, and of the lines under each step in the key, ``LANE_LEADING`` apart.
VALUE_SIZE, LANE_SIZE, LANE_LEADING = 9, 9, 12
#: The narrowest and widest a step's column may be; the widest of its lane's lines sets it in between.
NARROWEST, WIDEST = 170, 300
#: A vector with more entries than this shows its first two and its last.
MAX_ENTRIES = 3
#: Computed values to this many significant digits, a vector's entries to one fewer (the steps give them in full).
DIGITS = 4
#: The widest a figure may be: printed on an A4 line at 0.6 of its size or more, its 9-pixel values stay legible.
MAX_WIDTH = PRINT_WIDTH / 0.6 - 6
#: At least the first step and the last two are drawn.
FEWEST_SHOWN = 3


def lstm(solution: Solution, key: bool) -> list[Figure]:
    return _unrolled(solution, key, LSTM)


def gru(solution: Solution, key: bool) -> list[Figure]:
    return _unrolled(solution, key, GRU)


@dataclass(frozen=True)
class Layout:
    """Where each drawn step's column starts, its width, and the steps left out (a gap after ``before_gap``)."""

    starts: dict[int, float]
    column: float
    steps: int
    before_gap: int | None
    #: The room right of the last state: its output's value, the loss, the last state's value.
    margin: float

    def left(self, t: int) -> float:
        """The x of the state step ``t`` starts from (step t−1's): after the gap, the gap's right end."""
        return self.starts[t]

    def right(self, t: int) -> float:
        return self.starts[t] + self.column

    def at(self, t: int, fraction: float) -> float:
        return self.starts[t] + fraction * self.column

    @property
    def width(self) -> float:
        return self.right(self.steps) + self.margin


def _unrolled(solution: Solution, key: bool, cell: Cell) -> list[Figure]:
    batch = is_batch(solution)
    if batch:
        solution = first_example(solution)
    steps = _time_steps(solution)
    if not steps or not _complete(solution, cell, steps, key):
        return []  # a solution whose steps are not named per time step of one sequence (h1, c1, ...)
    named = namer(solution.notation)
    lanes = {t: _lane(solution, cell, t, named) for t in range(1, steps + 1)} if key else {}
    states = [f"{letter}{t}" for letter in {cell.top, "h"} for t in range(steps + 1)]
    widest_state = max(len(_shown(solution, name, key)) for name in states)
    value_width = 0.6 * VALUE_SIZE * widest_state  # a sans-serif character is about 0.6 em wide
    layout = _layout(steps, lanes, max(NARROWEST_GAP, value_width + 12), max(RIGHT, value_width + RADIUS + 8))
    rows = _rows(cell, key, max(map(len, lanes.values()), default=0))
    caption = _caption(cell, key, layout, named, batch)
    drawing = Drawing(layout.width, rows["height"], caption)
    if key:
        start, end = layout.left(1) - RADIUS, layout.right(steps) + RADIUS
        drawing.rect(start, Y_TOP - 7, end - start, 14, fill=MARK, stroke="none")
    for t in layout.starts:
        _step(drawing, solution, cell, layout, rows, t, named, key)
    _states(drawing, solution, cell, layout, rows, named, key)
    _outputs(drawing, solution, cell, layout, rows, named, key)
    for t, lines in lanes.items():
        if t in layout.starts:
            for n, line in enumerate(lines):
                y = rows["lane"] + LANE_LEADING * n
                drawing.text(layout.at(t, 0.5), y, line, size=LANE_SIZE, fill=KEY)
    return [Figure(cell.kind.lower(), caption, drawing)]


def _time_steps(solution: Solution) -> int:
    steps = 0
    while f"h{steps + 1}" in solution and f"x{steps + 1}" in solution:
        steps += 1
    return steps


def _complete(solution: Solution, cell: Cell, steps: int, key: bool) -> bool:
    """Whether every step the figure reads is in the solution under the name it expects."""
    names = [f"{cell.top}0", "h0", *(f"{gate}{t}" for gate in cell.gates for t in range(1, steps + 1))]
    names += [f"{cell.top}{t}" for t in range(1, steps + 1)]
    if key:
        names += [f"{gradient}{t}" for gradient in cell.gradients for t in range(1, steps + 1)]
    return all(name in solution for name in names)


def _rows(cell: Cell, key: bool, lane_lines: int) -> dict[str, float]:
    """The y of each row: the hidden row (LSTM), the inputs, the outputs, the loss's line, the lanes."""
    hidden = Y_JOIN + 36
    inputs = hidden + 54 if cell.hidden_row else Y_JOIN + 44
    outputs = inputs + 56
    loss = outputs + 40
    lane = loss + 32
    height = (lane + LANE_LEADING * lane_lines if key else loss + 22) + 8
    return {"hidden": hidden, "inputs": inputs, "outputs": outputs, "loss": loss, "lane": lane, "height": height}


def _layout(steps: int, lanes: dict[int, list[str]], gap: float, margin: float) -> Layout:
    """The columns: each as wide as its lane needs, and as many steps as fit (the first, a gap, the last ones)."""
    widest = max((len(line) for lines in lanes.values() for line in lines), default=0)
    room = MAX_WIDTH - LEFT - margin
    column = min(WIDEST, max(NARROWEST, 0.6 * LANE_SIZE * widest + 16), (room - gap) / FEWEST_SHOWN)
    fit = int((room - gap) // column) if steps * column > room else steps
    shown = list(range(1, steps + 1)) if steps <= fit else [1, *range(steps - fit + 2, steps + 1)]
    starts, x, before_gap = {}, float(LEFT), None
    for t in shown:
        if t > 1 and t - 1 not in starts:
            before_gap, x = t, x + gap  # the gap holds steps 2 … t−1
        starts[t] = x
        x += column
    return Layout(starts, column, steps, before_gap, margin)


def _caption(cell: Cell, key: bool, layout: Layout, named: Named, batch: bool) -> str:
    def at(letter: str, t: str = "t") -> str:
        return f"{named(letter)}_{t}" if t == "t" else f"{named(letter)}_({t})"

    gates = ", ".join(named(gate) for gate in cell.gates)
    caption = "The first example of the batch: the " if batch else "The "
    caption += f"{cell.kind} unrolled over {layout.steps} time step{'s' if layout.steps > 1 else ''}"
    if layout.before_gap:
        last_left_out = layout.before_gap - 1
        caption += " (step 2 left out)" if last_left_out == 2 else f" (steps 2 to {last_left_out} left out)"
    caption += f": along the top the {'cell' if cell.kind == 'LSTM' else 'hidden'} state {named(cell.top)}, "
    caption += f"under it the gates {gates}, which read {at('x')} and {at('h', 't−1')}"
    if cell is LSTM:
        caption += f"; {at('c')} = {at('f')} ⊙ {at('c', 't−1')} + {at('i')} ⊙ {at('g')}"
        caption += f", {at('h')} = {at('o')} ⊙ tanh({at('c')})"
    else:
        keep, take = _gru_factors("t", named)
        caption += f"; {at('h')} = {take} ⊙ {at('n')} + {keep} ⊙ {at('h', 't−1')}"
    if key:
        what = "cell" if cell is LSTM else "hidden-state"
        shown = ["its gate values", *(at(gradient) for gradient in cell.gradients)]
        caption += (
            f"; highlighted, the additive {what} path: back along it the gradient is multiplied by "
            f"{at(cell.carry)} only, no weights and no activation slope, so it does not vanish as the vanilla "
            f"RNN's Jacobian product does; under each step, {', '.join(shown[:-1])} and {shown[-1]}"
        )
    return caption


def _gru_factors(t: str, named: Named) -> tuple[str, str]:
    """The GRU's two factors, (the old state's, the candidate's), as the gru kind works them (PyTorch's torch.nn.GRU).

    A course that swaps the update gate's roles writes its problem with the gate's weights negated
    (problems/gru_one_step_other_update_convention.yaml): 1 − σ(a) = σ(−a).
    """
    z = f"{named('z')}_{t}" if t == "t" else named(f"z{t}")
    return z, f"(1 − {z})"


# ------------------------------------------------------------------------------------ values


def _number(value: float, digits: int | None) -> str:
    return format_number(float(f"{value:.{digits}g}")) if digits else format_number(value)


def _compact(value: Any, computed: bool) -> str:
    """A value in a few characters: a number, or a vector's entries (its first two and last when long)."""
    entries = np.ravel(np.asarray(value, dtype=float))
    digits = (DIGITS if entries.size == 1 else DIGITS - 1) if computed else None
    shown = [_number(v, digits) for v in entries]
    if len(shown) == 1:
        return shown[0]
    if len(shown) > MAX_ENTRIES:
        shown = [*shown[:2], "…", shown[-1]]
    return "[" + ", ".join(shown) + "]"


def _shown(solution: Solution, name: str, key: bool) -> str:
    """The value beside a node: given data always, a computed value in the key only."""
    if name not in solution or not (key or solution[name].is_given):
        return ""
    return _compact(solution[name].value, not solution[name].is_given)


def _lane(solution: Solution, cell: Cell, t: int, named: Named) -> list[str]:
    """The lines under step ``t`` in the key: its gates' values, then its gradients."""
    names = [f"{gate}{t}" for gate in cell.gates] + [f"{gradient}{t}" for gradient in cell.gradients]
    return [f"{named(name)} = {_compact(solution[name].value, True)}" for name in names]


# ------------------------------------------------------------------------------------ shapes


def _arrow(drawing: Drawing, start: Point, end: Point, trim: tuple[float, float] = (0, 0), **style: Any) -> None:
    """A line from ``start`` to ``end``, shortened by ``trim`` at either end (to a node's rim)."""
    (x1, y1), (x2, y2) = start, end
    length = math.dist(start, end) or 1
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    drawing.line(x1 + ux * trim[0], y1 + uy * trim[0], x2 - ux * trim[1], y2 - uy * trim[1], **style)


def _node(drawing: Drawing, solution: Solution, centre: Point, name: str, named: Named) -> None:
    drawing.circle(*centre, RADIUS, fill="#eef3fb" if name in solution and solution[name].is_given else "white")
    label = named(name)
    drawing.text(*centre, label, size=10 if len(label) <= 4 else 8)


def _value(drawing: Drawing, solution: Solution, at: Point, name: str, key: bool, anchor: Anchor = "middle") -> None:
    text = _shown(solution, name, key)
    if text:
        fill = INK if solution[name].is_given else KEY
        drawing.text(*at, text, size=VALUE_SIZE, anchor=anchor, fill=fill)


def _operator(drawing: Drawing, x: float, y: float, sign: str) -> None:
    drawing.circle(x, y, OPERATOR)
    drawing.text(x, y, sign, size=11)


def _step(
    drawing: Drawing,
    solution: Solution,
    cell: Cell,
    layout: Layout,
    rows: dict[str, float],
    t: int,
    named: Named,
    key: bool,
) -> None:
    """One step's column: the top line's × and +, the gates, the fan from x_t and h_{t−1} into them."""
    left, right = layout.left(t), layout.right(t)
    times_x, plus_x = layout.at(t, cell.gates[cell.carry]), layout.at(t, cell.plus_at)
    ink = KEY if key else INK
    _arrow(drawing, (left, Y_TOP), (times_x, Y_TOP), (RADIUS, OPERATOR), stroke=ink)
    _arrow(drawing, (times_x, Y_TOP), (plus_x, Y_TOP), (OPERATOR, OPERATOR), stroke=ink)
    _arrow(drawing, (plus_x, Y_TOP), (right, Y_TOP), (OPERATOR, RADIUS), stroke=ink, arrow=True)
    _operator(drawing, times_x, Y_TOP, "×")
    _operator(drawing, plus_x, Y_TOP, "+")
    join = (layout.at(t, 0.5), Y_JOIN)
    gate_tops = {gate: (layout.at(t, at), Y_GATE - GATE_H / 2) for gate, at in cell.gates.items()}
    _arrow(drawing, gate_tops[cell.carry], (times_x, Y_TOP), (0, OPERATOR), arrow=True)
    for gate in cell.added:
        _arrow(drawing, gate_tops[gate], (plus_x, Y_TOP), (0, OPERATOR), arrow=True)
    for x, top in gate_tops.values():
        _arrow(drawing, join, (x, top + GATE_H), stroke=FAINT, arrow=True)
    if cell is GRU:
        keep, take = _gru_factors(str(t), named)
        drawing.text(times_x + 5, (Y_TOP + Y_GATE) / 2, keep, size=9, anchor="start")
        drawing.text(plus_x + 5, (Y_TOP + Y_GATE) / 2, take, size=9, anchor="start")
        # The reset gate acts inside the candidate.
        r, n = gate_tops["r"][0], gate_tops["n"][0]
        drawing.line(r + GATE_W / 2, Y_GATE, n - GATE_W / 2, Y_GATE, arrow=True)
    for gate, (x, top) in gate_tops.items():
        label = named(f"{gate}{t}")
        size = 10 if len(label) <= 3 else 8
        width = max(GATE_W, 0.6 * size * len(label) + 6)
        drawing.rect(x - width / 2, top, width, GATE_H, fill="#fdf6e3")
        drawing.text(x, Y_GATE, label, size=size)
    inputs = rows["inputs"]
    drawing.circle(*join, 2.5, fill=INK)
    _arrow(drawing, (join[0], inputs), join, (RADIUS, 0))
    _node(drawing, solution, (join[0], inputs), f"x{t}", named)
    _value(drawing, solution, (join[0], inputs + RADIUS + 8), f"x{t}", key)
    if cell.hidden_row:
        _arrow(drawing, (left, rows["hidden"]), join, (RADIUS, 0))
        _hidden(drawing, layout, rows, t)
    else:
        # h_{t−1} comes down from the top line to the gates.
        drawing.line(left, Y_TOP + RADIUS, left, Y_JOIN)
        drawing.line(left, Y_JOIN, join[0], Y_JOIN)


def _hidden(drawing: Drawing, layout: Layout, rows: dict[str, float], t: int) -> None:
    """The LSTM's h_t = o_t ⊙ tanh(c_t): down from c_t, joined by the output gate."""
    right, hidden = layout.right(t), rows["hidden"]
    _arrow(drawing, (right, Y_TOP), (right, hidden), (RADIUS, RADIUS), arrow=True)
    drawing.text(right + 4, (Y_GATE + hidden) / 2, "tanh", size=9, anchor="start")
    o = (layout.at(t, LSTM.gates["o"]), Y_GATE + GATE_H / 2)
    _arrow(drawing, o, (right, hidden), (0, RADIUS), arrow=True)


def _states(
    drawing: Drawing, solution: Solution, cell: Cell, layout: Layout, rows: dict[str, float], named: Named, key: bool
) -> None:
    """The state nodes at the columns' edges (the top line's, and the LSTM's h row), the gap's dashes."""
    ys = [Y_TOP, rows["hidden"]] if cell.hidden_row else [Y_TOP]
    letters = [cell.top, "h"] if cell.hidden_row else [cell.top]
    if layout.before_gap:
        for y in ys:
            start, end = layout.right(1) + RADIUS, layout.left(layout.before_gap) - RADIUS
            drawing.line(start, y, end, y, dashed=True, stroke=KEY if key and y == Y_TOP else INK)
            drawing.text((start + end) / 2, y - 9, "⋯", size=11)
    # Each state once: step t's right edge is where step t+1 starts.
    edges = {t - 1: layout.left(t) for t in layout.starts} | {t: layout.right(t) for t in layout.starts}
    for letter, y in zip(letters, ys, strict=True):
        for state, x in edges.items():
            _node(drawing, solution, (x, y), f"{letter}{state}", named)
            above = y == Y_TOP
            spot = (x, y - RADIUS - 9) if above else (x + RADIUS * 0.7, y + RADIUS + 6)
            _value(drawing, solution, spot, f"{letter}{state}", key, "middle" if above else "start")


def _outputs(
    drawing: Drawing, solution: Solution, cell: Cell, layout: Layout, rows: dict[str, float], named: Named, key: bool
) -> None:
    """Each drawn output under the state it reads, and one line from them to the loss."""
    every = [t for t in range(1, layout.steps + 1) if f"y_hat{t}" in solution]
    drawn = [t for t in every or [layout.steps] if t in layout.starts]
    outputs, loss_y = rows["outputs"], rows["loss"]
    state_y = rows["hidden"] if cell.hidden_row else Y_TOP
    loss_x = layout.right(layout.steps) + 40
    for t in drawn:
        x, name = layout.right(t), f"y_hat{t}" if every else "y_hat"
        _arrow(drawing, (x, state_y), (x, outputs), (RADIUS, RADIUS), arrow=True)
        _node(drawing, solution, (x, outputs), name, named)
        _value(drawing, solution, (x + RADIUS + 3, outputs - 6), name, key, "start")
        drawing.line(x, outputs + RADIUS, x, loss_y, stroke=FAINT)
    drawing.line(min(map(layout.right, drawn)), loss_y, loss_x - 18, loss_y, stroke=FAINT, arrow=True)
    drawing.text(loss_x - 14, loss_y, named("loss"), size=11, anchor="start")
    _value(drawing, solution, (loss_x - 14, loss_y + 13), "loss", key, "start")
