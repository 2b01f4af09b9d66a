"""The steps of kinds ``softmax`` and ``svm``: a loss on raw class scores and its gradient dL/ds.

Both kinds take a row of scores (or a batch of rows), the true class of each row
(counted from 0, as CS231n and PyTorch count) and a reduction over the examples.
A single row is shown as vectors and numbers, a batch as matrices and vectors;
entries are addressed from 0 on every axis, like the targets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from solver.files.matrices import matrix_from_data
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Step, Variant
from solver.math import scores as sc
from solver.math.scores import reduction_slip

Array = np.ndarray
#: (per-example losses -> a step's value); what a loss step reduces with.
Reducer = Callable[[Array], float]


class Batch:
    """The scores as a matrix, the targets as integers, and how the examples are reduced."""

    def __init__(self, given: Any):
        scores = matrix_from_data(given.scores, "scores")
        if scores.ndim > 2 or scores.shape[-1] < 2:
            raise InputError(
                f"scores of shape {scores.shape}: expected a row of at least 2 class scores, or one row per example",
                field="scores",
            )
        self.single = scores.ndim == 1
        self.scores = sc.rows(scores)
        self.targets = _targets(given.target, *self.scores.shape)
        self.how = sc.reduction(given.reduction)

    @property
    def examples(self) -> int:
        return self.scores.shape[0]

    @property
    def origin(self) -> tuple[int, ...]:
        """Entries of a per-class value are counted from 0 on every axis, like the targets."""
        return (0,) * (1 if self.single else 2)

    def shown(self, value: Any) -> Any:
        """A per-row value as the given scores are written: a row of one example is a vector, one number a number."""
        value = np.asarray(value, dtype=float)
        if not self.single:
            return value
        return float(value.reshape(-1)[0]) if value.size == 1 else value.reshape(-1)

    def reduced(self, how: sc.Reduction) -> Reducer:
        return lambda per_example: sc.reduce(np.asarray(per_example, dtype=float), how)


def _targets(target: int | list[int], examples: int, classes: int) -> Array:
    """One class index per example, each in 0..classes − 1."""
    targets = np.atleast_1d(np.asarray(target, dtype=int))
    if targets.ndim != 1 or targets.size != examples:
        raise InputError(
            f"target gives {targets.size} class(es) for {examples} row(s) of scores; expected one class per row",
            field="target",
        )
    outside = (targets < 0) | (targets >= classes)
    if np.any(outside):
        raise InputError(
            f"target class {int(targets[outside][0])} does not exist; expected 0..{classes - 1} "
            f"(classes are counted from 0)",
            field="target",
        )
    return targets


def start(kind: str, batch: Batch, title: str) -> Solution:
    solution = Solution(kind, title)
    title = "scores" if batch.single else "scores, one row per example"
    solution.given("s", title, batch.shown(batch.scores), index_origin=batch.origin)
    solution.given(
        "y", "true class (counted from 0)", int(batch.targets[0]) if batch.single else batch.targets, index_origin=(0,)
    )
    return solution


def add_loss(solution: Solution, batch: Batch, per_example: Step, slips: tuple[Variant, ...] = ()) -> None:
    """The per-example losses (for a batch) and the loss L reduced over the examples.

    ``per_example`` computes the loss of every row; for one row it is L itself.
    ``slips`` are wrong rules of the per-example loss, named where it is computed.
    """
    reduce = batch.reduced(batch.how)
    if batch.single:
        solution.add(
            Step(
                "L",
                per_example.title,
                deps=per_example.deps,
                compute=lambda *values: reduce(per_example.compute(*values)),  # type: ignore[misc]
                formula=per_example.formula,
                variants=_reduced_variants(slips, reduce),
                note=per_example.note,
            )
        )
        return
    solution.add(
        Step(
            "L_i",
            per_example.title + ", example by example",
            deps=per_example.deps,
            compute=per_example.compute,
            formula=per_example.formula,
            variants=slips,
            note=per_example.note,
            index_origin=(0,),
        )
    )
    text, latex = (
        ("(1/N) Σ_i {L_i}", r"\frac{1}{N} \sum_i {L_i}") if batch.how == "mean" else ("Σ_i {L_i}", r"\sum_i {L_i}")
    )
    solution.add(
        Step(
            "L",
            f"loss, the {batch.how} over the {batch.examples} examples",
            deps=("L_i",),
            compute=reduce,
            formula=Template(text, latex),
            variants=(reduction_slip(batch.how == "mean", _reduced_either_way(batch), "The loss"),),
        )
    )


def _reduced_either_way(batch: Batch) -> Callable[..., Any]:
    """The examples' losses reduced by a mean or by a sum, as ``reduction_slip`` asks."""
    return lambda losses, mean: batch.reduced("mean" if mean else "sum")(losses)


