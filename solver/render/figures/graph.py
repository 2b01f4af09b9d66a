"""The computation graph: every step a node, every dep an edge, columns by depth, wrapped into bands.

A graph deeper than a page is wide goes on in bands one below the other, read
like lines of text, each narrow enough to fit an A4 page at a legible scale.
Each band after the first opens with a column of what it reads from earlier
on: the given data first used in it, and a dashed copy of each step of an
earlier band it uses, so that no edge leaves its band.

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

from solver.graph.values import format_number, format_value
from solver.math.optimizers import is_later_training_step
from solver.render.figures.figure import Figure
from solver.render.figures.local import derivative_name, local_derivative
from solver.render.figures.names import figure_name
from solver.render.figures.place import Box, Spot, Taken, text_box
from solver.render.figures.svg import FAINT, KEY, PRINT_HEIGHT, PRINT_WIDTH, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution, Step

#: The gap between two columns holds the edge labels, so it is wider than a box.
BOX_W, BOX_H, GAP, ROW = 120, 32, 160, 56
COLUMN = BOX_W + GAP
LABEL_SIZE = 10
#: Where along a gap a label may sit, best first: the middle, then towards either side.
SPOTS = tuple(sorted((n / 20 for n in range(2, 19)), key=lambda fraction: abs(fraction - 0.5)))
#: The columns of a band, its opening column included: 3 are 710 pixels wide, 0.85 of that on an A4 line
#: (labels of 6.4pt) and whole in a desktop browser's column.
BAND_COLUMNS = 3
#: The extra room between two bands, beyond the gap between two rows.
BAND_GAP = 24
#: A graph needing more pages than this (a perceptron's run of many epochs) is left out:
#: its steps and tables say it all.
MAX_PARTS = 4

#: Where a box stands: (step, band), the band differing from the step's own for a dashed copy.
Slot = tuple[str, int]


def computation(solution: Solution, key: bool) -> list[Figure]:
    """The graph, in as many figures as it needs pages (its bands cut between them), or none when that is too many."""
    levels = _levels(solution)
    place = _places(solution, levels)
    width = max(x for x, _ in place.values()) + BOX_W + 20
    parts = _parts(place, width)
    if len(parts) > MAX_PARTS:
        return []
    caption = "The computation graph: each step with the steps it is computed from, each edge with ∂step/∂dep"
    if any(band != levels[name][0] for name, band in place):
        caption += "; a dashed box repeats a step from a row above"
    drawn = []
    for number, bands in enumerate(parts, start=1):
        top = min(y for (_, band), (_, y) in place.items() if band in bands) - 10
        part = {slot: (x, y - top) for slot, (x, y) in place.items() if slot[1] in bands}
        name, title = _part_title(caption, number, len(parts))
        drawn.append(Figure(name, title, _drawing(solution, key, levels, part, width, title)))
    return drawn


def _part_title(caption: str, number: int, parts: int) -> tuple[str, str]:
    """The figure's name and caption: the first part has the whole caption, the next ones say they go on."""
    if parts == 1:
        return "graph", caption
    if number == 1:
        return "graph", f"{caption} (part 1 of {parts})"
    return f"graph-{number}", f"The computation graph, continued (part {number} of {parts})"


def _parts(place: dict[Slot, Spot], width: float) -> list[list[int]]:
    """The bands cut into as few runs as pages need, of even heights, so that a short part fits under a problem's data.

    A page holds a run as tall as the scale the graph's width sets allows.
    """
    bottoms: dict[int, float] = {}
    for (_, band), (_, y) in place.items():
        bottoms[band] = max(bottoms.get(band, 0), y + BOX_H + 20)
    heights = [bottoms[band] - bottoms.get(band - 1, 0) for band in sorted(bottoms)]
    count = len(_runs(heights, width * PRINT_HEIGHT / PRINT_WIDTH))
    limit = max(sum(heights) / count, *heights)
    while len(_runs(heights, limit)) > count:
        limit += ROW / 2
    return _runs(heights, limit)


def _runs(heights: list[float], limit: float) -> list[list[int]]:
    """The bands, in order, cut into runs no taller than ``limit`` (a band taller than that runs alone)."""
    runs: list[list[int]] = []
    tall = 0.0
    for band, height in enumerate(heights):
        if not runs or tall + height > limit:
            runs.append([])
            tall = 0.0
        runs[-1].append(band)
        tall += height
    return runs


def _drawing(
    solution: Solution, key: bool, levels: dict[str, tuple[int, int]], place: dict[Slot, Spot], width: float, title: str
) -> Drawing:
    """The boxes in ``place`` and the edges between them, each edge with its label."""
    drawing = Drawing(width, max(y for _, y in place.values()) + BOX_H + 20, title)
    taken = Taken(COLUMN)
    for x, y in place.values():
        taken.add(Box(x, y, x + BOX_W, y + BOX_H))
    edges = []
    for step in _drawn(solution):
        band = levels[step.name][0]
        if (step.name, band) not in place:
            continue
        x, y = place[step.name, band]
        deps = [dep for dep in step.deps if dep in levels]
        for n, dep in enumerate(deps):
            dx, dy = place[dep, band]
            # The edges into one step arrive at their own heights, so that they and their labels part.
            start, end = (dx + BOX_W, dy + BOX_H / 2), (x, y + BOX_H * (n + 1) / (len(deps) + 1))
            drawing.line(*start, *end, stroke=FAINT, arrow=True)
            edges.append((start, end, *_edge_label(solution, step, dep, key)))
    labels = []
    # Short edges have the fewest places for a label, and long labels the fewest that fit: they choose first.
    for start, end, text, valued in sorted(edges, key=lambda edge: (edge[1][0] - edge[0][0], -len(edge[2]))):
        spot = taken.first_free(_spots(start, end), partial(_label_box, text=text))
        labels.append((*spot, text, valued))
    for (name, band), corner in place.items():
        if band == levels[name][0]:
            _node(drawing, solution, solution[name], corner, key)
        else:
            _copy(drawing, solution, name, corner)
    for lx, ly, text, valued in labels:
        drawing.text(lx, ly, text, size=LABEL_SIZE, fill=KEY if valued else "#225")
    return drawing


