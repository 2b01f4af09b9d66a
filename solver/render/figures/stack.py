"""A conv stack as a column of boxes: each layer with its output shape and its parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.graph.names import rename
from solver.graph.values import format_value
from solver.render.figures.figure import Figure
from solver.render.figures.svg import KEY, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution

BOX_W, BOX_H, STEP = 360, 34, 52


def column(solution: Solution, key: bool) -> list[Figure]:
    layers = [s for s in solution if s.name.startswith("out") and s.name[3:].isdigit()]
    if "input" not in solution.steps or not layers:
        return []
    caption = "The stack, layer by layer" + (": output shapes and parameters" if key else "")
    drawing = Drawing(BOX_W + 40, STEP * (len(layers) + 1) + 10, caption)
    rows = [(rename("input", solution.notation), format_value(solution["input"].value), None)]
    for step in layers:
        params = solution.steps.get("params" + step.name[3:])
        rows.append(
            (
                step.title,
                format_value(step.value) if key else "?",
                format_value(params.value) if key and params is not None else None,
            )
        )
    for n, (title, shape, params) in enumerate(rows):
        y = 10 + n * STEP
        drawing.rect(20, y, BOX_W, BOX_H, fill="#f7f7f7")
        drawing.text(30, y + BOX_H / 2, title[:48], size=11, anchor="start")
        drawing.text(BOX_W + 10, y + BOX_H / 2 - (6 if params else 0), shape, size=12, anchor="end")
        if params:
            drawing.text(BOX_W + 10, y + BOX_H / 2 + 9, f"{params} params", size=9, anchor="end", fill=KEY)
        if n:
            drawing.line(20 + BOX_W / 2, y - STEP + BOX_H, 20 + BOX_W / 2, y, arrow=True)
    return [Figure("stack", caption, drawing)]
