"""Every loss in one table: value, gradient with respect to the prediction, forms, SymPy form, mistakes.

One ``Loss`` entry is all the solver knows about a loss: the neuron, the network,
the loss table, the rnn and symbolic mode read it from ``LOSSES``, so a new loss
is one entry here.  Each loss takes ``y_hat`` and ``y`` as NumPy arrays of the
same shape.  ``mse`` is the mean of squares, ``sse`` the sum, ``half_squared``
half the sum (the ½ that makes the derivative ``y_hat − y``).  Logarithms of 0
are refused with a clear error instead of printing nan.

Written forms have holes ``{p}`` for the prediction and ``{y}`` for the target.

Each entry reduces as its name says (``builtin``); ``loss(name, reduction=...)`` asks for
a ``mean`` or a ``sum`` instead, over what PyTorch reduces over (``over``): every
element for the elementwise losses (MSELoss, L1Loss, BCELoss, ...), the examples for
the losses of a class distribution (CrossEntropyLoss, NLLLoss, KLDivLoss's batchmean);
a target of one example is a vector, a batch a matrix with one row per example.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Step, Variant
from solver.math.scores import Reduction
from solver.math.scores import reduction as reduction_named

Array = np.ndarray
#: (prediction, target, huber's δ) -> (value, dL/dprediction)
Rule = Callable[[Array, Array, float], tuple[float, Array]]


def _sigmoid(z: Array) -> Array:
    from solver.math.activations import sigmoid

    return sigmoid(z)


def _bce(y_hat: Array, y: Array, _: float) -> tuple[float, Array]:
    outside = (y_hat <= 0) | (y_hat >= 1)
    if np.any(outside):
        raise InputError(
            f"bce needs predictions strictly between 0 and 1, got y_hat = {float(y_hat[outside].flat[0]):g}: "
            "log(0) is undefined (the output saturated)",
            field="y",
        )
    value = -np.sum(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    return float(value), -(y / y_hat) + (1 - y) / (1 - y_hat)


def _bce_logits(z: Array, y: Array, _: float) -> tuple[float, Array]:
    # max(z, 0) − z·y + log(1 + e^(−|z|)) is bce(σ(z), y) without overflow or log(0) (PyTorch's BCEWithLogitsLoss).
    value = np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    return float(value), _sigmoid(z) - y


def _cross_entropy(y_hat: Array, y: Array, _: float) -> tuple[float, Array]:
    if np.any(y_hat[y != 0] <= 0):
        raise InputError("cross_entropy needs y_hat > 0 where y > 0: log(0) is undefined", field="y")
    safe = np.where(y != 0, y_hat, 1.0)
    return float(-np.sum(y * np.log(safe))), -np.where(y != 0, y / safe, 0.0)


def _kl_div(y_hat: Array, y: Array, _: float) -> tuple[float, Array]:
    """KL(y ‖ ŷ) = Σ y log(y/ŷ); a class with y = 0 adds nothing (0 log 0 = 0)."""
    _, gradient = _cross_entropy(y_hat, y, _)
    present = y != 0
    value = np.sum(y[present] * (np.log(y[present]) - np.log(y_hat[present])))
    return float(value), gradient


def _nll(y_hat: Array, y: Array, _: float) -> tuple[float, Array]:
    """−log P(true class) summed over the examples (rows); ``y`` one-hot, or probabilities peaking at the class."""
    p, targets = np.atleast_2d(y_hat), np.atleast_2d(y)
    examples = np.arange(targets.shape[0])
    true = targets.argmax(axis=1)
    chosen = p[examples, true]
    if np.any(chosen <= 0):
        bad = int(np.argmax(chosen <= 0))
        message = f"nll needs y_hat > 0 for the true class {true[bad] + 1}, got {chosen[bad]:g}: log(0) is undefined"
        raise InputError(message, field="y")
    gradient = np.zeros_like(p)
    gradient[examples, true] = -1 / chosen
    return -float(np.sum(np.log(chosen))), gradient.reshape(np.shape(y_hat))


def _huber(y_hat: Array, y: Array, delta: float) -> tuple[float, Array]:
    r = y_hat - y
    small = np.abs(r) <= delta
    values = np.where(small, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))
    return float(np.mean(values)), np.where(small, r, delta * np.sign(r)) / r.size


def _hinge(y_hat: Array, y: Array, _: float) -> tuple[float, Array]:
    margins = 1 - y * y_hat
    return float(np.mean(np.maximum(0, margins))), np.where(margins > 0, -y, 0.0) / y.size


@dataclass(frozen=True)
class Forms:
    """L and dL/dprediction, text and LaTeX, with holes ``{p}`` (prediction) and ``{y}`` (target)."""

    value: str
    value_latex: str
    gradient: str
    gradient_latex: str


@dataclass(frozen=True)
class LossMistake:
    """A wrong loss value or derivative: its name, the feedback, and what the mistaken student computes."""

    name: str
    feedback: str
    wrong: Callable[[Loss, Array, Array], Any]
    #: For a slip that only scales the right value: the factor, given the number of outputs
    #: (symbolic mode scales the right expression by it); None for the others.
    scale: Callable[[int], float] | None = None


Targets = Literal["any", "probability", "distribution"]
#: What a mean divides by: every entry of the target, or its examples (rows).
Over = Literal["elements", "examples"]


@dataclass(frozen=True)
class Loss:
    name: str
    text: str  # the loss for people, in ŷ and y ({delta} for huber's δ)
    rule: Rule
    forms: Forms
    #: (sympy module, prediction, target, outputs) -> the loss of one output (``outputs`` share a mean).
    sympy_form: Callable[[Any, Any, Any, int], Any] | None
    #: probability: every target in [0, 1]; distribution: also summing to 1 (one-hot).
    targets: Targets = "any"
    value_mistakes: tuple[LossMistake, ...] = ()
    gradient_mistakes: tuple[LossMistake, ...] = ()
    delta: float = 1.0  # huber's width of the quadratic part
    #: How the rule and the forms reduce; ``reduction`` is the one asked for (None: the builtin one).
    builtin: Reduction = "sum"
    over: Over = "elements"
    reduction: Reduction | None = None

    @property
    def reduced(self) -> Reduction:
        return self.reduction or self.builtin

    @property
    def summary(self) -> str:
        return _reduced_form(self.text, "text", self.builtin, self.reduced).replace("{delta}", f"{self.delta:g}")

    def count(self, y: Array) -> int:
        """What a mean divides by: the target's entries, or its examples (rows; a vector is one example)."""
        y = np.asarray(y)
        if self.over == "elements":
            return max(y.size, 1)
        return y.shape[0] if y.ndim > 1 else 1

    def factor(self, count: int) -> float:
        """The asked reduction over the builtin one: n from a mean to a sum, 1/n from a sum to a mean."""
        if self.reduced == self.builtin:
            return 1.0
        return count if self.builtin == "mean" else 1 / count

    def value(self, y_hat: Array, y: Array) -> float:
        y = np.asarray(y, float)
        return self.factor(self.count(y)) * self.rule(np.asarray(y_hat, float), y, self.delta)[0]

    def gradient(self, y_hat: Array, y: Array) -> Array:
        """dL/dy_hat."""
        y = np.asarray(y, float)
        return self.factor(self.count(y)) * self.rule(np.asarray(y_hat, float), y, self.delta)[1]

    def form(self, prediction: str, target: str, style: str = "text", gradient: bool = False) -> str:
        """L or dL/dprediction with holes named after the steps that hold the prediction and the target."""
        forms = self.forms
        if style == "latex":
            pattern = forms.gradient_latex if gradient else forms.value_latex
        else:
            pattern = forms.gradient if gradient else forms.value
        pattern = _reduced_form(pattern, style, self.builtin, self.reduced)
        return pattern.replace("{p}", "{" + prediction + "}").replace("{y}", "{" + target + "}")

    def sympy(self, prediction: Any, target: Any, outputs: int = 1) -> Any:
        if self.sympy_form is None:
            symbolic = ", ".join(name for name, entry in LOSSES.items() if entry.sympy_form is not None)
            raise InputError(
                f"loss {self.name!r} is not available symbolically; expected one of: {symbolic}", field="loss"
            )
        import sympy

        # Symbolic mode writes one example: a loss over examples has nothing to average.
        count = outputs if self.over == "elements" else 1
        factor = sympy.Rational(self.factor(count)).limit_denominator(count)  # n or 1/n exactly
        return factor * self.sympy_form(sympy, prediction, target, outputs)


