"""Adding steps whose values are NumPy arrays, shown as plain numbers where one entry is all there is.

A kind computes with arrays of fixed shapes; a person (or a grader putting in
a student's values) writes ``0.54`` for a one-entry vector and ``[[1, 2]]``
for a matrix.  ``ArraySteps`` wraps each compute function so that its inputs
are reshaped to the shapes the steps had when first computed, and its result
is shown as a number when it has one entry (every value of a one-unit
network, as seed 000 writes the scalar weight w).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from solver.formula import Formula
from solver.steps import Noted, Solution, Step, Variant


class ArraySteps:
    def __init__(self, solution: Solution, scalar: bool):
        self.solution = solution
        #: Every value is one number (one input, one hidden unit, one output).
        self.scalar = scalar
        self.shapes: dict[str, tuple[int, ...]] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.solution

    def present(self, value: np.ndarray) -> Any:
        """A plain number for a one-entry vector (ŷ of one output), or for anything in a scalar network."""
        value = value + 0.0  # −0.0 (e.g. 0 times a negative) prints as 0
        return float(value.reshape(-1)[0]) if self.scalar or (value.size == 1 and value.ndim <= 1) else value

    def given(self, name: str, title: str, value: np.ndarray) -> None:
        self.shapes[name] = value.shape
        self.solution.given(name, title, self.present(value))

    def numeric(self, name: str, deps: Sequence[str], fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` on arrays of the deps' shapes, its result presented (a ``Noted`` keeps its note)."""

        def compute(*values: Any) -> Any:
            arrays = [np.asarray(v, dtype=float).reshape(self.shapes[d]) for d, v in zip(deps, values, strict=True)]
            result = fn(*arrays)
            noted = result if isinstance(result, Noted) else Noted(result, None)
            array = np.asarray(noted.value, dtype=float)
            self.shapes.setdefault(name, array.shape)
            return Noted(self.present(array), noted.note) if noted.note else self.present(array)

        return compute

    def add(
        self,
        name: str,
        title: str,
        deps: tuple[str, ...],
        fn: Callable[..., Any],
        formula: Formula,
        *,
        detail: list[str] | None = None,
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
