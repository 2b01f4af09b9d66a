"""An RNN unrolled over time, and in the key the BPTT paths of the gradient the problem asks for.

One column per time step: x_t → h_t → ŷ_t, and h_{t−1} → h_t along the row of
hidden states, each edge named by the weights it multiplies (in the course's
notation).  The paths are the rnn kind's own: its steps ``dL/dW_path{t}``,
one per use of W, which the figure reads from the solution and does not work
out again.  In the key each use of W that starts a path is drawn in red, and
under the network one lane per path runs back from the loss through the hidden
states to the step where that use is, with the path term's value.  The
handout draws the network and its weights' names: no value, no path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from solver.graph.names import split_entry
from solver.graph.values import format_value
from solver.render.figures.figure import Figure
from solver.render.figures.names import namer
from solver.render.figures.svg import FAINT, INK, KEY, Drawing

if TYPE_CHECKING:
    from collections.abc import Callable

    from solver.graph.steps import Solution

#: The weights whose gradient the rnn kind works path by path; the recurrent ones unless another is asked.
PATH_WEIGHTS = ("W_h", "W_x")
COLUMN, RADIUS, LANE = 100, 19, 24
Y_LOSS, Y_OUT, Y_HIDDEN, Y_IN = 28, 100, 190, 280
#: Longer values than this are left to the worked steps: a figure shows numbers, not vectors.
SHORT = 12
_PATH = re.compile(r"dL/d(W_[a-z])(?:_path\d+)?")
#: The mark of a batch's first example in its steps' names (h2_ex1, dL_ex1/dW_h), and of any example.
_FIRST_EXAMPLE = re.compile(r"_ex1(?!\d)")
_ANY_EXAMPLE = re.compile(r"_ex\d+")


@dataclass(frozen=True)
class PathTerm:
    """One BPTT term of the solution: its step's name, the time step where W is used, and its value."""

    name: str
    step: int
    value: str


def unrolled(solution: Solution, key: bool) -> list[Figure]:
    batch = is_batch(solution)
    if batch:
        solution = first_example(solution)
    steps = _time_steps(solution)
    if steps == 0:
        return []
    named = namer(solution.notation)
    weights = _asked_weights(solution)
    paths = _paths(solution, weights) if key else []
    caption = "The first example of the batch: the RNN" if batch else "The RNN"
    caption += f" unrolled over {steps} time steps, each edge named by the weights it multiplies"
    if key:
        caption += (
            f"; in red, the {len(paths)} BPTT paths of {named('dL/d' + weights)}, one per use of {named(weights)}:"
            f" each runs back from {_the_loss(named)} to the step where {named(weights)} is used"
        )
    drawing = Drawing(COLUMN * (steps + 1) + 90, Y_IN + 40 + LANE * len(paths), caption)
    _network(drawing, solution, steps, named, key, weights)
    for lane, path in enumerate(paths):
        _lane(drawing, path, steps, Y_IN + 50 + LANE * lane, named)
    return [Figure("unrolled", caption, drawing)]


def is_batch(solution: Solution) -> bool:
    """Whether the solution works a batch of sequences (its steps named per example: h1_ex1, ...)."""
    return "h1" not in solution and "h1_ex1" in solution


def first_example(batch: Solution) -> Solution:
    """A batch's first example under the names of one sequence (h2_ex1 -> h2), with the shared weights."""
    from solver.graph.steps import Solution

    example = Solution(batch.kind, batch.title, batch.notation)
    for step in batch:
        name = _FIRST_EXAMPLE.sub("", step.name)
        if name != step.name or (step.is_given and not _ANY_EXAMPLE.search(name)):
            example.steps[name] = replace(step, name=name)  # a view to draw from, never worked again
    return example


def _the_loss(named: Callable[[str], str]) -> str:
    return "the loss" if named("loss") == "loss" else named("loss")


def _time_steps(solution: Solution) -> int:
    steps = 0
    while f"h{steps + 1}" in solution:
        steps += 1
    return steps


def _asked_weights(solution: Solution) -> str:
    """The weights whose paths are drawn: the first asked gradient (or path term) that the kind works path by path."""
    for reference in solution.asked:
        found = _PATH.fullmatch(split_entry(reference)[0])
        if found and found[1] in PATH_WEIGHTS:
            return found[1]
    return PATH_WEIGHTS[0]


