"""A transposed convolution: each input cell scattering a scaled copy of the kernel, then the sum.

Small multiples, one panel per input cell (and channel): the output grid before
cropping with the block where that cell's copy lands highlighted, each of its
cells holding the product ``x·k``; then the sum, the step's own value.  Where
the problem crops (padding ``P``) or gives cells back (``output_padding``), the
sum shows the cropped border shaded, the cells output padding adds dashed, and
the output framed.  The copies are placed from the givens ``S``, ``D``, ``P``
and ``P_out`` (or their ``_h``/``_w`` pairs); a large input shows its first
cells, as the worked lines do.  The handout draws the given maps only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from solver.graph.names import entry_name
from solver.kinds.maps.cells import shown_cells
from solver.render.figures import grids
from solver.render.figures.figure import Figure
from solver.render.figures.grids import CELL, GAP, number, planes_of
from solver.render.figures.maps import ROW_WIDTH, Named, Pair, given_maps, given_pair
from solver.render.figures.names import namer
from solver.render.figures.svg import KEY, MARK, PADDING, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution, Step


def scattered(solution: Solution, key: bool) -> list[Figure]:
    named = namer(solution.notation)
    if not key:
        return given_maps(solution, named)
    drawn = []
    for step in solution:
        if not step.is_given and step.deps[:1] == ("image",) and step.deps[1].startswith("kernel"):
            output = next((s for s in solution if s.deps[:1] == (step.name,)), step)
            caption = (
                f"{named(output.name)}: each cell of {named('image')} lays a copy of {named(step.deps[1])} "
                "scaled by its value; the copies add up"
            )
            drawing = _panels(solution, step, output, named, caption)
            drawn.append(Figure(f"scatter-{output.name}", caption, drawing))
    return drawn


def _placing(stride: Pair, dilation: Pair, padding: Pair, extra: Pair) -> str:
    words = f"stride {stride[0]}×{stride[1]}, dilation {dilation[0]}×{dilation[1]}"
    if any(padding):
        words += f"; {padding[0]}×{padding[1]} cropped from each side (shaded)"
    if any(extra):
        words += f"; output padding {extra[0]}×{extra[1]} kept at the end (dashed)"
    return words


def _panels(solution: Solution, step: Step, output: Step, named: Named, title: str) -> Drawing:
    image, kernel = planes_of(solution["image"].value), planes_of(solution[step.deps[1]].value)
    stride, dilation = given_pair(solution, "S", 1), given_pair(solution, "D", 1)
    padding, extra = given_pair(solution, "P", 0), given_pair(solution, "P_out", 0)
    full = np.asarray(step.value, dtype=float)
    grown = np.pad(full, ((0, extra[0]), (0, extra[1])))  # output padding's cells past the last copy are zeros
    cells, left = shown_cells(image.shape)
    flat = solution["image"].value.ndim == 2
    labels = [
        f"{entry_name(named('image'), (i, j) if flat else (c, i, j))} = {number(image[c, i, j])} "
        f"× {named(step.deps[1])}{'' if flat else f'[{c + 1}]'}"
        for c, i, j in cells
    ]
    bias = next((f" + {named(dep)}" for dep in (*step.deps, *output.deps) if dep.startswith("bias")), "")
    cropped = output is not step
    labels.append(
        f"the sum, cropped{bias}: {named(output.name)}" if cropped else f"the sum{bias} = {named(output.name)}"
    )
    grid = grids.layout(0, 0, planes_of(grown))
    # A panel is as wide as its grid or its label (this label's characters are about half an em wide).
    panel_w = max(grid.width, 0.5 * 11 * max(map(len, labels))) + GAP
    panel_h = grid.height + 44
    panels = len(cells) + 1
    across = max(1, min(panels, int(ROW_WIDTH // panel_w)))
    down = -(-panels // across)
    drawing = Drawing(panel_w * across + GAP, panel_h * down + (30 if left else 10) + 24, title)
    drawing.text(8, 12, _placing(stride, dilation, padding, extra), size=11, anchor="start")
    for n, (c, i, j) in enumerate(cells):
        x, y = GAP / 2 + (n % across) * panel_w, 30 + (n // across) * panel_h
        value = image[c, i, j]
        copy = {
            (i * stride[0] + a * dilation[0], j * stride[1] + b * dilation[1]): value * kernel[c, a, b]
            for a in range(kernel.shape[1])
            for b in range(kernel.shape[2])
        }
        drawing.text(x, y + 6, labels[n], size=11, anchor="start")
        grids.draw(
            drawing, x, y + 18, planes_of(grown),
            fill=lambda cell, copy=copy: MARK if cell[1:] in copy else "white",
            text=lambda cell, copy=copy: number(copy[cell[1:]]) if cell[1:] in copy else "",
        )  # fmt: skip
    n = len(cells)
    x, y = GAP / 2 + (n % across) * panel_w, 30 + (n // across) * panel_h
    drawing.text(x, y + 6, labels[-1], size=11, anchor="start")
    _sum(drawing, x, y + 18, grown, full.shape, padding, cropped=cropped)
    if left:
        drawing.text(GAP / 2, drawing.height - 14, f"… {left:,} more input cells, each laying its copy", anchor="start")
    return drawing


def _sum(drawing: Drawing, x: float, y: float, grown: np.ndarray, full: Pair, padding: Pair, *, cropped: bool) -> None:
    """The copies added up; a cropped output framed within it, the crop shaded and output padding's cells dashed."""
    height, width = grown.shape
    kept = ((padding[0], padding[1]), (height - padding[0] - 1, width - padding[1] - 1))

    def fill(cell: grids.Cell) -> str:
        (top, left), (bottom, right) = kept
        return "white" if top <= cell[1] <= bottom and left <= cell[2] <= right else PADDING

    grid = grids.draw(drawing, x, y, planes_of(grown), fill=fill)
    for r in range(height):
        for q in range(width):
            corner = grid.at((0, r, q))
            if corner is not None and (r >= full[0] or q >= full[1]):
                drawing.rect(*corner, grid.cell, CELL, stroke=KEY, dashed=True)
    if cropped:
        grids.outline(drawing, grid, (0, *kept[0]), (0, *kept[1]), stroke=KEY)
