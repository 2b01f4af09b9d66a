"""The named mistakes of dense networks, as ``Variant``s on the steps where the wrong rule applies.

The grader recognises a student's wrong value by re-running the solution with
one of these in place (``Solution.evaluate(variant=(step, name))``), so a
mistake in σ' is also recognised in every gradient and update downstream.

* activation derivative (``da/dz``; ``da1/dz1``, ``dy_hat/dz2``, ... of a network, so that the
  delta rule carries it into every gradient below): ``activation_derivative_dropped``,
  ``activation_instead_of_derivative``, ``sigmoid_derivative_on_z``,
  ``sigmoid_derivative_of_activation``, ``tanh_derivative_unsquared``,
  ``tanh_derivative_plus``, ``relu_gradient_not_zeroed``, ``leaky_relu_slope_not_scaled``;
* loss value (``loss``): ``loss_without_half``, ``loss_with_half``, ``sum_instead_of_mean``,
  ``mean_instead_of_sum``;
* loss derivative (``dL/dy_hat``, ``dL/da``): ``derivative_missing_factor_2``,
  ``derivative_extra_factor_2``, ``derivative_missing_mean``, ``residual_reversed``;
* updates (``*_new``): ``gradient_ascent``.

The affine steps' own mistakes (``bias_forgotten``, ``weights_transposed``,
``weights_not_transposed``) sit with the steps in ``solver.kinds.dense.mlp_steps`` and
``solver.kinds.dense.neuron_steps``, where the shapes they need are known.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from solver.graph.formula import Template
from solver.graph.steps import Step, Variant
from solver.kinds.dense.layers import Array, descend, shown, vector
from solver.math.activations import LEAKY_SLOPE, Activation, sigmoid

#: (name, feedback, f'(z) as the mistaken student computes it)
DerivativeMistake = tuple[str, str, Callable[[Array], Array]]


def ascend(parameter: Any, gradient: Any, rate: float) -> Any:
    """The sign-flipped update θ + η ∂L/∂θ (a named mistake)."""
    return descend(parameter, gradient, -rate)


def derivative_mistakes(activation: Activation) -> list[DerivativeMistake]:
    """The wrong derivatives students write for ``activation``, each as a function of z."""
    return _chain_rule_mistakes(activation) + _own_derivative_mistakes(activation)


def _chain_rule_mistakes(activation: Activation) -> list[DerivativeMistake]:
    """The slips of the chain rule itself, the same for every activation with a slope of its own."""
    if activation.name == "linear":
        return []  # f' = 1 and f(z) = z: leaving f' out is right, and z is no derivative anyone writes
    found: list[DerivativeMistake] = []
    if activation.name not in ("relu", "leaky_relu"):  # there slope 1 is the named "not zeroed/scaled" slip
        found.append(
            (
                "activation_derivative_dropped",
                "The chain runs through a = f(z): multiply by f'(z) too; you took it as 1.",
                lambda z: np.ones_like(np.asarray(z, dtype=float)),
            )
        )
    found.append(
        (
            "activation_instead_of_derivative",
            f"The chain multiplies by the derivative {activation.derivative_text}; you used the activation "
            f"{activation.text} itself.",
            activation,
        )
    )
    return found


def _own_derivative_mistakes(activation: Activation) -> list[DerivativeMistake]:
    """The wrong formulas of one activation's derivative."""
    name = activation.name
    if name == "sigmoid":
        return [
            (
                "sigmoid_derivative_on_z",
                "σ'(z) is σ(z)(1 − σ(z)) = a(1 − a); you used z(1 − z), putting z where the activation belongs.",
                lambda z: z * (1 - z),
            ),
            (
                "sigmoid_derivative_of_activation",
                "σ'(z) is a(1 − a) with a = σ(z); you applied σ' to a itself: σ(a)(1 − σ(a)).",
                lambda z: sigmoid(sigmoid(z)) * (1 - sigmoid(sigmoid(z))),
            ),
        ]
    if name == "tanh":
        return [
            (
                "tanh_derivative_unsquared",
                "tanh'(z) is 1 − tanh²(z); you wrote 1 − tanh(z) without the square.",
                lambda z: 1 - np.tanh(z),
            ),
            (
                "tanh_derivative_plus",
                "tanh'(z) is 1 − tanh²(z); you added tanh²(z) instead of subtracting it.",
                lambda z: 1 + np.tanh(z) ** 2,
            ),
        ]
    if name in ("relu", "leaky_relu"):
        slope = "0" if name == "relu" else f"{LEAKY_SLOPE:g}"
        return [
            (
                "relu_gradient_not_zeroed" if name == "relu" else "leaky_relu_slope_not_scaled",
                f"{'ReLU' if name == 'relu' else 'LeakyReLU'} has slope {slope} where z < 0; "
                "you let the gradient through there as if the slope were 1.",
                lambda z: np.ones_like(np.asarray(z, dtype=float)),
            )
        ]
    return []


