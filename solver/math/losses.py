"""Loss functions: value and gradient with respect to the prediction.

Each loss takes ``y_hat`` and ``y`` as NumPy arrays of the same shape.
``mse`` is the mean of squares, ``sse`` the sum, ``half_squared`` half the
sum (the ½ that makes the derivative ``y_hat − y``).  Logarithms of 0 are
refused with a clear error instead of printing nan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.graph.errors import InputError

Array = np.ndarray


def _bce(y_hat: Array, y: Array) -> tuple[float, Array]:
    outside = (y_hat <= 0) | (y_hat >= 1)
    if np.any(outside):
        raise InputError(
            f"bce needs predictions strictly between 0 and 1, got y_hat = {float(y_hat[outside].flat[0]):g}: "
            "log(0) is undefined (the output saturated)",
            field="y",
        )
    value = -np.sum(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    return float(value), -(y / y_hat) + (1 - y) / (1 - y_hat)


def _cross_entropy(y_hat: Array, y: Array) -> tuple[float, Array]:
    if np.any(y_hat[y != 0] <= 0):
        raise InputError("cross_entropy needs y_hat > 0 where y > 0: log(0) is undefined", field="y")
    safe = np.where(y != 0, y_hat, 1.0)
    return float(-np.sum(y * np.log(safe))), -np.where(y != 0, y / safe, 0.0)


def _nll(y_hat: Array, y: Array) -> tuple[float, Array]:
    """−log P(true class): ``y`` is one-hot (or a class probability vector whose largest entry is the class)."""
    true = int(np.argmax(y)) if y.size > 1 else 0
    p = float(y_hat.reshape(-1)[true])
    if p <= 0:
        message = f"nll needs y_hat > 0 for the true class {true + 1}, got {p:g}: log(0) is undefined"
        raise InputError(message, field="y")
    gradient = np.zeros_like(y_hat)
    gradient.reshape(-1)[true] = -1 / p
    return -float(np.log(p)), gradient


def _huber(delta: float) -> Callable[[Array, Array], tuple[float, Array]]:
    def huber(y_hat: Array, y: Array) -> tuple[float, Array]:
        r = y_hat - y
        small = np.abs(r) <= delta
        values = np.where(small, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))
        return float(np.mean(values)), np.where(small, r, delta * np.sign(r)) / r.size

    return huber


def _hinge(y_hat: Array, y: Array) -> tuple[float, Array]:
    margins = 1 - y * y_hat
    return float(np.mean(np.maximum(0, margins))), np.where(margins > 0, -y, 0.0) / y.size


@dataclass(frozen=True)
class Loss:
    name: str
    text: str
    fn: Callable[[Array, Array], tuple[float, Array]]

    def value(self, y_hat: Array, y: Array) -> float:
        return self.fn(np.asarray(y_hat, float), np.asarray(y, float))[0]

    def gradient(self, y_hat: Array, y: Array) -> Array:
        """dL/dy_hat."""
        return self.fn(np.asarray(y_hat, float), np.asarray(y, float))[1]


def loss(name: str, *, delta: float = 1.0, where: str = "loss") -> Loss:
    key = name.strip().lower().replace("-", "_")
    if key == "huber" and not delta > 0:
        raise InputError(
            f"huber_delta {delta:g}: expected δ > 0 (the width of the quadratic part)", field="huber_delta"
        )
    table = {
        "mse": Loss("mse", "(1/n) Σ (ŷ − y)²", lambda p, y: (float(np.mean((p - y) ** 2)), 2 * (p - y) / p.size)),
        "sse": Loss("sse", "Σ (ŷ − y)²", lambda p, y: (float(np.sum((p - y) ** 2)), 2 * (p - y))),
        "half_squared": Loss("half_squared", "½ Σ (ŷ − y)²", lambda p, y: (float(0.5 * np.sum((p - y) ** 2)), p - y)),
        "mae": Loss("mae", "(1/n) Σ |ŷ − y|", lambda p, y: (float(np.mean(np.abs(p - y))), np.sign(p - y) / p.size)),
        "bce": Loss("bce", "−Σ [y log ŷ + (1 − y) log(1 − ŷ)]", _bce),
        "cross_entropy": Loss("cross_entropy", "−Σ y_k log ŷ_k", _cross_entropy),
        "nll": Loss("nll", "−log ŷ_c (c the true class)", _nll),
        "huber": Loss("huber", f"(1/n) Σ huber_δ(ŷ − y), δ = {delta:g}", _huber(delta)),
        "hinge": Loss("hinge", "(1/n) Σ max(0, 1 − y ŷ)", _hinge),
    }
    if key not in table:
        raise InputError(f"unknown loss {name!r}; expected one of: {', '.join(table)}", field=where)
    return table[key]


#: Losses whose target is a probability, and those whose target is a distribution over classes.
PROBABILITY_TARGETS = ("bce",)
DISTRIBUTION_TARGETS = ("cross_entropy", "nll")


def check_target(name: str, y: Array, field: str = "y") -> None:
    """Refuse a target the loss cannot mean: bce's lie in [0, 1]; cross_entropy's and nll's sum to 1."""
    y = np.asarray(y, dtype=float).reshape(-1)
    if name in PROBABILITY_TARGETS + DISTRIBUTION_TARGETS and np.any((y < 0) | (y > 1)):
        bad = float(y[(y < 0) | (y > 1)][0])
        raise InputError(f"{name} needs targets between 0 and 1 (probabilities), got y = {bad:g}", field=field)
    if name in DISTRIBUTION_TARGETS and not np.isclose(y.sum(), 1.0, rtol=0, atol=1e-6):
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