#: A mean's 1/n written first, as the forms of the mean losses write it: ``(1/n)``, ``(2/n)``, ``\frac{2}{n}``.
_MEAN_FIRST = {"text": re.compile(r"^\((\d)/n\) "), "latex": re.compile(r"^\\frac\{(\d)\}\{n\} ")}
_MEAN_OF = {"text": "(1/n) ({})", "latex": r"\frac{1}{n} \left({}\right)"}


def _reduced_form(pattern: str, style: str, builtin: Reduction, asked: Reduction) -> str:
    """A form written for the builtin reduction, rewritten for the asked one: the 1/n put in or taken out."""
    if asked == builtin:
        return pattern
    if asked == "mean":
        return _MEAN_OF[style].replace("{}", pattern)
    return _MEAN_FIRST[style].sub(lambda m: "" if m[1] == "1" else m[1] + " ", pattern)


def _scaled(name: str, feedback: str, factor: float) -> LossMistake:
    """A loss value off by a constant factor."""
    return LossMistake(name, feedback, lambda loss, p, y: factor * loss.value(p, y), scale=lambda n: factor)


def _scaled_gradient(name: str, feedback: str, factor: Callable[[int], float]) -> LossMistake:
    """A dL/dŷ off by a factor that may depend on the number of outputs n."""
    return LossMistake(
        name,
        feedback,
        lambda loss, p, y: factor(np.size(p)) * np.atleast_1d(loss.gradient(p, y)),
        scale=factor,
    )


