"""How activations, their derivatives and losses are written, as templates over step names.

``loss_formulas("half_squared", "y_hat", "y")`` gives the ``Template`` pair
(L, dL/dŷ) with holes named after the steps that hold the prediction and the
target, so the neuron (prediction ``a``) and the network (``y_hat``) share them;
``activation_form("tanh", "z1")`` is ``("tanh({z1})", r"\tanh({z1})")``.
"""

from __future__ import annotations

from typing import Any

from solver.graph.formula import Template

#: loss -> (value text, value LaTeX, derivative text, derivative LaTeX); {p} prediction, {y} target.
FORMS: dict[str, tuple[str, str, str, str]] = {
    "mse": (
        "(1/n) Σ ({p} − {y})²",
        r"\frac{1}{n} \sum ({p} - {y})^2",
        "(2/n) ({p} − {y})",
        r"\frac{2}{n} ({p} - {y})",
    ),
    "sse": ("Σ ({p} − {y})²", r"\sum ({p} - {y})^2", "2 ({p} − {y})", r"2 ({p} - {y})"),
    "half_squared": (
        "½ Σ ({p} − {y})²",
        r"\frac{1}{2} \sum ({p} - {y})^2",
        "{p} − {y}",
        r"{p} - {y}",
    ),
    "mae": (
        "(1/n) Σ |{p} − {y}|",
        r"\frac{1}{n} \sum \left|{p} - {y}\right|",
        "sign({p} − {y}) / n",
        r"\frac{1}{n} \operatorname{sign}({p} - {y})",
    ),
    "huber": (
        "(1/n) Σ [½ r² if |r| ≤ δ else δ(|r| − ½δ)], r = {p} − {y}",
        r"\frac{1}{n} \sum \begin{cases} \frac{1}{2} r^2 & |r| \le \delta \\ \delta (|r| - \frac{1}{2}\delta)"
        r" & \text{else} \end{cases},\ r = {p} - {y}",
        "(1/n) [r if |r| ≤ δ else δ·sign(r)], r = {p} − {y}",
        r"\frac{1}{n} \begin{cases} r & |r| \le \delta \\ \delta \operatorname{sign}(r) & \text{else} \end{cases}",
    ),
    "bce": (
        "−Σ [{y} log {p} + (1 − {y}) log(1 − {p})]",
        r"-\sum \left[{y} \log {p} + (1 - {y}) \log(1 - {p})\right]",
        "−{y}/{p} + (1 − {y})/(1 − {p})",
        r"-\frac{{y}}{{p}} + \frac{1 - {y}}{1 - {p}}",
    ),
    "cross_entropy": (
        "−Σ_k {y}_k log {p}_k",
        r"-\sum_k {y}_k \log {p}_k",
        "−{y}_k / {p}_k",
        r"-\frac{{y}_k}{{p}_k}",
    ),
    "nll": (
        "−log {p}_c  (c: the true class in {y})",
        r"-\log {p}_c",
        "−1/{p}_c at the true class c, 0 elsewhere",
        r"-\frac{1}{{p}_c}",
    ),
    "hinge": (
        "(1/n) Σ max(0, 1 − {y}·{p})",
        r"\frac{1}{n} \sum \max(0, 1 - {y} {p})",
        "(1/n) (−{y} where 1 − {y}·{p} > 0, else 0)",
        r"\frac{1}{n} \begin{cases} -{y} & 1 - {y}{p} > 0 \\ 0 & \text{else} \end{cases}",
    ),
}


def loss_formulas(name: str, prediction: str, target: str) -> tuple[Template, Template]:
    """(L, dL/dprediction) templates with holes ``{prediction}`` and ``{target}``."""
    value_text, value_latex, grad_text, grad_latex = FORMS[name]

    def fill(pattern: str) -> str:
        return pattern.replace("{p}", "{" + prediction + "}").replace("{y}", "{" + target + "}")

    return Template(fill(value_text), fill(value_latex)), Template(fill(grad_text), fill(grad_latex))


#: activation -> (f text, f LaTeX, f' text, f' LaTeX); {z} is the pre-activation.
ACTIVATION_FORMS: dict[str, tuple[str, str, str, str]] = {
    "linear": ("{z}", "{z}", "1", "1"),
    "relu": ("ReLU({z})", r"\mathrm{ReLU}({z})", "ReLU'({z})", r"\mathrm{ReLU}'({z})"),
    "leaky_relu": ("LeakyReLU({z})", r"\mathrm{LeakyReLU}({z})", "LeakyReLU'({z})", r"\mathrm{LeakyReLU}'({z})"),
    "sigmoid": ("σ({z})", r"\sigma({z})", "σ({z})(1 − σ({z}))", r"\sigma({z})(1 - \sigma({z}))"),
    "tanh": ("tanh({z})", r"\tanh({z})", "(1 − tanh²({z}))", r"(1 - \tanh^2({z}))"),
    "softmax": ("softmax({z})", r"\mathrm{softmax}({z})", "J_softmax({z})ᵀ", r"J_{\mathrm{softmax}}({z})^\top"),
}


def activation_form(name: str, z: str, style: str = "text", derivative: bool = False) -> str:
    """f(z) or f'(z) written with a hole ``{z}`` for the step that holds z."""
    forms = ACTIVATION_FORMS[name]
    pattern = forms[(2 if derivative else 0) + (1 if style == "latex" else 0)]
    return pattern.replace("{z}", "{" + z + "}")


def derivative_note(act: Any, z: Any) -> str | None:
    """Why some units pass no gradient (ReLU at z < 0) and the convention at z = 0."""
    if act.name != "relu":
        return None
    from solver.kinds.dense.layers import vector

    z = vector(z)
    dead = [str(i + 1) for i in range(z.size) if z[i] < 0]
    zero = [str(i + 1) for i in range(z.size) if z[i] == 0]
    parts = []
    if dead:
        parts.append(f"z < 0 at unit {', '.join(dead)}: ReLU is flat there, so ReLU' = 0 and no gradient flows back")
    if zero:
        parts.append(f"z = 0 at unit {', '.join(zero)}: ReLU'(0) is taken as 0, as PyTorch does")
    return "; ".join(parts) or None
