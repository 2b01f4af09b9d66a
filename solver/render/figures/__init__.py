"""Figures drawn from a solution's step graph, as SVG or TikZ.

``figures(solution, key=...)`` picks the drawings that fit the solution's
kind (one table, ``DRAWERS``) and always adds the computation graph of its
steps.  With ``key=False`` a figure shows the given data only: no computed
value, no gradient, nothing a student is asked for.  Every name shown goes
through the problem's ``notation``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from solver.render.figures.figure import Figure

if TYPE_CHECKING:
    from solver.graph.steps import Solution

__all__ = ["Figure", "figures"]


Drawer = Callable[["Solution", bool], list[Figure]]


def _drawers() -> dict[str, list[Drawer]]:
    from solver.render.figures import circuit, dense, graph, maps, norm, padding, recurrent_cells, rnn, scatter, stack

    return {
        "neuron": [dense.network],
        "mlp": [dense.network],
        "conv": [maps.windows],
        "pool": [maps.windows],
        "conv-transpose": [scatter.scattered],
        "conv1d": [maps.windows],
        "pool1d": [maps.windows],
        "pad": [padding.bordered],
        "batchnorm": [norm.normalized],
        "layernorm": [norm.normalized],
        "dropout": [norm.dropped],
        "conv-stack": [stack.column],
        "rnn": [rnn.unrolled],
        "lstm": [recurrent_cells.lstm],
        "gru": [recurrent_cells.gru],
        "graph": [circuit.circuit],
        "*": [graph.computation],
    }


def figures(solution: Solution, *, key: bool) -> list[Figure]:
    """The figures of ``solution``: its kind's own, then its computation graph."""
    table = _drawers()
    drawn: list[Figure] = []
    for draw in (*table.get(solution.kind, []), *table["*"]):
        drawn += draw(solution, key)
    return drawn