RESIDUAL_REVERSED = _scaled_gradient(
    "residual_reversed", "The derivative is in ŷ − y, not y − ŷ: your sign is flipped.", lambda n: -1.0
)
MISSING_FACTOR_2 = _scaled_gradient(
    "derivative_missing_factor_2", "d/dŷ (ŷ − y)² is 2(ŷ − y); you dropped the 2.", lambda n: 0.5
)


def _squares(reduce: Callable[[Array], Any]) -> Callable[[Loss, Array, Array], Any]:
    return lambda loss, p, y: float(reduce((np.atleast_1d(p) - np.atleast_1d(y)) ** 2))


LOSSES: dict[str, Loss] = {
    entry.name: entry
    for entry in (
        Loss(
            "mse",
            "(1/n) Σ (ŷ − y)²",
            lambda p, y, _: (float(np.mean((p - y) ** 2)), 2 * (p - y) / p.size),
            Forms(
                "(1/n) Σ ({p} − {y})²",
                r"\frac{1}{n} \sum ({p} - {y})^2",
                "(2/n) ({p} − {y})",
                r"\frac{2}{n} ({p} - {y})",
            ),
            lambda sp, p, t, n: (p - t) ** 2 / n,
            builtin="mean",
            value_mistakes=(
                _scaled("loss_with_half", "mse has no ½ in front; you halved the squared error.", 0.5),
                LossMistake(
                    "sum_instead_of_mean",
                    "MSE is the mean over the outputs; you summed the squared errors instead of averaging them.",
                    _squares(np.sum),
                ),
            ),
            gradient_mistakes=(
                MISSING_FACTOR_2,
                # n is the number of outputs: for a single output the slip cannot show.
                _scaled_gradient(
                    "derivative_missing_mean",
                    "MSE averages over the n outputs, so its derivative keeps the 1/n; you dropped it.",
                    float,
                ),
                RESIDUAL_REVERSED,
            ),
        ),
        Loss(
            "sse",
            "Σ (ŷ − y)²",
            lambda p, y, _: (float(np.sum((p - y) ** 2)), 2 * (p - y)),
            Forms("Σ ({p} − {y})²", r"\sum ({p} - {y})^2", "2 ({p} − {y})", r"2 ({p} - {y})"),
            lambda sp, p, t, n: (p - t) ** 2,
            value_mistakes=(
                _scaled("loss_with_half", "sse has no ½ in front; you halved the squared error.", 0.5),
                LossMistake(
                    "mean_instead_of_sum", "This loss sums the squared errors; you averaged them.", _squares(np.mean)
                ),
            ),
            gradient_mistakes=(MISSING_FACTOR_2, RESIDUAL_REVERSED),
        ),
        Loss(
            "half_squared",
            "½ Σ (ŷ − y)²",
            lambda p, y, _: (float(0.5 * np.sum((p - y) ** 2)), p - y),
            Forms("½ Σ ({p} − {y})²", r"\frac{1}{2} \sum ({p} - {y})^2", "{p} − {y}", r"{p} - {y}"),
            lambda sp, p, t, n: (p - t) ** 2 / 2,
            value_mistakes=(_scaled("loss_without_half", "This loss is ½ Σ (ŷ − y)²; you left out the ½.", 2.0),),
            gradient_mistakes=(
                _scaled_gradient(
                    "derivative_extra_factor_2",
                    "d/dŷ ½(ŷ − y)² is ŷ − y: the ½ cancels the 2, which you kept.",
                    lambda n: 2.0,
                ),
                RESIDUAL_REVERSED,
            ),
        ),
        Loss(
            "mae",
            "(1/n) Σ |ŷ − y|",
            lambda p, y, _: (float(np.mean(np.abs(p - y))), np.sign(p - y) / p.size),
            Forms(
                "(1/n) Σ |{p} − {y}|",
                r"\frac{1}{n} \sum \left|{p} - {y}\right|",
                "(1/n) sign({p} − {y})",
                r"\frac{1}{n} \operatorname{sign}({p} - {y})",
            ),
            lambda sp, p, t, n: sp.Abs(p - t) / n,
            builtin="mean",
            gradient_mistakes=(RESIDUAL_REVERSED,),
        ),
        Loss(
            "bce",
            "−Σ [y log ŷ + (1 − y) log(1 − ŷ)]",
            _bce,
            Forms(
                "−Σ [{y} log {p} + (1 − {y}) log(1 − {p})]",
                r"-\sum \left[{y} \log {p} + (1 - {y}) \log(1 - {p})\right]",
                "−{y}/{p} + (1 − {y})/(1 − {p})",
                r"-\frac{{y}}{{p}} + \frac{1 - {y}}{1 - {p}}",
            ),
            lambda sp, p, t, n: -t * sp.log(p) - (1 - t) * sp.log(1 - p),
            targets="probability",
        ),
        Loss(
            "cross_entropy",
            "−Σ y_k log ŷ_k",
            _cross_entropy,
            Forms("−Σ_k {y}_k log {p}_k", r"-\sum_k {y}_k \log {p}_k", "−{y}_k / {p}_k", r"-\frac{{y}_k}{{p}_k}"),
            lambda sp, p, t, n: -t * sp.log(p),
            targets="distribution",
            over="examples",
        ),
        Loss(
            "nll",
            "−log ŷ_c (c the true class)",
            _nll,
            Forms(
                "−log {p}_c  (c: the true class in {y})",
                r"-\log {p}_c",
                "−1/{p}_c at the true class c, 0 elsewhere",
                r"-\frac{1}{{p}_c}",
            ),
            lambda sp, p, t, n: -t * sp.log(p),  # a one-hot target keeps the true class's term only
            targets="distribution",
            over="examples",
        ),
        Loss(
            "huber",
            "(1/n) Σ huber_δ(ŷ − y), δ = {delta}",
            _huber,
            Forms(
                "(1/n) Σ [½ r² if |r| ≤ δ else δ(|r| − ½δ)], r = {p} − {y}",
                r"\frac{1}{n} \sum \begin{cases} \frac{1}{2} r^2 & |r| \le \delta \\ \delta (|r| - \frac{1}{2}\delta)"
                r" & \text{else} \end{cases},\ r = {p} - {y}",
                "(1/n) [r if |r| ≤ δ else δ·sign(r)], r = {p} − {y}",
                r"\frac{1}{n} \begin{cases} r & |r| \le \delta \\ \delta \operatorname{sign}(r)"
                r" & \text{else} \end{cases}",
            ),
            None,
            builtin="mean",
            gradient_mistakes=(RESIDUAL_REVERSED,),
        ),
        Loss(
            "hinge",
            "(1/n) Σ max(0, 1 − y ŷ)",
            _hinge,
            Forms(
                "(1/n) Σ max(0, 1 − {y}·{p})",
                r"\frac{1}{n} \sum \max(0, 1 - {y} {p})",
                "(1/n) (−{y} where 1 − {y}·{p} > 0, else 0)",
                r"\frac{1}{n} \begin{cases} -{y} & 1 - {y}{p} > 0 \\ 0 & \text{else} \end{cases}",
            ),
            lambda sp, p, t, n: sp.Max(0, 1 - t * p) / n,
            builtin="mean",
        ),
        Loss(
            "bce_logits",
            "Σ [max(z, 0) − z y + log(1 + e^(−|z|))], z = ŷ the logit: bce of σ(z)",
            _bce_logits,
            Forms(
                "Σ [max({p}, 0) − {p}·{y} + log(1 + e^(−|{p}|))]",
                r"\sum \left[\max({p}, 0) - {p} {y} + \log\left(1 + e^{-|{p}|}\right)\right]",
                "σ({p}) − {y}",
                r"\sigma({p}) - {y}",
            ),
            lambda sp, p, t, n: sp.log(1 + sp.exp(p)) - t * p,
            targets="probability",
            gradient_mistakes=(
                LossMistake(
                    "logit_taken_as_probability",
                    "dL/dz is σ(z) − y: the prediction is a logit, so squash it first; you used z − y.",
                    lambda loss, z, y: np.atleast_1d(z) - np.atleast_1d(y),
                ),
                RESIDUAL_REVERSED,
            ),
        ),
        Loss(
            "kl_div",
            "Σ y_k log(y_k / ŷ_k)  (KL(y ‖ ŷ))",
            _kl_div,
            Forms(
                "Σ_k {y}_k log({y}_k / {p}_k)",
                r"\sum_k {y}_k \log \frac{{y}_k}{{p}_k}",
                "−{y}_k / {p}_k",
                r"-\frac{{y}_k}{{p}_k}",
            ),
            # 0 log 0 = 0: the target's own entropy term is written only where it is not 0.
            lambda sp, p, t, n: -t * sp.log(p) + (t * sp.log(t) if t != 0 else 0),
            targets="distribution",
            over="examples",
            value_mistakes=(
                LossMistake(
                    "ratio_inverted",
                    "KL(y ‖ ŷ) weighs log(y/ŷ) by the target y; you took log(ŷ/y), the sign flipped.",
                    lambda loss, p, y: -loss.value(p, y),
                ),
            ),
        ),
    )
}