def derivative_variants(act: Activation, combine: Any) -> tuple[Variant, ...]:
    """The activation-derivative mistakes, each fed through ``combine(derivative, *deps)``."""
    return tuple(
        Variant(name, feedback, lambda *deps, wrong=wrong: combine(wrong, *deps))
        for name, feedback, wrong in derivative_mistakes(act)
    )


def loss_variants(name: str, value_of: Any) -> tuple[Variant, ...]:
    """Named mistakes of the loss value: the ½ and the mean of the squared losses."""
    found = []
    if name == "half_squared":
        found.append(("loss_without_half", "This loss is ½ Σ (ŷ − y)²; you left out the ½.", 2.0))
    if name in ("mse", "sse"):
        found.append(("loss_with_half", f"{name} has no ½ in front; you halved the squared error.", 0.5))
    variants = [
        Variant(variant, feedback, lambda p, y, factor=factor: factor * value_of(p, y))
        for variant, feedback, factor in found
    ]
    # A mean where the loss sums, or the reverse.
    reduction_slips = {
        "mse": ("sum_instead_of_mean", "MSE is the mean over the outputs; you summed the squared errors instead "
                "of averaging them.", np.sum),
        "sse": ("mean_instead_of_sum", "This loss sums the squared errors; you averaged them.", np.mean),
    }  # fmt: skip
    if name in reduction_slips:
        variant, feedback, reduce = reduction_slips[name]
        variants.append(Variant(variant, feedback, lambda p, y: float(reduce((vector(p) - vector(y)) ** 2))))
    return tuple(variants)


def gradient_variants(name: str, gradient_of: Any) -> tuple[Variant, ...]:
    """Named mistakes of dL/dŷ: the factor 2 of the square, MSE's 1/n, and the residual's sign."""
    # (name, feedback, the factor the mistaken derivative carries, from the prediction ŷ)
    found: list[tuple[str, str, Callable[[Array], float]]] = []
    if name in ("mse", "sse"):
        found.append(("derivative_missing_factor_2", "d/dŷ (ŷ − y)² is 2(ŷ − y); you dropped the 2.", lambda p: 0.5))
    if name == "mse":
        # n is the number of outputs: for a single output the slip cannot show.
        found.append(
            (
                "derivative_missing_mean",
                "MSE averages over the n outputs, so its derivative keeps the 1/n; you dropped it.",
                lambda p: float(vector(p).size),
            )
        )
    if name == "half_squared":
        kept_two = "d/dŷ ½(ŷ − y)² is ŷ − y: the ½ cancels the 2, which you kept."
        found.append(("derivative_extra_factor_2", kept_two, lambda p: 2.0))
    if name in ("mse", "sse", "half_squared", "mae", "huber"):
        found.append(
            ("residual_reversed", "The derivative is in ŷ − y, not y − ŷ: your sign is flipped.", lambda p: -1.0)
        )
    return tuple(
        Variant(variant, feedback, lambda p, y, factor=factor: shown(factor(p) * vector(gradient_of(p, y))))
        for variant, feedback, factor in found
    )


def update_step(name: str, parameter: str, gradient: str, index_origin: tuple[int, ...] = ()) -> Step:
    """θ_new = θ − η ∂L/∂θ, with the sign-flipped rule as a named mistake."""
    return Step(
        name,
        f"gradient-descent update of {parameter}",
        deps=(parameter, "eta", gradient),
        compute=descend,
        formula=Template(
            f"{{{parameter}}} − {{eta}}·{{{gradient}}}", rf"{{{parameter}}} - {{eta}} \cdot {{{gradient}}}"
        ),
        index_origin=index_origin,
        variants=(
            Variant(
                "gradient_ascent",
                "Gradient descent subtracts η·gradient; you added it, which climbs the loss.",
                ascend,
            ),
        ),
    )
