"""The computation graph: every step a node, every dep an edge, columns by depth.

It is the backward pass's picture too: each edge carries its local derivative
∂step/∂dep, the factor the chain rule multiplies along it.  The key writes it
as the step's formula gives it (``solver.render.figures.local``) with its value
when that is one number, and each step's value under its name when the value
is short; the handout names each derivative and shows the given values only.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from solver.graph.names import rename
from solver.graph.values import format_number, format_value
from solver.render.figures.figure import Figure
from solver.render.figures.local import derivative_name, local_derivative
from solver.render.figures.place import Box, Spot, Taken, text_box
from solver.render.figures.svg import FAINT, KEY, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution, Step

#: The gap between two columns holds the edge labels, so it is wider than a box.
BOX_W, BOX_H, GAP, ROW = 120, 32, 160, 56
COLUMN = BOX_W + GAP
LABEL_SIZE = 10
#: Where along a gap a label may sit, best first: the middle, then towards either side.
SPOTS = (0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9)
#: Deeper graphs (a perceptron's run of many epochs, each step after the last) shrink to an
#: unreadable strip on a page: they are left out, and the steps and tables say it all.
MAX_COLUMNS = 40


def computation(solution: Solution, key: bool) -> list[Figure]:
    shown = [step for step in solution if not step.in_table]  # a table shows a long run's later steps
    place = _places(shown)
    if len({x for x, _ in place.values()}) > MAX_COLUMNS:
        return []
    caption = "The computation graph: each step with the steps it is computed from, each edge with ∂step/∂dep"
    width = max(x for x, _ in place.values()) + BOX_W + 20
    drawing = Drawing(width, max(y for _, y in place.values()) + BOX_H + 20, caption)
    taken = Taken(COLUMN)
    for x, y in place.values():
        taken.add(Box(x, y, x + BOX_W, y + BOX_H))
    edges = []
    for step in shown:
        x, y = place[step.name]
        for n, dep in enumerate(d for d in step.deps if d in place):
            dx, dy = place[dep]
            # The edges into one step arrive at their own heights, so that they and their labels part.
            start, end = (dx + BOX_W, dy + BOX_H / 2), (x, y + BOX_H * (n + 1) / (len(step.deps) + 1))
            drawing.line(*start, *end, stroke=FAINT, arrow=True)
            edges.append((start, end, *_edge_label(solution, step, dep, key)))
    labels = []
    # Short edges have the fewest places for a label, and long labels the fewest that fit: they choose first.
    for start, end, text, valued in sorted(edges, key=lambda edge: (edge[1][0] - edge[0][0], -len(edge[2]))):
        spot = taken.first_free(_spots(start, end), partial(_label_box, text=text))
        labels.append((*spot, text, valued))
    for step in shown:
        _node(drawing, solution, step, place[step.name], key)
    for lx, ly, text, valued in labels:
        drawing.text(lx, ly, text, size=LABEL_SIZE, fill=KEY if valued else "#225")
    return [Figure("graph", caption, drawing)]


def _places(steps: list[Step]) -> dict[str, tuple[float, float]]:
    """The top-left corner of each step's box: its column is its depth, steps come after their deps.

    Given data stands in the column just before its first use, so that its edges stay short.
    Deps that are not drawn (a training table's steps) are left out.
    """
    depth: dict[str, int] = {}
    for step in steps:
        depth[step.name] = 1 + max((depth[d] for d in step.deps if d in depth), default=-1)
    first_use: dict[str, int] = {}
    for step in steps:
        for dep in step.deps:
            first_use[dep] = min(first_use.get(dep, depth[step.name]), depth[step.name])
    for step in steps:
        if step.is_given and step.name in first_use:
            depth[step.name] = first_use[step.name] - 1
    rows: dict[int, int] = {}
    place = {}
    # In each column the computed steps come first, the data they read below them.
    for step in sorted(steps, key=lambda step: step.is_given):
        level = depth[step.name]
        row = rows.get(level, 0)
        rows[level] = row + 1
        place[step.name] = (10 + COLUMN * level, 10 + ROW * row)
    return place


def _edge_label(solution: Solution, step: Step, dep: str, key: bool) -> tuple[str, bool]:
    """The key: the local derivative's expression, with its value when that is one number (and not the text).

    The handout names the derivative only: its expression is a step of the backward pass the students work.
    """
    if not key:
        return derivative_name(solution, step, dep), False
    local = local_derivative(solution, step, dep)
    if local.value is not None and local.text.replace("−", "-") != format_number(local.value):
        return f"{local.text} = {format_number(local.value)}", True
    return local.text, False


def _label_box(spot: Spot, text: str) -> Box:
    return text_box(*spot, [text], LABEL_SIZE, 0)


def _spots(start: Spot, end: Spot) -> Iterator[Spot]:
    """Points just above or below the edge, in the gaps between columns, best first.

    The gap before the step comes first (the derivative belongs to the step), then the gaps further back.
    """
    (x1, y1), (x2, y2) = start, end
    for gap_right in _gaps_between(x1, x2):
        for fraction in SPOTS:
            x = gap_right - GAP + GAP * fraction
            y = y1 + (y2 - y1) * (x - x1) / (x2 - x1)
            yield x, y - LABEL_SIZE / 2 - 1
            yield x, y + LABEL_SIZE / 2 + 1


def _gaps_between(x1: float, x2: float) -> list[float]:
    """The right ends of the gaps an edge from x1 to x2 crosses, nearest the step first."""
    return [x2 - k * COLUMN for k in range(round((x2 - x1 + BOX_W) / COLUMN))]


def _node(drawing: Drawing, solution: Solution, step: Step, corner: tuple[float, float], key: bool) -> None:
    x, y = corner
    drawing.rect(x, y, BOX_W, BOX_H, fill="#eef3fb" if step.is_given else "white")
    value = format_value(step.value) if key or step.is_given else ""
    shown = value if len(value) <= 14 else ""
    name = rename(step.name, solution.notation)[:18]
    drawing.text(x + BOX_W / 2, y + (10 if shown else BOX_H / 2), name, size=11)
    if shown:
        drawing.text(x + BOX_W / 2, y + 23, shown, size=10, fill=KEY if not step.is_given else "#222")