def loss(name: str, *, delta: float = 1.0, reduction: str | None = None, where: str = "loss") -> Loss:
    """The entry ``name``, with huber's δ and, when asked, a ``mean`` or ``sum`` in place of its own reduction."""
    key = name.strip().lower().replace("-", "_")
    if key == "huber" and not delta > 0:
        raise InputError(
            f"huber_delta {delta:g}: expected δ > 0 (the width of the quadratic part)", field="huber_delta"
        )
    if key not in LOSSES:
        raise InputError(f"unknown loss {name!r}; expected one of: {', '.join(LOSSES)}", field=where)
    entry = replace(LOSSES[key], delta=delta)
    if reduction is None:
        return entry
    asked = reduction_named(reduction)
    return entry if asked == entry.builtin else _reduced(entry, asked)


#: The mistakes of an entry's own reduction, replaced when another one is asked for.
_REDUCTION_MISTAKES = {"sum_instead_of_mean", "mean_instead_of_sum", "derivative_missing_mean"}


def _reduced(entry: Loss, asked: Reduction) -> Loss:
    """``entry`` reduced the other way, with the slip of reducing it the builtin way."""
    builtin, over = entry.builtin, entry.over
    reduced = replace(entry, reduction=asked)

    def builtin_way(n: int) -> float:
        # The builtin reduction over the asked one; symbolic mode writes one example, so over examples n is 1.
        return 1 / reduced.factor(n if over == "elements" else 1)

    def unscaled(loss: Loss, p: Array, y: Array) -> tuple[float, Array]:
        return loss.rule(np.asarray(p, float), np.asarray(y, float), loss.delta)

    slips = [
        LossMistake(
            f"{builtin}_instead_of_{asked}",
            f"This loss is the {asked} over the {over}; you took the {builtin}.",
            lambda loss, p, y: unscaled(loss, p, y)[0],
            scale=builtin_way,
        )
    ]
    gradient_slips = [
        LossMistake(
            "derivative_missing_mean",
            f"The loss averages over the n {over}, so its derivative keeps the 1/n; you dropped it.",
            lambda loss, p, y: np.atleast_1d(unscaled(loss, p, y)[1]),
            scale=builtin_way,
        )
    ]
    return replace(
        reduced,
        value_mistakes=(*(m for m in entry.value_mistakes if m.name not in _REDUCTION_MISTAKES), *slips),
        gradient_mistakes=(
            *(m for m in entry.gradient_mistakes if m.name not in _REDUCTION_MISTAKES),
            *(gradient_slips if asked == "mean" else ()),
        ),
    )


