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

from solver.errors import InputError

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
