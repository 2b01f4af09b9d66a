"""Every loss in one table: value, gradient with respect to the prediction, forms, SymPy form, mistakes.

One ``Loss`` entry is all the solver knows about a loss: the neuron, the network,
the loss table, the rnn and symbolic mode read it from ``LOSSES``, so a new loss
is one entry here.  Each loss takes ``y_hat`` and ``y`` as NumPy arrays of the
same shape.  ``mse`` is the mean of squares, ``sse`` the sum, ``half_squared``
half the sum (the ½ that makes the derivative ``y_hat − y``).  Logarithms of 0
are refused with a clear error instead of printing nan.

Written forms have holes ``{p}`` for the prediction and ``{y}`` for the target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Step, Variant

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


def _nll(y_hat: Array, y: Array, _: float) -> tuple[float, Array]:
    """−log P(true class): ``y`` is one-hot (or a class probability vector whose largest entry is the class)."""
    true = int(np.argmax(y)) if y.size > 1 else 0
    p = float(y_hat.reshape(-1)[true])
    if p <= 0:
        message = f"nll needs y_hat > 0 for the true class {true + 1}, got {p:g}: log(0) is undefined"
        raise InputError(message, field="y")
    gradient = np.zeros_like(y_hat)
    gradient.reshape(-1)[true] = -1 / p
    return -float(np.log(p)), gradient


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

    @property
    def summary(self) -> str:
        return self.text.replace("{delta}", f"{self.delta:g}")

    def value(self, y_hat: Array, y: Array) -> float:
        return self.rule(np.asarray(y_hat, float), np.asarray(y, float), self.delta)[0]

    def gradient(self, y_hat: Array, y: Array) -> Array:
        """dL/dy_hat."""
        return self.rule(np.asarray(y_hat, float), np.asarray(y, float), self.delta)[1]

    def form(self, prediction: str, target: str, style: str = "text", gradient: bool = False) -> str:
        """L or dL/dprediction with holes named after the steps that hold the prediction and the target."""
        forms = self.forms
        if style == "latex":
            pattern = forms.gradient_latex if gradient else forms.value_latex
        else:
            pattern = forms.gradient if gradient else forms.value
        return pattern.replace("{p}", "{" + prediction + "}").replace("{y}", "{" + target + "}")

    def sympy(self, prediction: Any, target: Any, outputs: int = 1) -> Any:
        if self.sympy_form is None:
            symbolic = ", ".join(name for name, entry in LOSSES.items() if entry.sympy_form is not None)
            raise InputError(
                f"loss {self.name!r} is not available symbolically; expected one of: {symbolic}", field="loss"
            )
        import sympy

        return self.sympy_form(sympy, prediction, target, outputs)


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
                "sign({p} − {y}) / n",
                r"\frac{1}{n} \operatorname{sign}({p} - {y})",
            ),
            lambda sp, p, t, n: sp.Abs(p - t) / n,
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
    )
}


def loss(name: str, *, delta: float = 1.0, where: str = "loss") -> Loss:
    key = name.strip().lower().replace("-", "_")
    if key == "huber" and not delta > 0:
        raise InputError(
            f"huber_delta {delta:g}: expected δ > 0 (the width of the quadratic part)", field="huber_delta"
        )
    if key not in LOSSES:
        raise InputError(f"unknown loss {name!r}; expected one of: {', '.join(LOSSES)}", field=where)
    return replace(LOSSES[key], delta=delta)


def check_target(name: str, y: Array, field: str = "y") -> None:
    """Refuse a target the loss cannot mean: probabilities lie in [0, 1]; a distribution also sums to 1."""
    targets = LOSSES[name].targets
    y = np.asarray(y, dtype=float).reshape(-1)
    if targets != "any" and np.any((y < 0) | (y > 1)):
        bad = float(y[(y < 0) | (y > 1)][0])
        raise InputError(f"{name} needs targets between 0 and 1 (probabilities), got y = {bad:g}", field=field)
    if targets == "distribution" and not np.isclose(y.sum(), 1.0, rtol=0, atol=1e-6):
        raise InputError(
            f"{name} needs a target that is a distribution over the classes, but y sums to {y.sum():g}; "
            "expected a one-hot vector such as 0,1,0 (or probabilities summing to 1)",
            field=field,
        )


def check_training(y: object, learning_rate: float | None, loss_name: str | None) -> None:
    """A learning rate is positive; a learning rate or a loss without a target is refused, not dropped."""
    if learning_rate is not None and not learning_rate > 0:
        raise InputError(f"learning rate {learning_rate:g}: expected η > 0", field="learning_rate")
    if y is None:
        for field, value in (("learning_rate", learning_rate), ("loss", loss_name)):
            if value is not None:
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
