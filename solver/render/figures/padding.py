"""Padding on its own: the map framed inside the padded grid, each border cell coloured as the cell it copies.

Reflect and replicate padding fill the border with the map's own cells: a border
cell has the colour of the map cell it comes from (mirrored about the edge, or
the edge repeated), so where each came from reads at a glance.  Zero padding's
border is shaded grey.  The values are the ``padded`` step's own; the mode is
the one its title names.  The handout draws the given map only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.math.windows import PAD_MODE_WORDS
from solver.render.figures import grids
from solver.render.figures.figure import Figure
from solver.render.figures.grids import GAP, planes_of
from solver.render.figures.maps import given_maps, given_pair
from solver.render.figures.names import namer
from solver.render.figures.svg import INK, PADDING, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution

#: Light colours, one per map cell (repeating on a map of more cells), each dark enough to see in grey print.
SOURCE_COLOURS = (
    "#fde2a7", "#bfdcf2", "#cfe8b8", "#f5c0c0", "#dccdf0", "#c2ebe4", "#f7d2ae", "#e3e39c", "#f2c9e6",
)  # fmt: skip


def source_index(index: int, before: int, length: int, mode: str) -> int | None:
    """The map's index a padded index copies along one axis (its own inside the map); None for a zero."""
    inside = index - before
    if 0 <= inside < length:
        return inside
    if mode == "zero":
        return None
    if mode == "reflect":
        return -inside if inside < 0 else 2 * (length - 1) - inside
    return min(max(inside, 0), length - 1)


def bordered(solution: Solution, key: bool) -> list[Figure]:
    named = namer(solution.notation)
    if not key:
        return given_maps(solution, named)
    step = solution["padded"]
    mode = step.title.split()[0]
    mode = mode if mode in PAD_MODE_WORDS else "zero"
    padded, size = planes_of(step.value), planes_of(solution["map"].value).shape[1:]
    before = given_pair(solution, "P", 0)

    def source(cell: grids.Cell) -> tuple[int, int] | None:
        found = [source_index(i, b, n, mode) for i, b, n in zip(cell[1:], before, size, strict=True)]
        return None if None in found else (found[0], found[1])  # type: ignore[return-value]

    def fill(cell: grids.Cell) -> str:
        copied = source(cell)
        return PADDING if copied is None else SOURCE_COLOURS[(copied[0] * size[1] + copied[1]) % len(SOURCE_COLOURS)]

    how = (
        "the border is zeros (shaded)"
        if mode == "zero"
        else "each border cell has the colour of the map cell it copies"
    )
    caption = f"{named('padded')}: {named('map')} (framed) with {mode} padding, {PAD_MODE_WORDS[mode]}; {how}"
    width = grids.layout(0, 0, padded).width
    drawing = Drawing(width + 2 * GAP, grids.layout(0, 0, padded).height + 44, caption)
    drawing.text(GAP / 2, 12, f"{named('padded')} = {mode} padding of {named('map')}", size=11, anchor="start")
    grid = grids.draw(drawing, GAP / 2, 28, padded, fill=fill)
    for channel in range(padded.shape[0]):
        last = (channel, before[0] + size[0] - 1, before[1] + size[1] - 1)
        grids.outline(drawing, grid, (channel, *before), last, stroke=INK)
    return [Figure("padding", caption, drawing)]