def _reduced_variants(slips: tuple[Variant, ...], reduce: Reducer) -> tuple[Variant, ...]:
    """Wrong per-example rules, reduced as the right ones are."""
    return tuple(
        Variant(slip.name, slip.feedback, lambda *values, slip=slip: reduce(slip.compute(*values))) for slip in slips
    )


def add_gradient(
    solution: Solution,
    batch: Batch,
    deps: tuple[str, ...],
    per_example: Callable[..., Array],
    form: tuple[str, str],
    slips: tuple[Variant, ...] = (),
) -> None:
    """dL/ds: the gradient of each row's loss, times the row's share of the reduction (1/N for a mean)."""
    share = sc.share(batch.examples, batch.how)
    text, latex = form
    if share != 1:
        text, latex = f"({text}) / N", rf"\frac{{1}}{{N}} \left({latex}\right)"
    variants = [Variant(s.name, s.feedback, lambda *v, s=s: batch.shown(share * s.compute(*v))) for s in slips]
    if share != 1:
        variants.append(
            Variant(
                "mean_forgotten_in_gradient",
                "L is the mean over the N examples, so each row's gradient carries a factor 1/N; you left it out.",
                lambda *v: batch.shown(per_example(*v)),
            )
        )
    solution.add(
        Step(
            "dL/ds",
            "gradient of the loss with respect to the scores",
            deps=deps,
            compute=lambda *v: batch.shown(share * per_example(*v)),
            formula=Template(text, latex),
            variants=tuple(variants),
            index_origin=batch.origin,
        )
    )


#: Said on the loss when p_y is too small for a float, so that "−log 0 = 2000" does not read as a slip.
UNDERFLOW_NOTE = (
    "p_y is smaller than the smallest float, so it shows as 0: L is worked as log Σ_k e^(s_k − shift) − "
    "(s_y − shift), the same number, from the shifted scores"
)


def _cross_entropy(p: Array, y: Array, shifted: Array | None = None, total: Array | None = None) -> Array:
    """−log p_y of each row; where p_y is 0 in floats, the same number as log Σ_k e^(s_k − shift) − (s_y − shift)."""
    p_y = sc.true_class(p, y)
    if shifted is None or total is None:
        return -np.log(p_y)
    stable = np.log(np.reshape(total, np.shape(p_y))) - sc.true_class(shifted, y)
    return np.where(p_y > 0, -np.log(np.where(p_y > 0, p_y, 1.0)), stable)


