"""Activation functions: values, derivatives and their written forms.

Values are NumPy, computed stably (``sigmoid(1000)`` does not overflow).
``derivative(name, z)`` is f'(z) elementwise (softmax excepted: see
``softmax_jacobian``).  ReLU'(0) is taken as 0, as PyTorch does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.graph.errors import InputError

LEAKY_SLOPE = 0.01


def sigmoid(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    # exp of a non-positive number only: no overflow for large |z|.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def softmax(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z))
    return e / e.sum()


def check_softmax_width(name: str, outputs: int, field: str) -> None:
    """Softmax over one output is always 1: its loss could never change, so it is refused."""
    if name == "softmax" and outputs < 2:
        raise InputError(
            "softmax over a single output is always 1, so the loss would never change; "
            "expected 2 or more outputs (or sigmoid for one)",
            field=field,
        )


def softmax_jacobian(z: np.ndarray) -> np.ndarray:
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)


@dataclass(frozen=True)
class Activation:
    name: str
    text: str  # f(z), for people
    derivative_text: str  # f'(z) written as the notes write it

    def __call__(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        if self.name == "linear":
            return z.copy()
        if self.name == "relu":
            return np.maximum(z, 0.0)
        if self.name == "leaky_relu":
            return np.where(z > 0, z, LEAKY_SLOPE * z)
        if self.name == "sigmoid":
            return sigmoid(z)
        if self.name == "tanh":
            return np.tanh(z)
        return softmax(z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """f'(z) elementwise; for softmax the diagonal of its Jacobian."""
        z = np.asarray(z, dtype=float)
        if self.name == "linear":
            return np.ones_like(z)
        if self.name == "relu":
            return (z > 0).astype(float)
        if self.name == "leaky_relu":
            return np.where(z > 0, 1.0, LEAKY_SLOPE)
        if self.name == "sigmoid":
            s = sigmoid(z)
            return s * (1 - s)
        if self.name == "tanh":
            return 1 - np.tanh(z) ** 2
        s = softmax(z)
        return s * (1 - s)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("linear", "z", "1"),
        Activation("relu", "max(0, z)", "1 if z > 0 else 0"),
        Activation("leaky_relu", f"z if z > 0 else {LEAKY_SLOPE}·z", f"1 if z > 0 else {LEAKY_SLOPE}"),
        Activation("sigmoid", "1 / (1 + e^(−z))", "σ(z)(1 − σ(z))"),
        Activation("tanh", "tanh(z)", "1 − tanh²(z)"),
        Activation("softmax", "e^(z_i) / Σ_j e^(z_j)", "diag(s) − s sᵀ"),
    )
}


def activation(name: str, where: str = "activation") -> Activation:
    key = name.strip().lower().replace("-", "_")
    key = {"identity": "linear", "none": "linear", "leakyrelu": "leaky_relu"}.get(key, key)
    if key not in ACTIVATIONS:
        raise InputError(f"unknown activation {name!r}; expected one of: {', '.join(ACTIVATIONS)}", field=where)
    return ACTIVATIONS[key]
