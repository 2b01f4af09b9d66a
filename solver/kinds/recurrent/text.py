"""How the rnn kind writes its formulas, in both conventions, as text and LaTeX.

Formulas are written once as text with ``{step}`` holes; their LaTeX comes
from the text (``solver.graph.formula.text_to_latex``), so the two never drift apart.
"""

from __future__ import annotations

from solver.graph.formula import Template, is_hole
from solver.kinds.recurrent.bptt import Convention

FUNCTION_TEXT = {"tanh": "tanh", "sigmoid": "σ", "relu": "ReLU", "softmax": "softmax", "linear": ""}


def formula(text: str) -> Template:
    return Template(text)


def hole(name: str) -> str:
    return "{" + name + "}"


def apply_text(function: str, inner: str) -> str:
    name = FUNCTION_TEXT[function]
    return f"{name}({inner})" if name else inner


def times_text(weights: str, vector: str, convention: Convention) -> str:
    """``x·W`` or ``W·x`` with holes."""
    return f"{hole(vector)}·{hole(weights)}" if convention == "row" else f"{hole(weights)}·{hole(vector)}"


def slope_text(activation: str, h: str, scalar: bool) -> str:
    """f'(z_t) written from h_t, as the notes write tanh' = 1 − tanh²."""
    product = "·" if scalar else " ⊙ "
    if activation == "tanh":
        return f"(1 − {hole(h)}²)"
    if activation == "sigmoid":
        return f"{hole(h)}{product}(1 − {hole(h)})"
    return f"[{hole(h)} > 0]"


def through_text(weights: str, convention: Convention, scalar: bool) -> str:
    """W as it meets the vector it multiplies, in a chain of derivatives."""
    return hole(weights) + ("ᵀ" if convention == "row" and not scalar else "")


def outer_text(local: str, used_with: str, convention: Convention, scalar: bool) -> str:
    """dL/dW for one use of W: the local gradient times what W multiplied there."""
    if scalar:
        return f"{local}·{hole(used_with)}"
    if not is_hole(local):
        local = f"({local})"
    if convention == "row":
        return f"{hole(used_with)}ᵀ·{local}"
    return f"{local}·{hole(used_with)}ᵀ"


def loss_text(loss: str, y_hat: str, y: str) -> str:
    if loss == "bce":
        return f"−[{hole(y)}·ln {hole(y_hat)} + (1 − {hole(y)})·ln(1 − {hole(y_hat)})]"
    if loss == "mse":
        return f"mean(({hole(y_hat)} − {hole(y)})²)"
    if loss == "cross_entropy":
        return f"−Σ {hole(y)}·ln {hole(y_hat)}"
    return f"{loss}({hole(y_hat)}, {hole(y)})"


def loss_gradient_text(loss: str, y_hat: str, y: str, outputs: int) -> str:
    if loss == "bce":
        return f"−{hole(y)}/{hole(y_hat)} + (1 − {hole(y)})/(1 − {hole(y_hat)})"
    if loss == "mse":
        return f"2·({hole(y_hat)} − {hole(y)})" + (f"/{outputs}" if outputs > 1 else "")
    if loss == "cross_entropy":
        return f"−{hole(y)}/{hole(y_hat)}"
    return f"∂{loss}/∂ŷ at ({hole(y_hat)}, {hole(y)})"


def output_slope_text(output: str, upstream: str, y_hat: str, convention: Convention, scalar: bool) -> str:
    """dL/dz_y = dL/dy_hat · dy_hat/dz_y, from y_hat (rows in the row convention, columns in the column one)."""
    if output == "sigmoid":
        product = "·" if scalar else " ⊙ "
        return f"{hole(upstream)}{product}{hole(y_hat)}{product}(1 − {hole(y_hat)})"
    if output == "softmax":
        if convention == "row":
            return f"{hole(upstream)}·(diag({hole(y_hat)}) − {hole(y_hat)}ᵀ{hole(y_hat)})"
        return f"(diag({hole(y_hat)}) − {hole(y_hat)}{hole(y_hat)}ᵀ)·{hole(upstream)}"
    return hole(upstream)


def back_through_text(gradient: str, weights: str, convention: Convention, scalar: bool, vector: bool) -> str:
    """A gradient carried back through W to a hidden state, as a row: g·Wᵀ (row) or gᵀ·W (column)."""
    if scalar:
        return f"{hole(gradient)}·{hole(weights)}"
    if convention == "row":
        return f"{hole(gradient)}·{hole(weights)}ᵀ"
    return f"{hole(gradient)}{'ᵀ' if vector else ''}·{hole(weights)}"
