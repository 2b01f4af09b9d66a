"""The step graph of kind ``perceptron``: each example of each epoch, the rule's update, mistakes per epoch.

Step names carry the epoch and the example: ``z_2_3`` is w·x + b for example 3 in
epoch 2.  The weights and bias before example ``i`` are the previous example's
``w_e_i``/``b_e_i`` (``w_0``/``b_0`` at the start), so a student's own earlier
value carries forward through the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Noted, Solution, Step, Variant
from solver.graph.tables import Column, Table
from solver.kinds.dense.layers import shown, vector
from solver.math.limits import MAX_EXAMPLES, MAX_PERCEPTRON_PASSES, require_at_most

#: labels -> (the positive output, the negative output)
LABELS = {"binary": (1.0, 0.0), "bipolar": (1.0, -1.0)}
#: Up to this many examples an epoch's mistakes are counted term by term on the sheet.
SPELLED_OUT = 6


@dataclass(frozen=True)
class Unit:
    """The step activation: which outputs it gives, and which side z = 0 falls on."""

    positive: float
    negative: float
    fires_at_zero: bool

    def __call__(self, z: float) -> float:
        fires = z >= 0 if self.fires_at_zero else z > 0
        return self.positive if fires else self.negative

    @property
    def rule(self) -> str:
        """The threshold as the notes state it: ``1 if z ≥ 0 else 0``."""
        return f"{self.positive:g} if z {'≥' if self.fires_at_zero else '>'} 0 else {self.negative:g}"

    def other_side_at_zero(self) -> Unit:
        return Unit(self.positive, self.negative, not self.fires_at_zero)


def solve_training(kind: str, given: Any, title: str | None = None) -> Solution:
    xs, ys = _examples(given)
    inputs = xs[0].size
    weights = np.zeros(inputs) if given.w is None else vector(given.w)
    if weights.size != inputs:
        raise InputError(f"w has {weights.size} entries but each example has {inputs} inputs", field="w")
    if given.learning_rate <= 0:
        raise InputError(f"learning_rate {given.learning_rate:g}; expected a positive number", field="learning_rate")
    if given.max_epochs < 1:
        raise InputError(f"max_epochs {given.max_epochs}; expected 1 or more", field="max_epochs")
    require_at_most(given.max_epochs * len(xs), MAX_PERCEPTRON_PASSES, "epochs × examples", field="max_epochs")
    unit = Unit(*LABELS[given.labels], given.fires_at_zero)
    solution = Solution(kind, title or "A perceptron trained by the perceptron learning rule")
    solution.given("eta", "learning rate η", given.learning_rate)
    solution.given("w_0", "initial weights", shown(weights))
    with_bias = given.b != "none"
    if with_bias:
        solution.given("b_0", "initial bias", float(given.b))
    for i, (x, y) in enumerate(zip(xs, ys, strict=True), start=1):
        solution.given(f"x_{i}", f"input of example {i}", shown(x))
        solution.given(f"y_{i}", f"label of example {i}", y)
    _train(solution, unit, len(xs), with_bias, given.max_epochs)
    return solution


def _examples(given: Any) -> tuple[list[np.ndarray], list[float]]:
    if not given.x:
        raise InputError("expected at least one example", field="x")
    require_at_most(len(given.x), MAX_EXAMPLES, "the number of examples", field="x")
    xs = [vector(x) for x in given.x]
    for i, x in enumerate(xs, start=1):
        if x.size != xs[0].size:
            raise InputError(
                f"example {i} has {x.size} inputs but example 1 has {xs[0].size}; expected the same number",
                field=f"x.{i - 1}",
            )
    if len(given.y) != len(xs):
        raise InputError(f"{len(xs)} examples but {len(given.y)} labels; expected one label each", field="y")
    allowed = LABELS[given.labels]
    for i, y in enumerate(given.y, start=1):
        if float(y) not in allowed:
            expected = f"expected {_labels_text(given.labels, ' or ')} (labels: {given.labels})"
            other = next(name for name in LABELS if name != given.labels)
            # Labels of the other convention are the common slip (±1 data left at the default, binary).
            if _fit(given.y, other):
                expected += f"; the labels are {_labels_text(other)}, so expected labels: {other}"
            raise InputError(f"label {y:g} of example {i}; {expected}", field=f"y.{i - 1}")
    return xs, [float(y) for y in given.y]


def _labels_text(labels: str, joined: str = "/") -> str:
    return joined.join(f"{value:g}" for value in LABELS[labels])


def _fit(ys: list[float], labels: str) -> bool:
    return all(float(y) in LABELS[labels] for y in ys)


def _train(solution: Solution, unit: Unit, count: int, with_bias: bool, max_epochs: int) -> None:
    """Epoch after epoch until one has no mistake or the bound is reached, with a table of the run."""
    titles = ("epoch", "example", "x", "y", "z", "ŷ", "error", "w") + (("b",) if with_bias else ())
    table = Table("Training run", [Column(title, numeric=title not in ("x", "w")) for title in titles])
    state = ("w_0", "b_0" if with_bias else None)
    for epoch in range(1, max_epochs + 1):
        for i in range(1, count + 1):
            state = _example(solution, unit, epoch, i, state)
            row = [f"x_{i}", f"y_{i}", f"z_{epoch}_{i}", f"y_hat_{epoch}_{i}", f"err_{epoch}_{i}", *filter(None, state)]
            table.rows.append([epoch, i] + [solution[name].value for name in row])
        if solution.add(_mistakes(epoch, count, unit, last=epoch == max_epochs)) == 0:
            break
    solution.tables.append(table)


def _example(
    solution: Solution, unit: Unit, epoch: int, i: int, state: tuple[str, str | None]
) -> tuple[str, str | None]:
    """The steps of example ``i`` in ``epoch`` from weights and bias ``state``; the updated state."""
    w, b = state
    suffix, where = f"_{epoch}_{i}", f", epoch {epoch}, example {i}"
    x, y, z, y_hat, err = f"x_{i}", f"y_{i}", f"z{suffix}", f"y_hat{suffix}", f"err{suffix}"
    solution.add(
        Step(
            z,
            "weighted sum" + where,
            deps=(w, x) + ((b,) if b else ()),
            # Without a bias step (the data carry a constant input) the sum has no third term.
            compute=lambda wv, xv, bv=0.0: float(np.dot(vector(wv), vector(xv))) + bv,
            formula=Template(f"{{{w}}} · {{{x}}}" + (f" + {{{b}}}" if b else "")),
        )
    )
    solution.add(
        Step(
            y_hat,
            f"output ({unit.rule})" + where,
            deps=(z,),
            compute=unit,
            formula=Template(f"step({{{z}}})"),
            variants=(
                Variant(
                    "step_other_side_at_zero",
                    f"At z = 0 exactly this unit outputs {unit(0.0):g} ({unit.rule}); you put z = 0 on the other side.",
                    unit.other_side_at_zero(),
                ),
            ),
        )
    )
    solution.add(
        Step(
            err,
            "error y − ŷ" + where,
            deps=(y, y_hat),
            compute=lambda yv, outv: yv - outv,
            formula=Template(f"{{{y}}} − {{{y_hat}}}"),
            variants=(
                Variant(
                    "error_sign_flipped",
                    "The error is the label minus the output, y − ŷ; you took ŷ − y, so the update goes the wrong way.",
                    lambda yv, outv: outv - yv,
                ),
            ),
        )
    )
    new_w = f"w{suffix}"
    solution.add(
        Step(
            new_w,
            "weights after the update" + where,
            deps=(w, "eta", err, x),
            compute=lambda wv, eta, e, xv: shown(vector(wv) + eta * e * vector(xv)),
            formula=Template(f"{{{w}}} + {{eta}}·{{{err}}}·{{{x}}}"),
            variants=(
                Variant(
                    "learning_rate_left_out",
                    "The rule is w + η(y − ŷ)x; you left out the learning rate η.",
                    lambda wv, eta, e, xv: shown(vector(wv) + e * vector(xv)),
                ),
                Variant(
                    "update_subtracted",
                    "The rule adds η(y − ŷ)x to the weights; you subtracted it.",
                    lambda wv, eta, e, xv: shown(vector(wv) - eta * e * vector(xv)),
                ),
            ),
        )
    )
    if not b:
        return new_w, None
    new_b = f"b{suffix}"
    solution.add(
        Step(
            new_b,
            "bias after the update" + where,
            deps=(b, "eta", err),
            compute=lambda bv, eta, e: bv + eta * e,
            formula=Template(f"{{{b}}} + {{eta}}·{{{err}}}"),
            variants=(
                Variant(
                    "bias_not_updated",
                    "The bias learns too, b + η(y − ŷ), as the weight of a constant input 1; you kept it as it was.",
                    lambda bv: bv,
                    deps=(b,),
                ),
            ),
        )
    )
    return new_w, new_b


def _mistakes(epoch: int, count: int, unit: Unit, last: bool) -> Step:
    """How many examples of ``epoch`` were wrong; none means the perceptron has learnt the data.

    A wrong example's error is ±(positive − negative) and a right one's 0, so the count is
    Σ|err| / (positive − negative): a sum, through which a student's own errors carry forward.
    """
    errors = tuple(f"err_{epoch}_{i}" for i in range(1, count + 1))
    spread = unit.positive - unit.negative

    def counted(*values: float) -> Noted:
        wrong = sum(abs(value) for value in values) / spread
        if wrong == 0:
            return Noted(wrong, "no mistake in this epoch: every example is classified correctly, so training stops")
        if last:
            return Noted(
                wrong,
                "the bound on epochs is reached with mistakes left: training stops without converging "
                "(the data may not be linearly separable, or more epochs are needed)",
            )
        return Noted(wrong, None)

    terms = " + ".join(f"|{{{e}}}|" for e in errors) if count <= SPELLED_OUT else "Σ_i |err_i|"
    return Step(
        f"mistakes_{epoch}",
        f"examples misclassified in epoch {epoch}",
        deps=errors,
        compute=counted,
        formula=Template(f"({terms}) / {spread:g}" if spread != 1 else terms),
    )