def solve_softmax(kind: str, given: Any, title: str | None = None) -> Solution:
    batch = Batch(given)
    solution = start(kind, batch, title or "Softmax and cross-entropy on the scores")
    solution.add(
        Step("shift", "largest score (the shift)", deps=("s",), compute=lambda s: batch.shown(sc.row_max(s)),
             formula=Template("max_k {s}_k", r"\max_k {s}_k"))
    )  # fmt: skip
    solution.add(
        Step(
            "s_shifted",
            "scores minus their largest (softmax is unchanged, and e^s cannot overflow)",
            deps=("s", "shift"),
            compute=lambda s, m: batch.shown(sc.shifted(s, m)),
            formula=Template("{s} − {shift}"),
            index_origin=batch.origin,
        )
    )
    solution.add(
        Step("exp", "exponentials", deps=("s_shifted",), compute=lambda s: batch.shown(np.exp(s)),
             formula=Template("e^{s_shifted}", r"e^{{s_shifted}}"), index_origin=batch.origin)
    )  # fmt: skip
    solution.add(
        Step("sum_exp", "their sum", deps=("exp",), compute=lambda e: batch.shown(sc.rows(e).sum(axis=1)),
             formula=Template("Σ_k {exp}_k", r"\sum_k {exp}_k"))
    )  # fmt: skip
    solution.add(
        Step(
            "p",
            "softmax probabilities",
            deps=("exp", "sum_exp"),
            compute=lambda e, total: batch.shown(sc.rows(e) / np.reshape(total, (-1, 1))),
            formula=Template("{exp} / {sum_exp}", r"\frac{{exp}}{{sum_exp}}"),
            index_origin=batch.origin,
        )
    )
    # A p_y too small for a float (scores far apart) is worked from the shifted scores and their sum.
    underflow = bool(np.any(sc.true_class(solution["p"].value, batch.targets) == 0))
    cross_entropy = Step(
        "L",
        "cross-entropy loss −log p_y",
        deps=("p", "y", "s_shifted", "sum_exp") if underflow else ("p", "y"),
        compute=_cross_entropy,
        formula=Template("−log {p}_{y}", r"-\log {p}_{{y}}"),
        note=UNDERFLOW_NOTE if underflow else None,
    )
    log10 = Variant(
        "log10_instead_of_ln",
        "Cross-entropy uses the natural logarithm; you took log base 10 (CS231n's slide shows 0.89 this way).",
        lambda *values: _cross_entropy(*values) / np.log(10),
    )
    add_loss(solution, batch, cross_entropy, (log10,))
    add_gradient(
        solution,
        batch,
        ("p", "y"),
        lambda p, y: sc.rows(p) - sc.one_hot(y, batch.scores.shape[1]),
        ("{p} − onehot({y})", r"{p} - \operatorname{onehot}({y})"),
        (
            Variant(
                "p_instead_of_p_minus_y",
                "dL/ds = p − y: subtract 1 at the true class; you gave p alone.",
                lambda p, y: sc.rows(p),
            ),
        ),
    )
    return solution


def solve_svm(kind: str, given: Any, title: str | None = None) -> Solution:
    batch = Batch(given)
    if not given.margin > 0:
        raise InputError(f"margin {given.margin:g}: expected Δ > 0", field="margin")
    solution = start(kind, batch, title or "Multiclass SVM (hinge) loss on the scores")
    solution.given("delta", "margin Δ", given.margin)
    classes = batch.scores.shape[1]
    solution.add(
        Step(
            "margins",
            "margins max(0, s_j − s_y + Δ) of the other classes (0 at the true class)",
            deps=("s", "y", "delta"),
            compute=lambda s, y, d: batch.shown(sc.svm_margins(s, y, d)),
            formula=Template(
                "max(0, {s}_j − {s}_{y} + {delta}), j ≠ {y}", r"\max(0, {s}_j - {s}_{{y}} + {delta}),\ j \neq {y}"
            ),
            variants=(
                Variant(
                    "true_class_counted",
                    "The sum runs over j ≠ y: the true class's own term max(0, s_y − s_y + Δ) = Δ is left out.",
                    lambda s, y, d: batch.shown(np.maximum(0.0, sc.rows(s) - sc.true_class(s, y)[:, None] + d)),
                ),
            ),
            index_origin=batch.origin,
        )
    )
    hinge = Step(
        "L",
        "SVM loss Σ_{j≠y} margins",
        deps=("margins",),
        compute=lambda m: sc.rows(m).sum(axis=1),
        formula=Template("Σ_j {margins}_j", r"\sum_j {margins}_j"),
    )
    add_loss(solution, batch, hinge)
    add_gradient(
        solution,
        batch,
        ("margins", "y"),
        lambda m, y: sc.svm_gradient(m, y),
        (
            "[{margins} > 0] − onehot({y})·Σ_j [{margins}_j > 0]",
            r"[{margins} > 0] - \operatorname{onehot}({y}) \sum_j [{margins}_j > 0]",
        ),
        (
            Variant(
                "true_class_gradient_forgotten",
                "s_y appears in every violated margin with a minus sign: dL/ds_y is minus their count; you left it 0.",
                lambda m, y: (sc.rows(m) > 0).astype(float) * (1 - sc.one_hot(y, classes)),
            ),
        ),
    )
    return solution