def _paths(solution: Solution, weights: str) -> list[PathTerm]:
    """The path terms the solution lists for ``weights``, in its order (the last time step first)."""
    prefix = f"dL/d{weights}_path"
    return [
        PathTerm(step.name, int(step.name.removeprefix(prefix)), _short(step.value))
        for step in solution
        if step.name.startswith(prefix)
    ]


def _short(value: object) -> str:
    text = format_value(value)
    return text if len(text) <= SHORT else ""


def _x(t: int) -> float:
    return 40 + COLUMN * t


def _network(
    drawing: Drawing, solution: Solution, steps: int, named: Callable[[str], str], key: bool, weights: str
) -> None:
    outputs = [t for t in range(1, steps + 1) if f"y_hat{t}" in solution] or [steps]
    loss_x = sum(map(_x, outputs)) / len(outputs)
    for t in range(1, steps + 1):
        # Each use of the asked weights is where one path ends: drawn in red in the key.
        _edge(drawing, (_x(t - 1), Y_HIDDEN), (_x(t), Y_HIDDEN), named("W_h"), key and weights == "W_h")
        _edge(drawing, (_x(t), Y_IN), (_x(t), Y_HIDDEN), named("W_x"), key and weights == "W_x")
    for t in outputs:
        _edge(drawing, (_x(t), Y_HIDDEN), (_x(t), Y_OUT), named("W_y"), False)
        drawing.line(_x(t), Y_OUT - RADIUS, loss_x, Y_LOSS + 12, stroke=FAINT, arrow=True)
    drawing.text(loss_x, Y_LOSS, named("loss"), size=12)
    prediction = "y_hat" if "y_hat" in solution else "y_hat{t}"
    for t in range(steps + 1):
        _node(drawing, solution, (_x(t), Y_HIDDEN), f"h{t}", named, key)
        if t:
            _node(drawing, solution, (_x(t), Y_IN), f"x{t}", named, True)
    for t in outputs:
        _node(drawing, solution, (_x(t), Y_OUT), prediction.format(t=t), named, key)


def _edge(drawing: Drawing, start: tuple[float, float], end: tuple[float, float], weights: str, on_path: bool) -> None:
    """An edge between two nodes' rims, its weights' name beside its middle."""
    (x1, y1), (x2, y2) = start, end
    across = x1 != x2
    trim = (RADIUS, 0) if across else (0, -RADIUS)
    drawing.line(x1 + trim[0], y1 + trim[1], x2 - trim[0], y2 - trim[1], stroke=KEY if on_path else INK, arrow=True)
    middle = ((x1 + x2) / 2, (y1 + y2) / 2 - 9) if across else (x1 + 8, (y1 + y2) / 2)
    drawing.text(*middle, weights, size=11, anchor="middle" if across else "start", fill=KEY if on_path else INK)


def _node(
    drawing: Drawing,
    solution: Solution,
    centre: tuple[float, float],
    name: str,
    named: Callable[[str], str],
    shown: bool,
) -> None:
    """A node with its name; its value beside it where the figure may show it and it is short."""
    drawing.circle(*centre, RADIUS, fill="#eef3fb" if solution[name].is_given else "white")
    drawing.text(*centre, named(name), size=11 if len(named(name)) <= 4 else 9)
    value = _short(solution[name].value) if shown or solution[name].is_given else ""
    if value:
        x, y = centre[0] + RADIUS * 0.6, centre[1] + RADIUS + 7  # below on the right, clear of the edge into it
        drawing.text(x, y, value, size=9, anchor="start", fill=_ink(solution, name))


def _ink(solution: Solution, name: str) -> str:
    return INK if solution[name].is_given else KEY


def _lane(drawing: Drawing, path: PathTerm, steps: int, y: float, named: Callable[[str], str]) -> None:
    """One path, back from the loss (right) through h_T … h_t to the use of W at step t (left)."""
    drawing.line(_x(steps) + COLUMN / 2, y, _x(path.step), y, stroke=KEY, arrow=True)
    for t in range(path.step, steps + 1):
        drawing.circle(_x(t), y, 3, fill=KEY, stroke=KEY)
    drawing.text(_x(path.step) - 8, y, named(path.name), size=10, anchor="end", fill=KEY)
    if path.value:
        drawing.text(_x(steps) + COLUMN / 2 + 6, y, path.value, size=10, anchor="start", fill=KEY)
