"""Every activation in one table: its value, derivative, SymPy form, written forms and classic mistakes.

One ``Activation`` entry is all the solver knows about an activation: the
neuron, the network, the rnn and symbolic mode read it from ``ACTIVATIONS``,
so a new activation is one entry here.  Values are NumPy, computed stably
(``sigmoid(1000)`` does not overflow).  ``derivative(z)`` is f'(z)
elementwise (softmax excepted: see ``softmax_jacobian``); ``slope_from_output(a)``
is the same slope written from a = f(z), as the notes write tanh' = 1 − a².
ReLU'(0) is taken as 0, as PyTorch does.

Written forms have a hole ``{z}`` for the pre-activation (``{a}`` for the output,
``{times}`` for the product: ``·`` between numbers, ``⊙`` between vectors).
SymPy forms take the symbols and build the expression; SymPy is imported only
when one is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.graph.errors import InputError

Array = np.ndarray
LEAKY_SLOPE = 0.01


def sigmoid(z: Array) -> Array:
    z = np.asarray(z, dtype=float)
    # exp of a non-positive number only: no overflow for large |z|.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def softmax(z: Array) -> Array:
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z))
    return e / e.sum()


def softmax_jacobian(z: Array) -> Array:
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)


def check_softmax_width(name: str, outputs: int, field: str) -> None:
    """Softmax over one output is always 1: its loss could never change, so it is refused."""
    if name == "softmax" and outputs < 2:
        raise InputError(
            "softmax over a single output is always 1, so the loss would never change; "
            "expected 2 or more outputs (or sigmoid for one)",
            field=field,
        )


@dataclass(frozen=True)
class Forms:
    """f(z) and f'(z) with a hole ``{z}``, in text and LaTeX; f' from the output with holes ``{a}``, ``{times}``."""

    value: str
    value_latex: str
    slope: str
    slope_latex: str
    slope_from_output: str


@dataclass(frozen=True)
class SlopeMistake:
    """A wrong f'(z) students write: its name, the feedback, and the wrong slope as a function of z;
    ``sympy_slope`` (sympy module, z, a) -> the same slip written as the notes write f' (in a where they do)."""

    name: str
    feedback: str
    slope: Callable[[Array], Array]
    sympy_slope: Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class Activation:
    name: str
    value: Callable[[Array], Array]
    slope: Callable[[Array], Array]
    slope_of_output: Callable[[Array], Array]
    text: str  # f(z), for people
    derivative_text: str  # f'(z) written as the notes write it
    forms: Forms
    #: (sympy module, z) -> f(z); (sympy module, z, a) -> f'(z), through a where the notes write it so.
    sympy_value: Callable[[Any, Any], Any] | None
    sympy_slope: Callable[[Any, Any, Any], Any] | None
    #: Its own wrong slopes (the chain rule's slips are added by ``slope_mistakes``).
    mistakes: tuple[SlopeMistake, ...] = ()
    #: A slope of 1 is this activation's own named slip (ReLU's "not zeroed"), not "f' dropped".
    slope_one_is_own_mistake: bool = False
    #: Why a unit passes no gradient at these z, or the convention at a kink; None when nothing to say.
    note: Callable[[Array], str | None] | None = None
    symbolic_note: str | None = None
    elementwise: bool = True

    def __call__(self, z: Array) -> Array:
        return self.value(np.asarray(z, dtype=float))

    def derivative(self, z: Array) -> Array:
        """f'(z) elementwise; for softmax the diagonal of its Jacobian."""
        return self.slope(np.asarray(z, dtype=float))

    def slope_from_output(self, a: Array) -> Array:
        """f'(z) from a = f(z) (softmax: the diagonal of its Jacobian)."""
        return self.slope_of_output(np.asarray(a, dtype=float))

    def form(self, z: str, style: str = "text", derivative: bool = False) -> str:
        """f(z) or f'(z) written with a hole for the step ``z`` that holds the pre-activation."""
        forms = self.forms
        pattern = (
            (forms.slope_latex if derivative else forms.value_latex)
            if style == "latex"
            else (forms.slope if derivative else forms.value)
        )
        return pattern.replace("{z}", "{" + z + "}")

    def output_slope_text(self, a: str, scalar: bool) -> str:
        """f'(z) written from the step ``a`` that holds f(z) (tanh: ``(1 − {a}²)``)."""
        times = "·" if scalar else " ⊙ "
        return self.forms.slope_from_output.replace("{a}", "{" + a + "}").replace("{times}", times)

    def sympy(self, z: Any, field: str = "activation") -> Any:
        """f(z) as SymPy; ``field`` names the problem field the activation came from, for a refusal."""
        if self.sympy_value is None:
            symbolic = ", ".join(name for name, act in ACTIVATIONS.items() if act.sympy_value is not None)
            raise InputError(
                f"activation {self.name!r} is not available symbolically; expected one of: {symbolic}", field=field
            )
        import sympy

        return self.sympy_value(sympy, z)

    def sympy_derivative(self, z: Any, a: Any) -> Any:
        import sympy

        assert self.sympy_slope is not None
        return self.sympy_slope(sympy, z, a)


