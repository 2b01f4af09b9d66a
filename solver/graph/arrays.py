"""Adding steps whose values are NumPy arrays, shown as plain numbers where one entry is all there is.

A kind computes with arrays of fixed shapes; a person (or a grader putting in
a student's values) writes ``0.54`` for a one-entry vector and ``[[1, 2]]``
for a matrix.  ``ArraySteps`` wraps each compute function so that its inputs
are reshaped to the shapes the steps had when first computed, and its result
is shown as a number when it has one entry (every value of a one-unit
network, as seed 000 writes the scalar weight w).  Vectors are 1-D inside;
those that ``is_row`` names are shown as 1×n rows (the row convention's
``x_t W_x``, or a gradient chained left to right), the others as columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from solver.graph.blocks import Block
from solver.graph.formula import Formula
from solver.graph.steps import Noted, Solution, Step, Variant


class ArraySteps:
    def __init__(self, solution: Solution, is_row: Callable[[str], bool] = lambda name: False):
        self.solution = solution
        self.is_row = is_row
        #: The shape each step's value has inside the computations.
        self.shapes: dict[str, tuple[int, ...]] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.solution

    def present(self, name: str, value: np.ndarray) -> Any:
        """A plain number for one entry (ŷ of one output, anything in a scalar network); a row if ``is_row``."""
        value = value + 0.0  # −0.0 (e.g. 0 times a negative) prints as 0
        if value.size == 1:
            return float(value.reshape(-1)[0])
        return value.reshape(1, -1) if value.ndim == 1 and self.is_row(name) else value

    def given(self, name: str, title: str, value: np.ndarray) -> None:
        self.shapes[name] = value.shape
        self.solution.given(name, title, self.present(name, value))

    def numeric(self, name: str, deps: Sequence[str], fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` on arrays of the deps' shapes, its result presented (a ``Noted`` keeps its note)."""

        def compute(*values: Any) -> Any:
            arrays = [np.asarray(v, dtype=float).reshape(self.shapes[d]) for d, v in zip(deps, values, strict=True)]
            result = fn(*arrays)
            noted = result if isinstance(result, Noted) else Noted(result, None)
            array = np.asarray(noted.value, dtype=float)
            self.shapes.setdefault(name, array.shape)
            shown = self.present(name, array)
            return Noted(shown, noted.note) if noted.note else shown

        return compute

    def add(
        self,
        name: str,
        title: str,
        deps: tuple[str, ...],
        fn: Callable[..., Any],
        formula: Formula,
        *,
        detail: list[Block] | None = None,
        mistakes: Sequence[Variant] = (),
    ) -> None:
        """Add a step computed by ``fn`` on arrays; ``mistakes`` are variants computed on arrays too."""
        variants = tuple(
            Variant(v.name, v.feedback, self.numeric(name, v.deps or deps, v.compute), v.deps) for v in mistakes
        )
        compute = self.numeric(name, deps, fn)
        self.solution.add(
            Step(name, title, deps=deps, compute=compute, formula=formula, detail=detail or [], variants=variants)
        )
