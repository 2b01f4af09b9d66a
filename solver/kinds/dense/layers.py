"""Dense layers in NumPy: the affine map, its bias conventions, and the backward rules.

A layer computes ``z = W a + b`` with ``W`` of shape (units, inputs).  With a
*folded* bias (seed 004) column 0 of ``W`` multiplies a constant input 1, so
``z = W [1; a]`` and the error term is sent back through ``W[:, 1:]`` only.
These small pure functions are what the ``neuron`` and ``mlp`` steps call
(the wrong rules students apply instead are in ``solver.kinds.dense.mistakes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.graph.errors import InputError
from solver.math.activations import Activation

Array = np.ndarray


def vector(value: Any) -> Array:
    """A float vector (a scalar becomes a vector of one)."""
    return np.atleast_1d(np.asarray(value, dtype=float))


def shown(value: Array) -> Any:
    """A vector of one entry is shown as the number it is (ŷ = 4.91807, not [4.91807])."""
    value = np.asarray(value, dtype=float)
    return float(value.reshape(-1)[0]) if value.size == 1 and value.ndim <= 1 else value


def with_one(a: Any) -> Array:
    """``[1; a]``: the input of a folded-bias layer."""
    return np.concatenate([[1.0], vector(a)])


@dataclass(frozen=True)
class Layer:
    """One dense layer as the file gives it (weights already a 2-D array)."""

    weights: Array
    bias: Array | None  # None: folded into column 0 of the weights, or no bias at all
    folded: bool
    activation: Activation

    @property
    def units(self) -> int:
        return self.weights.shape[0]

    @property
    def inputs(self) -> int:
        return self.weights.shape[1] - (1 if self.folded else 0)


def affine(weights: Array, a: Any, bias: Any = None, folded: bool = False) -> Array:
    """``z = W a + b`` (or ``W [1; a]`` when folded)."""
    weights = np.asarray(weights, dtype=float)
    if folded:
        return weights @ with_one(a)
    z = weights @ vector(a)
    return z if bias is None else z + vector(bias)


def backward_weights(weights: Array, folded: bool) -> Array:
    """The part of ``W`` that the error term travels back through (no bias column)."""
    weights = np.asarray(weights, dtype=float)
    return weights[:, 1:] if folded else weights


def output_delta(activation: Activation, z: Any, grad: Any) -> Array:
    """delta^L = dL/dz^L from dL/dŷ: elementwise f'(z), or the softmax Jacobian."""
    z, grad = vector(z), vector(grad)
    if activation.name == "softmax":
        s = activation(z)
        return s * grad - s * np.dot(s, grad)  # (diag(s) − s sᵀ) g, without building the matrix
    return grad * activation.derivative(z)


def hidden_delta(weights_next: Any, delta_next: Any, derivative: Any, folded_next: bool) -> Array:
    """delta^l = (W^{l+1})ᵀ delta^{l+1} ⊙ f'(z^l)  (seed 001)."""
    back = backward_weights(weights_next, folded_next)
    return (back.T @ vector(delta_next)) * vector(derivative)


def weight_gradient(delta: Any, a_prev: Any, folded: bool) -> Array:
    """dL/dW^l = delta^l (a^{l-1})ᵀ, with the constant 1 first when the bias is folded."""
    a_prev = with_one(a_prev) if folded else vector(a_prev)
    return np.outer(vector(delta), a_prev)


def operand(value: Any) -> Array:
    """A step's value as an array to compute with: a matrix stays a matrix, anything else is a vector."""
    return np.asarray(value, dtype=float) if np.ndim(value) >= 2 else vector(value)


def check_chain(layers: list[Layer], inputs: int) -> None:
    """Every layer's weights must take the previous layer's output: say which layer and both shapes."""
    width = inputs
    for number, layer in enumerate(layers, start=1):
        if layer.inputs != width:
            expected = f"{layer.units}×{width + 1}" if layer.folded else f"{layer.units}×{width}"
            feeds = "the input x has" if number == 1 else f"layer {number - 1} has"
            raise InputError(
                f"layer {number}: weights of shape {layer.weights.shape[0]}×{layer.weights.shape[1]} "
                f"do not chain: {feeds} {width} outputs, so expected {expected}"
                + (" (column 0 is the folded bias)" if layer.folded else ""),
                field=f"layers.{number - 1}.weights",
            )
        if layer.bias is not None and layer.bias.shape != (layer.units,):
            raise InputError(
                f"layer {number}: bias has {layer.bias.size} entries but the weights have {layer.units} rows (units)",
                field=f"layers.{number - 1}.bias",
            )
        if layer.activation.name == "softmax" and number != len(layers):
            raise InputError(
                f"layer {number}: softmax is only supported on the last layer", field=f"layers.{number - 1}"
            )
        width = layer.units


def check_upstream(upstream: object, y: object, loss_name: str | None) -> None:
    """A given upstream gradient dL/dŷ replaces the target and the loss: both at once is refused, not guessed."""
    if upstream is None:
        return
    for field, value in (("y", y), ("loss", loss_name)):
        if value is not None:
            raise InputError(
                f"{field} is given with upstream; the upstream gradient (of the loss with respect to the output) "
                "replaces the target and the loss, so expected either upstream or y (with its loss)",
                field=field,
            )