def _ones(z: Array) -> Array:
    return np.ones_like(np.asarray(z, dtype=float))


def _sympy_one(sp: Any, z: Any, a: Any) -> Any:
    return sp.Integer(1)


def slope_mistakes(act: Activation) -> tuple[SlopeMistake, ...]:
    """The wrong derivatives students write for ``act``: the chain rule's slips, then its own."""
    if act.name == "linear":
        return ()  # f' = 1 and f(z) = z: leaving f' out is right, and z is no derivative anyone writes
    dropped = SlopeMistake(
        "activation_derivative_dropped",
        "The chain runs through a = f(z): multiply by f'(z) too; you took it as 1.",
        _ones,
        _sympy_one,
    )
    itself = SlopeMistake(
        "activation_instead_of_derivative",
        f"The chain multiplies by the derivative {act.derivative_text}; you used the activation {act.text} itself.",
        act,
        lambda sp, z, a: a,
    )
    return ((itself,) if act.slope_one_is_own_mistake else (dropped, itself)) + act.mistakes


def _relu_note(z: Array) -> str | None:
    z = np.atleast_1d(np.asarray(z, dtype=float))
    dead = [str(i + 1) for i in range(z.size) if z[i] < 0]
    zero = [str(i + 1) for i in range(z.size) if z[i] == 0]
    parts = []
    if dead:
        parts.append(f"z < 0 at unit {', '.join(dead)}: ReLU is flat there, so ReLU' = 0 and no gradient flows back")
    if zero:
        parts.append(f"z = 0 at unit {', '.join(zero)}: ReLU'(0) is taken as 0, as PyTorch does")
    return "; ".join(parts) or None


def _named(name: str) -> Any:
    """A SymPy function that prints as the notes write it (``σ``, ``ReLU``), from ``solver.graph.symbolic``."""
    from solver.graph import symbolic

    return getattr(symbolic, name)


def _leaky_slope(sp: Any) -> Any:
    """LeakyReLU's slope below 0 as an exact SymPy number (1/100, not the float 0.01)."""
    return sp.Rational(LEAKY_SLOPE).limit_denominator(1000)