def check_target(name: str, y: Array, field: str = "y") -> None:
    """Refuse a target the loss cannot mean: probabilities lie in [0, 1]; a distribution also sums to 1 (each row)."""
    targets = LOSSES[name].targets
    y = np.asarray(y, dtype=float)
    if targets != "any" and np.any((y < 0) | (y > 1)):
        bad = float(y[(y < 0) | (y > 1)][0])
        raise InputError(f"{name} needs targets between 0 and 1 (probabilities), got y = {bad:g}", field=field)
    sums = np.atleast_2d(y).sum(axis=-1)
    if targets == "distribution" and not np.allclose(sums, 1.0, rtol=0, atol=1e-6):
        total = float(sums[~np.isclose(sums, 1.0, rtol=0, atol=1e-6)][0])
        raise InputError(
            f"{name} needs a target that is a distribution over the classes, but y sums to {total:g}; "
            "expected a one-hot vector such as 0,1,0 (or probabilities summing to 1)",
            field=field,
        )


def check_training(
    y: object, learning_rate: float | None, loss_name: str | None, backward: Mapping[str, object] | None = None
) -> None:
    """A learning rate is positive; a learning rate, a loss or another setting of the backward pass
    (``backward``: field -> value, None or False when not set) without a target is refused, not dropped."""
    if learning_rate is not None and not learning_rate > 0:
        raise InputError(f"learning rate {learning_rate:g}: expected η > 0", field="learning_rate")
    if y is None:
        for field, value in (("learning_rate", learning_rate), ("loss", loss_name), *(backward or {}).items()):
            if value is not None and value is not False:
                raise InputError(
                    f"{field} is given but there is no target y to take a loss against; expected y as well",
                    field=field,
                )


