"""Kind ``dropout``: inverted dropout with a given mask, forward and backward.

A unit is kept where the mask is 1 and dropped where it is 0; the kept values
are scaled by 1/(1 − p) during training (inverted dropout, as PyTorch's
``Dropout``), so that nothing changes at test time, where dropout passes its
input through.  The gradient flows back through the same mask and scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from solver.files.matrices import MatrixData
from solver.graph.arrays import ArraySteps
from solver.graph.blocks import Grid, Sentence
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Variant
from solver.kinds import GIVEN_CONFIG
from solver.kinds.norm.normalize import read_like, read_matrix

KIND = "dropout"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    x: MatrixData
    """The input: a vector, a batch (an example per row) or C × H × W maps."""
    mask: MatrixData
    """Which units are kept (1) and dropped (0), the shape of x."""
    p: float
    """Probability of dropping a unit, at least 0 and less than 1."""
    dL_dy: MatrixData | None = None
    """Upstream gradient dL/dy, the shape of x: with it, dL/dx follows."""


def solve(given: Given, title: str | None = None) -> Solution:
    if not 0 <= given.p < 1:
        raise InputError(
            f"p must be at least 0 and less than 1 (the probability of dropping), got {given.p}", field="p"
        )
    x = read_matrix(given.x, "x")
    mask = read_like(given.mask, "mask", x.shape, "the shape of x")
    if not np.isin(mask, (0.0, 1.0)).all():
        odd = mask[~np.isin(mask, (0.0, 1.0))][0]
        raise InputError(f"mask holds {odd:g}; expected only 0 (dropped) and 1 (kept)", field="mask")
    kept = int(mask.sum())
    solution = Solution(KIND, title or f"Inverted dropout with p = {given.p:g}: {kept} of {mask.size} units kept")
    steps = ArraySteps(solution)
    steps.given("x", "input", x)
    steps.given("mask", "mask (1 kept, 0 dropped)", mask)
    steps.given("p", "probability of dropping a unit", np.array(given.p))
    steps.add(
        "scale",
        "scale of the kept units",
        ("p",),
        lambda p: 1 / (1 - p),
        Template("1/(1 − {p})", r"\frac{1}{1 - {p}}"),
        mistakes=[
            Variant(
                "scaled_by_keep_probability",
                "Inverted dropout divides by the keep probability 1 − p; it does not multiply by it.",
                lambda p: 1 - p,
            )
        ],
    )
    steps.add(
        "y",
        "output during training",
        ("x", "mask", "scale"),
        lambda x, mask, scale: x * mask * scale,
        Template("{x} ⊙ {mask}·{scale}"),
        detail=[
            Sentence(
                "At test time dropout passes x through unchanged: scaling the kept units by 1/(1 − p) "
                "during training already keeps each unit's expected value."
            )
        ],
        mistakes=[
            Variant(
                "not_scaled",
                "Inverted dropout scales the kept units by 1/(1 − p) during training, not at test time.",
                lambda x, mask, scale: x * mask,
            )
        ],
    )
    _draw_mask(solution, x, mask)
    if given.dL_dy is not None:
        steps.given("dL/dy", "upstream gradient", read_like(given.dL_dy, "dL_dy", x.shape, "the shape of x"))
        steps.add(
            "dL/dx",
            "gradient of the input: through the same mask and scale",
            ("dL/dy", "mask", "scale"),
            lambda dy, mask, scale: dy * mask * scale,
            Template("{dL/dy} ⊙ {mask}·{scale}"),
            mistakes=[
                Variant(
                    "gradient_not_masked",
                    "A dropped unit passed nothing forward, so no gradient flows back to it: dL/dx is masked too.",
                    lambda dy, mask, scale: dy * scale,
                )
            ],
        )
    return solution


def _draw_mask(solution: Solution, x: np.ndarray, mask: np.ndarray) -> None:
    """The input with its kept units marked, beside the output: a vector is drawn as one row."""
    as_grid = (1, -1) if x.ndim == 1 else x.shape
    kept = tuple(tuple(int(i) for i in cell) for cell in np.argwhere(mask.reshape(as_grid) == 1))
    step = solution["y"]
    step.views = (
        Grid("{x}", x.reshape(as_grid), kept, "[ ] the kept units (mask 1)"),
        Grid("{y}", np.asarray(step.value, dtype=float).reshape(as_grid)),
    )