def _not_as_slope(name: str) -> SlopeMistake:
    pretty = "ReLU" if name == "relu" else "LeakyReLU"
    slope = "0" if name == "relu" else f"{LEAKY_SLOPE:g}"
    return SlopeMistake(
        "relu_gradient_not_zeroed" if name == "relu" else "leaky_relu_slope_not_scaled",
        f"{pretty} has slope {slope} where z < 0; you let the gradient through there as if the slope were 1.",
        _ones,
        _sympy_one,
    )


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "linear",
            value=lambda z: z.copy(),
            slope=_ones,
            slope_of_output=_ones,
            text="z",
            derivative_text="1",
            forms=Forms("{z}", "{z}", "1", "1", "1"),
            sympy_value=lambda sp, z: z,
            sympy_slope=lambda sp, z, a: sp.Integer(1),
        ),
        Activation(
            "relu",
            value=lambda z: np.maximum(z, 0.0),
            slope=lambda z: (z > 0).astype(float),
            slope_of_output=lambda a: (a > 0).astype(float),
            text="max(0, z)",
            derivative_text="1 if z > 0 else 0",
            forms=Forms("ReLU({z})", r"\mathrm{ReLU}({z})", "ReLU'({z})", r"\mathrm{ReLU}'({z})", "[{a} > 0]"),
            sympy_value=lambda sp, z: _named("ReLU")(z),
            sympy_slope=lambda sp, z, a: _named("ReLUPrime")(z),
            mistakes=(_not_as_slope("relu"),),
            slope_one_is_own_mistake=True,
            note=_relu_note,
            symbolic_note="ReLU'(z) is 1 for z > 0 and 0 for z < 0 (taken as 0 at z = 0, as PyTorch does); "
            "writing ∂a/∂z = 1 holds only while the neuron is active (z > 0)",
        ),
        Activation(
            "leaky_relu",
            value=lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            slope=lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE),
            slope_of_output=lambda a: np.where(a > 0, 1.0, LEAKY_SLOPE),
            text=f"z if z > 0 else {LEAKY_SLOPE}·z",
            derivative_text=f"1 if z > 0 else {LEAKY_SLOPE}",
            forms=Forms(
                "LeakyReLU({z})",
                r"\mathrm{LeakyReLU}({z})",
                "LeakyReLU'({z})",
                r"\mathrm{LeakyReLU}'({z})",
                f"[1 if {{a}} > 0 else {LEAKY_SLOPE:g}]",
            ),
            sympy_value=lambda sp, z: sp.Piecewise((z, z > 0), (_leaky_slope(sp) * z, True)),
            sympy_slope=lambda sp, z, a: sp.Piecewise((1, z > 0), (_leaky_slope(sp), True)),
            mistakes=(_not_as_slope("leaky_relu"),),
            slope_one_is_own_mistake=True,
        ),
        Activation(
            "sigmoid",
            value=sigmoid,
            slope=lambda z: sigmoid(z) * (1 - sigmoid(z)),
            slope_of_output=lambda a: a * (1 - a),
            text="1 / (1 + e^(−z))",
            derivative_text="σ(z)(1 − σ(z))",
            forms=Forms(
                "σ({z})", r"\sigma({z})", "σ({z})(1 − σ({z}))", r"\sigma({z})(1 - \sigma({z}))", "{a}{times}(1 − {a})"
            ),
            sympy_value=lambda sp, z: _named("sigma")(z),
            sympy_slope=lambda sp, z, a: a * (1 - a),
            mistakes=(
                SlopeMistake(
                    "sigmoid_derivative_on_z",
                    "σ'(z) is σ(z)(1 − σ(z)) = a(1 − a); you used z(1 − z), putting z where the activation belongs.",
                    lambda z: z * (1 - z),
                    lambda sp, z, a: z * (1 - z),
                ),
                SlopeMistake(
                    "sigmoid_derivative_of_activation",
                    "σ'(z) is a(1 − a) with a = σ(z); you applied σ' to a itself: σ(a)(1 − σ(a)).",
                    lambda z: sigmoid(sigmoid(z)) * (1 - sigmoid(sigmoid(z))),
                    lambda sp, z, a: _named("sigma")(a) * (1 - _named("sigma")(a)),
                ),
            ),
        ),
        Activation(
            "tanh",
            value=np.tanh,
            slope=lambda z: 1 - np.tanh(z) ** 2,
            slope_of_output=lambda a: 1 - a**2,
            text="tanh(z)",
            derivative_text="1 − tanh²(z)",
            forms=Forms("tanh({z})", r"\tanh({z})", "(1 − tanh²({z}))", r"(1 - \tanh^2({z}))", "(1 − {a}²)"),
            sympy_value=lambda sp, z: sp.tanh(z),
            sympy_slope=lambda sp, z, a: 1 - a**2,
            mistakes=(
                SlopeMistake(
                    "tanh_derivative_unsquared",
                    "tanh'(z) is 1 − tanh²(z); you wrote 1 − tanh(z) without the square.",
                    lambda z: 1 - np.tanh(z),
                    lambda sp, z, a: 1 - a,
                ),
                SlopeMistake(
                    "tanh_derivative_plus",
                    "tanh'(z) is 1 − tanh²(z); you added tanh²(z) instead of subtracting it.",
                    lambda z: 1 + np.tanh(z) ** 2,
                    lambda sp, z, a: 1 + a**2,
                ),
            ),
        ),
        Activation(
            "softmax",
            value=softmax,
            slope=lambda z: softmax(z) * (1 - softmax(z)),
            slope_of_output=lambda a: a * (1 - a),
            text="e^(z_i) / Σ_j e^(z_j)",
            derivative_text="diag(s) − s sᵀ",
            forms=Forms(
                "softmax({z})",
                r"\mathrm{softmax}({z})",
                "J_softmax({z})ᵀ",
                r"J_{\mathrm{softmax}}({z})^\top",
                "diag({a}) − {a}{a}ᵀ",
            ),
            sympy_value=None,
            sympy_slope=None,
            elementwise=False,
        ),
        Activation(
            "softplus",
            value=lambda z: np.logaddexp(0.0, z),  # log(1 + e^z) without overflow
            slope=sigmoid,
            slope_of_output=lambda a: -np.expm1(-a),  # σ(z) = 1 − e^(−a), exact for small a too
            text="log(1 + e^z)",
            derivative_text="σ(z)",
            forms=Forms("softplus({z})", r"\operatorname{softplus}({z})", "σ({z})", r"\sigma({z})", "(1 − e^(−{a}))"),
            sympy_value=lambda sp, z: sp.log(1 + sp.exp(z)),
            sympy_slope=lambda sp, z, a: _named("sigma")(z),
            mistakes=(
                SlopeMistake(
                    "softplus_derivative_sigmoid_slope",
                    "softplus'(z) is σ(z) itself; you used σ'(z) = σ(z)(1 − σ(z)), one derivative too many.",
                    lambda z: sigmoid(z) * (1 - sigmoid(z)),
                    lambda sp, z, a: _named("sigma")(z) * (1 - _named("sigma")(z)),
                ),
            ),
        ),
    )
}

ALIASES = {"identity": "linear", "none": "linear", "leakyrelu": "leaky_relu"}


def activation(name: str, where: str = "activation") -> Activation:
    key = name.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key not in ACTIVATIONS:
        raise InputError(f"unknown activation {name!r}; expected one of: {', '.join(ACTIVATIONS)}", field=where)
    return ACTIVATIONS[key]


def elementwise_names() -> tuple[str, ...]:
    """The activations a single unit (a neuron, a hidden state) can apply: all but softmax."""
    return tuple(name for name, act in ACTIVATIONS.items() if act.elementwise)
