"""The computation graph: every step a node, every dep an edge, columns by depth.

It is the backward pass's picture too: a gradient step's deps are the local
derivatives it multiplies.  The key writes each step's value under its name
when the value is one number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.graph.names import rename
from solver.graph.values import format_value
from solver.render.figures.figure import Figure
from solver.render.figures.svg import FAINT, KEY, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution

COLUMN, ROW, BOX_W, BOX_H = 150, 46, 120, 32


def computation(solution: Solution, key: bool) -> list[Figure]:
    shown = [step for step in solution if not step.in_table]  # a table shows a long run's later steps
    depth: dict[str, int] = {}
    for step in shown:  # steps come after their deps
        depth[step.name] = 1 + max((depth[d] for d in step.deps if d in depth), default=-1)
    columns: dict[int, list[str]] = {}
    for name, level in depth.items():
        columns.setdefault(level, []).append(name)
    caption = "The computation graph: each step with the steps it is computed from"
    drawing = Drawing(COLUMN * len(columns) + 20, ROW * max(map(len, columns.values())) + 20, caption)
    place = {
        name: (10 + COLUMN * level, 10 + ROW * row)
        for level, names in columns.items()
        for row, name in enumerate(names)
    }
    for step in shown:
        x, y = place[step.name]
        for dep in (d for d in step.deps if d in place):
            dx, dy = place[dep]
            drawing.line(dx + BOX_W, dy + BOX_H / 2, x, y + BOX_H / 2, stroke=FAINT, arrow=True)
    for step in shown:
        x, y = place[step.name]
        drawing.rect(x, y, BOX_W, BOX_H, fill="#eef3fb" if step.is_given else "white")
        value = format_value(step.value) if (key or step.is_given) and len(format_value(step.value)) <= 14 else ""
        drawing.text(
            x + BOX_W / 2, y + (10 if value else BOX_H / 2), rename(step.name, solution.notation)[:18], size=11
        )
        if value:
            drawing.text(x + BOX_W / 2, y + 23, value, size=10, fill=KEY if not step.is_given else "#222")
    return [Figure("graph", caption, drawing)]
