"""A dense network as the notes draw it: layers of nodes, weighted edges, values on the nodes.

The layers are read from the weight steps ``W1, W2, …`` (shape units × inputs,
one more input when the bias is folded into column 0 as seed 004 does: then a
constant-1 node heads the layer).  A single neuron (``w``, ``b``) is a network
of one layer.  In the key the nodes carry their forward values and deltas and
the edges their gradients.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from solver.graph.values import format_number
from solver.render.figures.figure import Figure
from solver.render.figures.names import namer
from solver.render.figures.place import Box, Spot, Taken, text_box
from solver.render.figures.svg import FAINT, KEY, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution


@dataclass(frozen=True)
class Layer:
    """One column of nodes: its name, the node values (None when not shown) and their deltas."""

    name: str
    values: list[float | None]
    deltas: list[float | None]
    constant_one: bool = False


@dataclass(frozen=True)
class Edges:
    weights: np.ndarray
    gradients: np.ndarray | None


def network(solution: Solution, key: bool) -> list[Figure]:
    found = _layers(solution, key)
    if found is None:
        return []
    layers, edges = found
    caption = "The network: " + " → ".join(layer.name for layer in layers)
    caption += ", with the forward values and, in red, the deltas and gradients" if key else ", with its weights"
    return [Figure("network", caption, _draw(layers, edges, caption))]


def _vector(value: Any) -> list[float]:
    return [float(v) for v in np.ravel(np.asarray(value, dtype=float))]


def _layers(solution: Solution, key: bool) -> tuple[list[Layer], list[Edges]] | None:
    """The layers and the edges between them, or None for a network this figure cannot read."""
    steps = solution.steps
    # Several training examples: the first one is drawn (x_e1, z1_e1, …).
    tag = "" if "x" in steps else "_e1" if "x_e1" in steps else None
    if tag is None:
        return None
    named = namer(solution.notation)

    def shown(name: str) -> list[float] | None:
        known = name in steps and (key or steps[name].is_given) and _numeric(steps[name].value)
        return _vector(steps[name].value) if known else None

    if solution.kind == "neuron":
        weights = [("w", "b")]
    else:
        weights = []
        while f"W{len(weights) + 1}" in steps:
            n = len(weights) + 1
            weights.append((f"W{n}", f"b{n}"))
    if not weights or not all(_numeric(steps[name].value) for name in ("x" + tag, *(w for w, _ in weights))):
        return None  # a symbolic exercise: its figure is the computation graph
    inputs = _vector(steps["x" + tag].value)
    layers: list[Layer] = []
    edges: list[Edges] = []
    previous = ("x" + tag, inputs)
    for n, (w_name, _bias) in enumerate(weights, 1):
        matrix = np.atleast_2d(np.asarray(steps[w_name].value, dtype=float))
        folded = matrix.shape[1] == len(previous[1]) + 1
        values = _or_blank(shown(previous[0]), len(previous[1]))
        deltas = _or_blank(shown(f"delta{n - 1}{tag}") if n > 1 else None, len(previous[1]))
        layers.append(Layer(named(previous[0]), values, deltas, folded))
        grad_name = f"dL/d{w_name}{tag}"
        gradients = (
            np.atleast_2d(np.asarray(steps[grad_name].value, dtype=float)) if key and grad_name in steps else None
        )
        edges.append(Edges(matrix, gradients))
        last = n == len(weights)
        out_name = ("a" if solution.kind == "neuron" else "y_hat") + tag if last else f"a{n}{tag}"
        previous = (out_name, [0.0] * matrix.shape[0])
    out_delta = f"delta{len(weights)}{tag}"
    layers.append(
        Layer(
            named(previous[0]),
            _or_blank(shown(previous[0]), len(previous[1])),
            _or_blank(shown(out_delta), len(previous[1])),
        )
    )
    return layers, edges


def _numeric(value: Any) -> bool:
    return np.asarray(value).dtype.kind in "iuf"


def _or_blank(values: list[float] | None, count: int) -> list[float | None]:
    return list(values) if values is not None and len(values) == count else [None] * count


COLUMN = 240
ROW = 70
RADIUS = 22


def _draw(layers: list[Layer], edges: list[Edges], title: str) -> Drawing:
    rows = max(len(layer.values) + layer.constant_one for layer in layers)
    drawing = Drawing(COLUMN * len(layers), ROW * rows + 70, title)
    centres = [_centres(layer, n, rows) for n, layer in enumerate(layers)]
    taken = Taken(COLUMN)
    for x, y in (point for points in centres for point in points):
        taken.add(Box(x - RADIUS, y - RADIUS, x + RADIUS, y + RADIUS))
    for n, edge in enumerate(edges):
        sources, targets = centres[n], centres[n + 1][layers[n + 1].constant_one :]
        for i, (tx, ty) in enumerate(targets):
            for j, (sx, sy) in enumerate(sources):
                drawing.line(sx + RADIUS, sy, tx - RADIUS, ty, stroke=FAINT)
                lines = [format_number(edge.weights[i, j])]
                if edge.gradients is not None:
                    lines.append(format_number(edge.gradients[i, j]))
                spot = taken.first_free(
                    _along((sx + RADIUS, sy), (tx - RADIUS, ty), i, len(targets)),
                    lambda spot, lines=lines: text_box(spot[0], spot[1] - 0.5, lines, 10, 13),
                )
                drawing.text(spot[0], spot[1] - 7, lines[0], size=10)
                if len(lines) > 1:
                    drawing.text(spot[0], spot[1] + 6, lines[1], size=9, fill=KEY)
    for layer, points in zip(layers, centres, strict=True):
        x = points[0][0]
        drawing.text(x, 18, layer.name, size=13)
        if layer.constant_one:
            drawing.circle(*points[0], RADIUS, fill="#eee")
            drawing.text(*points[0], "1")
        for (cx, cy), value, delta in zip(points[layer.constant_one :], layer.values, layer.deltas, strict=True):
            drawing.circle(cx, cy, RADIUS)
            drawing.text(cx, cy, format_number(value) if value is not None else "", size=10)
            if delta is not None:
                drawing.text(cx, cy + RADIUS + 9, f"δ {format_number(delta)}", size=9, fill=KEY)
    return drawing


def _along(start: Spot, end: Spot, target: int, targets: int) -> Iterator[Spot]:
    """Points along an edge for its labels, best first.

    First each target's own distance, so that the labels of edges crossing towards different targets part;
    then any distance from the middle outwards, on the edge or a little above or below it.
    """
    first = 0.15 + 0.6 * (target + 0.5) / targets
    others = sorted((k / 20 for k in range(2, 19)), key=lambda along: abs(along - 0.5))
    for along, shift in [(first, 0), *((a, s) for s in (0, -9, 9) for a in others)]:
        yield start[0] + (end[0] - start[0]) * along, start[1] + (end[1] - start[1]) * along + shift


def _centres(layer: Layer, column: int, rows: int) -> list[tuple[float, float]]:
    count = len(layer.values) + layer.constant_one
    top = 45 + (rows - count) * ROW / 2
    return [(COLUMN * column + COLUMN / 2, top + ROW * i + ROW / 2) for i in range(count)]
