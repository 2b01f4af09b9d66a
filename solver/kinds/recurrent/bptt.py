"""The numbers of a vanilla RNN: hidden updates, their Jacobians, and BPTT's path terms.

Vectors are 1-D arrays in both conventions; the convention only decides how a
weight matrix meets a vector.  In the row convention of seed 002 a vector
multiplies from the left (``x_t W_x``, W is inputs × outputs); in the column
convention of seed 003 the matrix does (``W_x x_t``, W is outputs × inputs).

Derivatives of the hidden and output activations are taken from their outputs
(tanh' = 1 − h², σ' = h(1 − h), ReLU' = [h > 0]: each activation's
``slope_from_output``), which is how the notes write them and lets every
backward step depend on forward steps only.

>>> import numpy as np
>>> W = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> times(W, np.array([1.0, 0.0]), "row"), times(W, np.array([1.0, 0.0]), "column")
(array([1., 2.]), array([1., 3.]))
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from solver.math.activations import activation

Convention = Literal["row", "column"]

#: Jacobian-product norms outside these bounds are called vanishing / exploding.
VANISHING_BELOW = 1e-2
EXPLODING_ABOVE = 1e2


def times(weights: np.ndarray, vector: np.ndarray, convention: Convention) -> np.ndarray:
    """``vector · W`` (row convention) or ``W · vector`` (column convention)."""
    return vector @ weights if convention == "row" else weights @ vector


def through(weights: np.ndarray, convention: Convention) -> np.ndarray:
    """The Jacobian of ``times(W, v)`` with respect to v (entry [i, j] = ∂out_i/∂v_j)."""
    return weights.T if convention == "row" else weights


def hidden_update(
    name: str, x: np.ndarray, h_previous: np.ndarray, W_x: np.ndarray, W_h: np.ndarray, b_h: np.ndarray, c: Convention
) -> np.ndarray:
    """h_t = f(x_t W_x + h_{t-1} W_h + b_h), or f(W_x x_t + W_h h_{t-1} + b_h)."""
    return activation(name)(times(W_x, x, c) + times(W_h, h_previous, c) + b_h)


def output(name: str, h: np.ndarray, W_y: np.ndarray, b_y: np.ndarray, c: Convention) -> np.ndarray:
    """y_hat = g(h W_y + b_y), or g(W_y h + b_y)."""
    return activation(name)(times(W_y, h, c) + b_y)


def slope_from_output(name: str, h: np.ndarray) -> np.ndarray:
    """f'(z) elementwise for a hidden activation, from its output h = f(z)."""
    return activation(name).slope_from_output(h)


def output_jacobian(name: str, y_hat: np.ndarray) -> np.ndarray:
    """dy_hat/dz for the output activation g, from y_hat = g(z)."""
    if not activation(name).elementwise:  # softmax: every output depends on every z
        return np.diag(y_hat) - np.outer(y_hat, y_hat)
    return np.diag(slope_from_output(name, y_hat))


def step_jacobian(name: str, h: np.ndarray, W_h: np.ndarray, c: Convention) -> np.ndarray:
    """dh_t/dh_{t-1} = diag(f'(z_t)) · (W_h as it meets h_{t-1})."""
    return np.diag(slope_from_output(name, h)) @ through(W_h, c)


def weight_term(local: np.ndarray, used_with: np.ndarray, c: Convention) -> np.ndarray:
    """dL/dW for one use of W on ``used_with``, given dL/dz at that use (``local``)."""
    return np.outer(used_with, local) if c == "row" else np.outer(local, used_with)


def spectral_norm(matrix: np.ndarray) -> float:
    """‖M‖₂, the largest singular value: how much M can stretch a gradient."""
    return float(np.linalg.norm(np.atleast_2d(matrix), 2))


def regime(norm: float) -> str | None:
    """'vanishing' or 'exploding' when a Jacobian product's norm leaves [1e-2, 1e2]."""
    if norm < VANISHING_BELOW:
        return "vanishing"
    if norm > EXPLODING_ABOVE:
        return "exploding"
    return None
