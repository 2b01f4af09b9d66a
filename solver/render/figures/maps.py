"""Conv and pooling grids: the (padded) input with the window of each output cell highlighted.

Small multiples, one panel per output cell, with the cell's value beside it: what the
worked lines say cell by cell, seen at once.  A large map shows its first cells, as
the worked lines do (``solver.kinds.maps.cells.shown_cells``).  The windows are
placed from the graph: the kernel's shape, the stride ``S`` (or ``S_h``, ``S_w``),
dilation ``D`` and padding ``P`` givens, and the padded image the feature map reads.
A 1-D convolution is drawn the same way, its sequence one plane with a channel per
row and its kernel as tall as the channels.  A grouped kernel reads its group's
channels only (the step's own ``Grid`` view says which): the others are drawn faint.
Pooling marks the cells each window picks (the step's own ``Grid`` view).  The
handout shows the given maps, sequences and kernels only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from solver.graph.blocks import Grid
from solver.graph.names import entry_name
from solver.graph.values import format_number
from solver.kinds.maps.cells import shown_cells
from solver.render.figures import grids
from solver.render.figures.figure import Figure
from solver.render.figures.grids import CELL, GAP, planes_of
from solver.render.figures.names import namer
from solver.render.figures.svg import FAINT, INK, KEY, MARK, PADDING, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution, Step

Named = Callable[[str], str]
Pair = tuple[int, int]
#: Panels stand side by side up to this width, then go on in the next row.
ROW_WIDTH = 900


def windows(solution: Solution, key: bool) -> list[Figure]:
    named = namer(solution.notation)
    if not key:
        return given_maps(solution, named)
    drawn = []
    for step in solution:
        if step.name.startswith("feature_map") and not step.is_given:
            caption = f"{named(step.name)}: the window of each cell on {named(step.deps[0])}, and the cell's sum"
            sliding = _along_sequence(solution, step) if solution.kind == "conv1d" else _sliding(solution, step)
            if sliding.channels is not None:
                caption += f" ({named(step.deps[1])} reads {_channel_words(sliding.channels)} only)"
            drawn.append(Figure(f"windows-{step.name}", caption, _conv_panels(sliding, step, named, caption)))
        elif step.name.startswith("pooled") and solution.kind == "pool1d":
            sliding = _along_sequence(solution, step)
            caption = f"{named(step.name)}: the window of each cell on {named(step.deps[0])}"
            caption += ", the cell it picks framed in red, and the result" if sliding.picks else ", and its average"
            drawn.append(Figure(f"windows-{step.name}", caption, _conv_panels(sliding, step, named, caption)))
        elif step.name.startswith("pooled") and any(isinstance(v, Grid) for v in step.views):
            source = next(v for v in step.views if isinstance(v, Grid))
            caption = f"{named(step.name)}: the cells each window picks from {named(step.deps[0])}, and the result"
            drawn.append(Figure(f"windows-{step.name}", caption, _pooled(source, step, named, caption)))
    return drawn


def given_pair(solution: Solution, letter: str, default: int) -> Pair:
    """A per-axis given (``S``, or ``S_h`` and ``S_w``); ``default`` on an axis the problem gives none for."""
    steps = solution.steps
    if letter in steps:
        return int(steps[letter].value), int(steps[letter].value)
    return tuple(  # type: ignore[return-value]
        int(steps[f"{letter}{axis}"].value) if f"{letter}{axis}" in steps else default for axis in ("_h", "_w")
    )


@dataclass(frozen=True)
class Sliding:
    """What an output's windows slide over, as drawn: the planes, the window's reach and its placing."""

    planes: np.ndarray
    kernel: Pair
    stride: Pair
    dilation: Pair
    #: The input's cells within the (padded) planes: its first row and column, and its rows and columns.
    inside: tuple[Pair, Pair]
    #: The output as rows × columns, and how a cell (row, col) is addressed.
    result: np.ndarray
    address: Callable[[Pair], tuple[int, ...]]
    #: Stride, dilation or window in words, as the problem gives them.
    placing: str
    #: The channels a grouped kernel reads, None when it reads them all.
    channels: tuple[int, ...] | None = None
    #: The cell each window picks (max or min pooling), output cell by output cell; none for a sum.
    picks: tuple[tuple[int, int], ...] = ()

    def window(self, row: int, col: int) -> set[tuple[int, int]]:
        return {
            (row * self.stride[0] + i * self.dilation[0], col * self.stride[1] + j * self.dilation[1])
            for i in range(self.kernel[0])
            for j in range(self.kernel[1])
        }


def _sliding(solution: Solution, step: Step) -> Sliding:
    """A conv2d map's windows (C × H × W planes)."""
    source = solution[step.deps[0]]
    unpadded = solution[source.deps[0]].value if not source.is_given else source.value
    stride, dilation = given_pair(solution, "S", 1), given_pair(solution, "D", 1)
    read = {mark[0] for view in step.views[:1] if isinstance(view, Grid) for mark in view.marks if len(mark) == 3}
    return Sliding(
        planes_of(source.value),
        planes_of(solution[step.deps[1]].value).shape[1:],  # type: ignore[arg-type]
        stride,
        dilation,
        (given_pair(solution, "P", 0) if not source.is_given else (0, 0), planes_of(unpadded).shape[1:]),  # type: ignore[arg-type]
        np.atleast_2d(np.asarray(step.value, dtype=float)),
        lambda cell: cell,
        f"stride {stride[0]}×{stride[1]}, dilation {dilation[0]}×{dilation[1]}",
        tuple(sorted(read)) if read else None,
    )