def loss_steps(
    lossfn: Loss,
    prediction: str,
    target: str,
    names: tuple[str, str],
    titles: tuple[str, str],
    shown: Callable[[Any], Any],
) -> tuple[Step, Step]:
    """The loss and its derivative dL/dprediction as two steps, each with the loss's named mistakes.

    ``names`` and ``titles`` are the two steps'; ``shown`` turns a gradient into the kind's display form.
    """
    deps = (prediction, target)

    def form(gradient: bool) -> Template:
        return Template(*(lossfn.form(prediction, target, style, gradient) for style in ("text", "latex")))

    value = Step(
        names[0],
        titles[0],
        deps=deps,
        compute=lossfn.value,
        formula=form(gradient=False),
        variants=tuple(
            Variant(m.name, m.feedback, lambda p, y, m=m: m.wrong(lossfn, p, y)) for m in lossfn.value_mistakes
        ),
    )
    gradient = Step(
        names[1],
        titles[1],
        deps=deps,
        compute=lambda p, y: shown(lossfn.gradient(np.atleast_1d(p), np.atleast_1d(y))),
        formula=form(gradient=True),
        variants=tuple(
            Variant(m.name, m.feedback, lambda p, y, m=m: shown(m.wrong(lossfn, p, y)))
            for m in lossfn.gradient_mistakes
        ),
    )
    return value, gradient
