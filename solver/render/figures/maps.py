"""Conv and pooling grids: the (padded) input with the window of each output cell highlighted.

Small multiples, one panel per output cell, with the cell's value beside it: what the
worked lines say cell by cell, seen at once.  A large map shows its first cells, as
the worked lines do (``solver.kinds.maps.cells.shown_cells``).  The windows are
placed from the graph: the kernel's shape, the stride ``S`` (or ``S_h``, ``S_w``) and
dilation ``D`` givens, and the padded image the feature map reads.  Pooling marks the
cells each window picks (the step's own ``Grid`` view).  The handout shows the given
maps and kernels only.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from solver.graph.blocks import Grid
from solver.graph.names import entry_name, rename
from solver.graph.values import format_number
from solver.kinds.maps.cells import shown_cells
from solver.render.figures.figure import Figure
from solver.render.figures.svg import FAINT, MARK, PADDING, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution, Step
CELL = 26
GAP = 24


def windows(solution: Solution, key: bool) -> list[Figure]:
    named = partial(rename, notation=solution.notation)
    if not key:
        given = [s for s in solution if s.is_given and np.ndim(s.value) >= 2]
        caption = "Given: " + ", ".join(named(s.name) for s in given)
        return [Figure("given-maps", caption, _given(given, named, caption))] if given else []
    drawn = []
    for step in solution:
        if step.name.startswith("feature_map"):
            caption = f"{named(step.name)}: the window of each cell on {named(step.deps[0])}, and the cell's sum"
            drawn.append(Figure(f"windows-{step.name}", caption, _conv_panels(solution, step, named, caption)))
        elif step.name.startswith("pooled") and any(isinstance(v, Grid) for v in step.views):
            source = next(v for v in step.views if isinstance(v, Grid))
            caption = f"{named(step.name)}: the cells each window picks from {named(step.deps[0])}, and the result"
            drawn.append(Figure(f"windows-{step.name}", caption, _pooled(source, step, named, caption)))
    return drawn


def _planes(value: Any) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    return array[None] if array.ndim == 2 else array


def _given_pair(solution: Solution, letter: str) -> tuple[int, int]:
    """A per-axis given (``S`` or ``S_h`` and ``S_w``), 1 when the problem has none (no dilation)."""
    steps = solution.steps
    if letter in steps:
        return int(steps[letter].value), int(steps[letter].value)
    return tuple(int(steps[f"{letter}{axis}"].value) if f"{letter}{axis}" in steps else 1 for axis in ("_h", "_w"))  # type: ignore[return-value]


def _grid(
    drawing: Drawing,
    x: float,
    y: float,
    planes: np.ndarray,
    marks: set[tuple[int, ...]],
    *,
    shaded: set[tuple[int, int]] = frozenset(),  # type: ignore[assignment]
) -> float:
    """Draw channels side by side from (x, y); return the width used.  A mark is (row, col) or (channel, row, col)."""
    channels, rows, cols = planes.shape
    for c in range(channels):
        left = x + c * (cols * CELL + GAP / 2)
        for r in range(rows):
            for q in range(cols):
                marked = (r, q) in marks or (c, r, q) in marks
                fill = MARK if marked else PADDING if (r, q) in shaded else "white"
                drawing.rect(left + q * CELL, y + r * CELL, CELL, CELL, fill=fill, stroke=FAINT)
                drawing.text(
                    left + q * CELL + CELL / 2, y + r * CELL + CELL / 2, format_number(planes[c, r, q]), size=10
                )
    return channels * cols * CELL + (channels - 1) * GAP / 2


def _padding_cells(solution: Solution, source: str, shape: tuple[int, ...]) -> set[tuple[int, int]]:
    """The zero cells padding added around the image, shaded so the border is visible."""
    if source == "image":
        return set()
    image = _planes(solution["image"].value)
    top, left = (shape[1] - image.shape[1]) // 2, (shape[2] - image.shape[2]) // 2
    if "P" in solution.steps:
        top = left = int(solution["P"].value)
    return {
        (r, q)
        for r in range(shape[1])
        for q in range(shape[2])
        if not (top <= r < top + image.shape[1] and left <= q < left + image.shape[2])
    }


def _conv_panels(solution: Solution, step: Step, named: Any, title: str) -> Drawing:
    source, kernel_name = step.deps[0], step.deps[1]
    planes = _planes(solution[source].value)
    kernel = _planes(solution[kernel_name].value)
    stride, dilation = _given_pair(solution, "S"), _given_pair(solution, "D")
    result = np.atleast_2d(np.asarray(step.value, dtype=float))
    cells, left = shown_cells(result.shape)
    shaded = _padding_cells(solution, source, planes.shape)
    panel_w = planes.shape[0] * (planes.shape[2] * CELL + GAP / 2) + 110
    panel_h = planes.shape[1] * CELL + 40
    across = max(1, min(len(cells), int(900 // panel_w)))
    down = -(-len(cells) // across)
    drawing = Drawing(panel_w * across + GAP, panel_h * down + (30 if left else 10) + 20, title)
    drawing.text(
        8, 12, f"stride {stride[0]}×{stride[1]}, dilation {dilation[0]}×{dilation[1]}", size=11, anchor="start"
    )
    for n, (r, q) in enumerate(cells):
        x, y = GAP / 2 + (n % across) * panel_w, 30 + (n // across) * panel_h
        marks = {
            (r * stride[0] + i * dilation[0], q * stride[1] + j * dilation[1])
            for i in range(kernel.shape[1])
            for j in range(kernel.shape[2])
        }
        width = _grid(drawing, x, y + 16, planes, marks, shaded=shaded)
        drawing.text(x, y + 6, entry_name(named(step.name), (r, q)), size=11, anchor="start")
        drawing.text(
            x + width + 8, y + 16 + planes.shape[1] * CELL / 2, f"= {format_number(result[r, q])}", anchor="start"
        )
    if left:
        drawing.text(
            GAP / 2, drawing.height - 14, f"… {left:,} more cells, each the same sum of products", anchor="start"
        )
    return drawing


def _pooled(source: Grid, step: Step, named: Any, title: str) -> Drawing:
    planes = _planes(source.grid)
    result = _planes(step.value)
    width = planes.shape[0] * (planes.shape[2] * CELL + GAP / 2) + GAP
    drawing = Drawing(
        width + result.shape[0] * (result.shape[2] * CELL + GAP / 2) + 60, planes.shape[1] * CELL + 50, title
    )
    drawing.text(GAP / 2, 12, named(step.deps[0]), size=11, anchor="start")
    _grid(drawing, GAP / 2, 26, planes, set(source.marks))
    drawing.text(width + 20, 12, named(step.name), size=11, anchor="start")
    _grid(drawing, width + 20, 26, result, set())
    return drawing


def _given(steps: list[Step], named: Any, title: str) -> Drawing:
    planes = [_planes(s.value) for s in steps]
    widths = [p.shape[0] * (p.shape[2] * CELL + GAP / 2) + GAP for p in planes]
    drawing = Drawing(sum(widths) + GAP, max(p.shape[1] for p in planes) * CELL + 50, title)
    x = GAP / 2
    for step, plane, width in zip(steps, planes, widths, strict=True):
        drawing.text(x, 12, named(step.name), size=11, anchor="start")
        _grid(drawing, x, 26, plane, set())
        x += width
    return drawing