def _along_sequence(solution: Solution, step: Step) -> Sliding:
    """A conv1d's or pool1d's windows: the sequence one plane, a channel per row, padded along its length.

    A convolution's kernel is as tall as the channels; a pooling window is one row high, each channel pooled alone.
    """
    source = solution[step.deps[0]]
    unpadded = np.atleast_2d(np.asarray(solution[source.deps[0]].value if not source.is_given else source.value))
    stride, pad = given_pair(solution, "S", 1)[1], given_pair(solution, "P", 0)[1]
    result = np.atleast_2d(np.asarray(step.value, dtype=float))
    address = (lambda cell: cell[1:]) if np.ndim(step.value) == 1 else (lambda cell: cell)
    if solution.kind == "conv1d":
        dilation = given_pair(solution, "D", 1)[1]
        return Sliding(
            planes_of(np.atleast_2d(np.asarray(source.value, dtype=float))),
            np.atleast_2d(np.asarray(solution[step.deps[1]].value)).shape,  # type: ignore[arg-type]
            (1, stride),
            (1, dilation),
            ((0, pad if not source.is_given else 0), unpadded.shape),  # type: ignore[arg-type]
            result,
            address,
            f"stride {stride}, dilation {dilation}",
        )
    window = given_pair(solution, "K", 1)[1]
    # The last window may reach past the padding (ceil mode): drawn as padding too.  NaN cells read empty.
    after = max(pad, (result.shape[1] - 1) * stride + window - unpadded.shape[1] - pad)
    planes = planes_of(np.pad(unpadded.astype(float), ((0, 0), (pad, after)), constant_values=np.nan))
    view = next((v for v in step.views if isinstance(v, Grid)), None)
    picks = tuple((int(mark[-2]), int(mark[-1]) + pad) for mark in (view.marks if view else ()))
    return Sliding(
        planes,
        (1, window),
        (1, stride),
        (1, 1),
        ((0, pad), unpadded.shape),  # type: ignore[arg-type]
        result,
        address,
        f"window {window}, stride {stride}",
        picks=picks,
    )


def _channel_words(channels: tuple[int, ...]) -> str:
    first, last = channels[0] + 1, channels[-1] + 1
    return f"channel {first}" if first == last else f"channels {first}–{last}"


def _padding_cells(sliding: Sliding) -> set[tuple[int, int]]:
    """The cells padding added around the input, shaded so that the border is visible."""
    (top, left), (rows, cols) = sliding.inside
    _, height, width = sliding.planes.shape
    return {
        (r, q) for r in range(height) for q in range(width) if not (top <= r < top + rows and left <= q < left + cols)
    }


