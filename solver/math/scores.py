"""Losses on raw class scores, one row of scores per example: softmax cross-entropy and the multiclass SVM.

``scores`` is a matrix (examples × classes) and ``targets`` the index of each row's
true class, counted from 0.  The per-example losses are reduced over the examples
as PyTorch's ``CrossEntropyLoss`` and ``MultiMarginLoss`` do: ``mean`` (their
default) or ``sum``.  The SVM is CS231n's: Σ_{j≠y} max(0, s_j − s_y + Δ), not
divided by the number of classes (PyTorch's ``MultiMarginLoss`` divides by it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np

from solver.graph.errors import InputError

if TYPE_CHECKING:
    from solver.graph.steps import Variant

Array = np.ndarray
Reduction = Literal["mean", "sum"]
REDUCTIONS: tuple[Reduction, ...] = ("mean", "sum")


def reduction(name: str, field: str = "reduction") -> Reduction:
    """A reduction's name, checked: ``mean`` or ``sum``."""
    key = name.strip().lower()
    if key not in REDUCTIONS:
        raise InputError(f"unknown reduction {name!r}; expected one of: {', '.join(REDUCTIONS)}", field=field)
    return cast(Reduction, key)


def reduction_slip(mean: bool, reduce: Callable[..., Any], what: str, over: str = "examples") -> Variant:
    """The named mistake of ``what`` (a batch's loss, a gradient) reduced the other way ``over`` its parts.

    ``reduce(*values, mean=...)`` reduces the step's values either way: the slip is the other
    way, summed where the problem averages or averaged where it sums.
    """
    from solver.graph.steps import Variant

    if mean:
        feedback = f"{what} is the mean over its {over} (1/n Σ); you added them up."
        return Variant("sum_instead_of_mean", feedback, lambda *v: reduce(*v, mean=False))
    feedback = f"{what} is the sum over its {over}; you averaged them."
    return Variant("mean_instead_of_sum", feedback, lambda *v: reduce(*v, mean=True))


def averages_examples(given: Any) -> bool:
    """Whether a network's several examples are combined by their mean: as its ``reduction`` says; unset,
    a batch (``batch: true``, or ``examples: N`` in symbols) takes their mean, examples one by one their sum."""
    if given.reduction is not None:
        return bool(given.reduction == "mean")
    return bool(given.batch or (given.symbolic and given.examples))


def share(examples: int, how: Reduction) -> float:
    """Each example's share of the reduced loss: 1/N for a mean over N examples, 1 for a sum."""
    return 1 / examples if how == "mean" else 1.0


def reduce(per_example: Array, how: Reduction) -> float:
    return float(np.sum(per_example) * share(np.size(per_example), how))


def rows(values: Array) -> Array:
    """A vector of scores as a matrix of one row; a matrix as it is."""
    return np.atleast_2d(np.asarray(values, dtype=float))


def one_hot(targets: Array, classes: int) -> Array:
    return (np.arange(classes) == np.reshape(targets, (-1, 1))).astype(float)


def row_max(scores: Array) -> Array:
    """Each row's largest score: the shift that keeps e^s from overflowing."""
    return rows(scores).max(axis=1)


def shifted(scores: Array, shift: Array) -> Array:
    return rows(scores) - np.reshape(shift, (-1, 1))


def probabilities(exponentials: Array) -> Array:
    """Each row divided by its sum."""
    exponentials = rows(exponentials)
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def true_class(values: Array, targets: Array) -> Array:
    """Each row's entry at its true class."""
    values = rows(values)
    return values[np.arange(values.shape[0]), np.reshape(targets, -1)]


def svm_margins(scores: Array, targets: Array, margin: float) -> Array:
    """max(0, s_j − s_y + Δ) for every class j ≠ y; 0 at the true class, which the sum leaves out."""
    scores = rows(scores)
    margins = np.maximum(0.0, scores - true_class(scores, targets)[:, None] + margin)
    return np.where(one_hot(targets, scores.shape[1]) == 1, 0.0, margins)


def svm_gradient(margins: Array, targets: Array) -> Array:
    """dL_i/ds: 1 for each class whose margin is violated, minus their count at the true class."""
    violated = (rows(margins) > 0).astype(float)
    return violated - one_hot(targets, violated.shape[1]) * violated.sum(axis=1, keepdims=True)