def _levels(solution: Solution) -> dict[str, tuple[int, int]]:
    """Each step's (band, column): its depth, steps after their deps, cut into bands.

    Given data stands in the column just before its first use, in that use's band, so that its edges stay short.
    """
    steps = _drawn(solution)
    depth: dict[str, int] = {}
    for step in steps:
        depth[step.name] = 1 + max((depth[d] for d in step.deps if d in depth), default=-1)
    first_use: dict[str, int] = {}
    for step in steps:
        for dep in step.deps:
            first_use[dep] = min(first_use.get(dep, depth[step.name]), depth[step.name])
    levels = {}
    for step in steps:
        used = first_use.get(step.name) if step.is_given else None
        band = _band(depth[step.name] if used is None else used)
        column = depth[step.name] if used is None else used - 1
        levels[step.name] = (band, column - band * (BAND_COLUMNS - 1))
    return levels


def _drawn(solution: Solution) -> list[Step]:
    """The steps the graph draws: one training step's; the later ones repeat its graph on the parameters it left."""
    return [step for step in solution if not step.in_table and not is_later_training_step(step.name)]


def _band(depth: int) -> int:
    """The band of a depth: the first holds BAND_COLUMNS depths, each next one BAND_COLUMNS − 1 after its opener."""
    return max(0, (depth - 1) // (BAND_COLUMNS - 1))


def _places(solution: Solution, levels: dict[str, tuple[int, int]]) -> dict[Slot, Spot]:
    """The top-left corner of each box: the steps', then the dashed copies' of steps an earlier band drew."""
    slots: dict[Slot, tuple[int, int, int]] = {}
    rows: dict[tuple[int, int], int] = {}

    def put(slot: Slot, band: int, column: int) -> None:
        slots[slot] = (band, column, rows.get((band, column), 0))
        rows[band, column] = slots[slot][2] + 1

    # In each column the computed steps come first, the data they read below them, then the copies.
    for step in sorted(_drawn(solution), key=lambda step: step.is_given):
        put((step.name, levels[step.name][0]), *levels[step.name])
    # A copy stands, as given data does, in the column just before its first use.
    copies: dict[Slot, int] = {}
    for step in _drawn(solution):
        band, column = levels[step.name]
        for dep in step.deps:
            if dep in levels and levels[dep][0] < band:
                copies[dep, band] = min(copies.get((dep, band), column), column)
    for (dep, band), used in copies.items():
        put((dep, band), band, used - 1)
    tops = [10.0]
    for band in range(1 + max(band for band, _ in rows)):
        tall = max((count for (b, _), count in rows.items() if b == band), default=0)
        tops.append(tops[-1] + ROW * tall + BAND_GAP)
    return {slot: (10 + COLUMN * column, tops[band] + ROW * row) for slot, (band, column, row) in slots.items()}


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

    The gap before the step comes first (the derivative belongs to the step), then the gaps further back;
    where the edges crowd, a label may stand off its edge by a line's height, or two.
    """
    (x1, y1), (x2, y2) = start, end
    for off in (LABEL_SIZE / 2 + 1, LABEL_SIZE * 1.5 + 2, LABEL_SIZE * 2.5 + 3):
        for gap_right in _gaps_between(x1, x2):
            for fraction in SPOTS:
                x = gap_right - GAP + GAP * fraction
                y = y1 + (y2 - y1) * (x - x1) / (x2 - x1)
                yield x, y - off
                yield x, y + off


def _gaps_between(x1: float, x2: float) -> list[float]:
    """The right ends of the gaps an edge from x1 to x2 crosses, nearest the step first."""
    return [x2 - k * COLUMN for k in range(round((x2 - x1 + BOX_W) / COLUMN))]


def _copy(drawing: Drawing, solution: Solution, name: str, corner: Spot) -> None:
    """A dashed box that names a step drawn in an earlier band; its value stands there."""
    x, y = corner
    drawing.rect(x, y, BOX_W, BOX_H, fill="white", stroke=FAINT, dashed=True)
    drawing.text(x + BOX_W / 2, y + BOX_H / 2, figure_name(name, solution.notation)[:18], size=11)


def _node(drawing: Drawing, solution: Solution, step: Step, corner: tuple[float, float], key: bool) -> None:
    x, y = corner
    drawing.rect(x, y, BOX_W, BOX_H, fill="#eef3fb" if step.is_given else "white")
    value = format_value(step.value) if key or step.is_given else ""
    shown = value if len(value) <= 14 else ""
    name = figure_name(step.name, solution.notation)[:18]
    drawing.text(x + BOX_W / 2, y + (10 if shown else BOX_H / 2), name, size=11)
    if shown:
        drawing.text(x + BOX_W / 2, y + 23, shown, size=10, fill=KEY if not step.is_given else "#222")