def _conv_panels(sliding: Sliding, step: Step, named: Named, title: str) -> Drawing:
    planes, result = sliding.planes, sliding.result
    cells, left = shown_cells(result.shape)
    shaded = _padding_cells(sliding)
    grid_width = grids.layout(0, 0, planes).width
    panel_w, panel_h = grid_width + GAP + 110, grids.layout(0, 0, planes).height + 40
    across = max(1, min(len(cells), int(ROW_WIDTH // panel_w)))
    down = -(-len(cells) // across)
    drawing = Drawing(panel_w * across + GAP, panel_h * down + (30 if left else 10) + 20, title)
    drawing.text(8, 12, sliding.placing + (", padding shaded" if shaded else ""), size=11, anchor="start")
    read = set(sliding.channels) if sliding.channels is not None else set(range(planes.shape[0]))
    for n, (r, q) in enumerate(cells):
        x, y = GAP / 2 + (n % across) * panel_w, 30 + (n // across) * panel_h
        window = sliding.window(r, q)

        def fill(cell: grids.Cell, window: set[tuple[int, int]] = window) -> str:
            if cell[0] in read and cell[1:] in window:
                return MARK
            return PADDING if cell[1:] in shaded else "white"

        grid = grids.draw(drawing, x, y + 16, planes, fill=fill, ink=lambda cell: INK if cell[0] in read else FAINT)
        if sliding.picks:
            grids.outline(drawing, grid, (0, *sliding.picks[n]), (0, *sliding.picks[n]), stroke=KEY)
        drawing.text(x, y + 6, entry_name(named(step.name), sliding.address((r, q))), size=11, anchor="start")
        drawing.text(
            x + grid_width + 8,
            y + 16 + min(planes.shape[1], grids.LONGEST) * CELL / 2,
            f"= {format_number(result[r, q])}",
            anchor="start",
        )
    if left:
        drawing.text(GAP / 2, drawing.height - 14, f"… {left:,} more cells, each from its window alike", anchor="start")
    return drawing


def _pooled(source: Grid, step: Step, named: Named, title: str) -> Drawing:
    planes, result = planes_of(source.grid), planes_of(step.value)
    marks = set(source.marks)
    width = grids.layout(0, 0, planes).width + GAP
    drawing = Drawing(
        width + grids.layout(0, 0, result).width + GAP + 20, grids.layout(0, 0, planes).height + 50, title
    )
    drawing.text(GAP / 2, 12, named(step.deps[0]), size=11, anchor="start")
    grids.draw(drawing, GAP / 2, 26, planes, fill=lambda cell: MARK if cell in marks or cell[1:] in marks else "white")
    drawing.text(width + 20, 12, named(step.name), size=11, anchor="start")
    grids.draw(drawing, width + 20, 26, result)
    return drawing


def given_maps(solution: Solution, named: Named) -> list[Figure]:
    """The handout's figure: every given map, sequence and kernel (a value of more than one number)."""
    given = [s for s in solution if s.is_given and np.ndim(s.value) >= 1 and np.size(s.value) > 1]
    if not given:
        return []
    caption = "Given: " + ", ".join(named(s.name) for s in given)
    drawing = Drawing(0, 0, caption)
    x, y, tallest = GAP / 2, 0.0, 0.0
    # Side by side, going on in a next row where a row would be wider than a page.
    for step in given:
        plane = planes_of(step.value)
        size = grids.layout(0, 0, plane)
        if x > GAP / 2 and x + size.width > ROW_WIDTH:
            x, y, tallest = GAP / 2, y + tallest + 36, 0.0
        drawing.text(x, y + 12, named(step.name), size=11, anchor="start")
        grids.draw(drawing, x, y + 26, plane)
        drawing.width = max(drawing.width, x + size.width + GAP / 2)
        x, tallest = x + size.width + GAP, max(tallest, size.height)
    drawing.height = y + tallest + 50
    return [Figure("given-maps", caption, drawing)]
