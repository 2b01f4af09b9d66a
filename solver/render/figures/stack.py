"""A conv stack as a column of boxes: each layer with its output shape and its parameters."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from solver.graph.values import format_value
from solver.render.figures.figure import Figure
from solver.render.figures.names import figure_name
from solver.render.figures.svg import KEY, PRINT_HEIGHT, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution

BOX_W, BOX_H, STEP = 360, 34, 52


def column(solution: Solution, key: bool) -> list[Figure]:
    """The layers top to bottom; a stack too tall for a page goes on in a second column (VGG-16's 26 rows),
    and one too tall for two in further figures."""
    layers = [s for s in solution if s.name.startswith("out") and s.name[3:].isdigit()]
    if "input" not in solution.steps or not layers:
        return []
    rows = [(figure_name("input", solution.notation), format_value(solution["input"].value), None)]
    for step in layers:
        params = solution.steps.get("params" + step.name[3:])
        rows.append(
            (
                step.title,
                format_value(step.value) if key else "?",
                format_value(params.value) if key and params is not None else None,
            )
        )
    # A page holds two columns of boxes; a deeper stack (MobileNet's 80 layers) goes on in further figures.
    per_column = max(1, int((PRINT_HEIGHT - 10) // STEP))
    pages = [rows[i : i + 2 * per_column] for i in range(0, len(rows), 2 * per_column)]
    caption = "The stack, layer by layer" + (": output shapes and parameters" if key else "")
    return [
        _page(page, f"stack-{n}" if n > 1 else "stack", _part_caption(caption, n, len(pages), len(page) > per_column))
        for n, page in enumerate(pages, start=1)
    ]


def _part_caption(caption: str, number: int, parts: int, two_columns: bool) -> str:
    if parts > 1:
        caption = caption if number == 1 else "The stack, continued"
        caption += f" (part {number} of {parts})"
    return caption + (", read down the left column, then the right" if two_columns else "")


def _page(rows: list[tuple[str, str, str | None]], name: str, caption: str) -> Figure:
    """Up to two columns of layer boxes, each column as tall as a printed page allows."""
    columns = math.ceil((STEP * len(rows) + 10) / PRINT_HEIGHT)
    per_column = math.ceil(len(rows) / columns)
    drawing = Drawing((BOX_W + 40) * columns, STEP * per_column + 10, caption)
    for n, (title, shape, params) in enumerate(rows):
        x, y = 20 + (BOX_W + 40) * (n // per_column), 10 + (n % per_column) * STEP
        drawing.rect(x, y, BOX_W, BOX_H, fill="#f7f7f7")
        drawing.text(x + 10, y + BOX_H / 2, title[:48], size=11, anchor="start")
        drawing.text(x + BOX_W - 10, y + BOX_H / 2 - (6 if params else 0), shape, size=12, anchor="end")
        if params:
            drawing.text(x + BOX_W - 10, y + BOX_H / 2 + 9, f"{params} params", size=9, anchor="end", fill=KEY)
        if n % per_column:
            drawing.line(x + BOX_W / 2, y - STEP + BOX_H, x + BOX_W / 2, y, arrow=True)
    return Figure(name, caption, drawing)
