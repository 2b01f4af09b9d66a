"""How the rnn kind writes its formulas, in both conventions, as text and LaTeX.

Formulas are written once as text with ``{step}`` holes; their LaTeX comes
from the text (``solver.graph.formula.text_to_latex``), so the two never drift apart.
"""

from __future__ import annotations

from solver.graph.formula import Template, is_hole, text_to_latex
from solver.kinds.recurrent.bptt import Convention
from solver.math.activations import activation
from solver.math.losses import loss


def formula(text: str) -> Template:
    return Template(text)


def hole(name: str) -> str:
    return "{" + name + "}"


def applied(function: str, inner: str) -> Template:
    """f(inner) as the activation writes itself, ``inner`` a text with holes."""
    forms = activation(function).forms
    return Template(forms.value.replace("{z}", inner), forms.value_latex.replace("{z}", text_to_latex(inner)))


def times_text(weights: str, vector: str, convention: Convention) -> str:
    """``x·W`` or ``W·x`` with holes."""
    return f"{hole(vector)}·{hole(weights)}" if convention == "row" else f"{hole(weights)}·{hole(vector)}"


def slope_text(function: str, h: str, scalar: bool) -> str:
    """f'(z_t) written from h_t, as the notes write tanh' = 1 − tanh²."""
    return activation(function).output_slope_text(h, scalar)


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


def loss_formula(name: str, pairs: list[tuple[str, str]], steps: int | None) -> Template:
    """The loss summed over (prediction, target) pairs; averaged over ``steps`` outputs when given."""
    entry = loss(name)
    text, latex = (" + ".join(entry.form(p, y, style) for p, y in pairs) for style in ("text", "latex"))
    if steps is None:
        return Template(text, latex)
    return Template(f"(1/{steps})·[{text}]", rf"\frac{{1}}{{{steps}}} \left[{latex}\right]")


def loss_gradient_formula(name: str, y_hat: str, y: str, steps: int | None) -> Template:
    """dL/dŷ of one output; the share 1/steps of a loss averaged over ``steps`` outputs."""
    entry = loss(name)
    text, latex = (entry.form(y_hat, y, style, gradient=True) for style in ("text", "latex"))
    if steps is None:
        return Template(text, latex)
    return Template(f"(1/{steps})·({text})", rf"\frac{{1}}{{{steps}}} \left({latex}\right)")


def output_slope_text(output: str, upstream: str, y_hat: str, convention: Convention, scalar: bool) -> str:
    """dL/dz_y = dL/dy_hat · dy_hat/dz_y, from y_hat (rows in the row convention, columns in the column one)."""
    function = activation(output)
    if not function.elementwise:  # softmax: its Jacobian, as it meets a row or a column
        if convention == "row":
            return f"{hole(upstream)}·(diag({hole(y_hat)}) − {hole(y_hat)}ᵀ{hole(y_hat)})"
        return f"(diag({hole(y_hat)}) − {hole(y_hat)}{hole(y_hat)}ᵀ)·{hole(upstream)}"
    if function.forms.slope_from_output == "1":  # linear: the slope changes nothing
        return hole(upstream)
    return f"{hole(upstream)}{'·' if scalar else ' ⊙ '}{function.output_slope_text(y_hat, scalar)}"


def back_through_text(gradient: str, weights: str, convention: Convention, scalar: bool, vector: bool) -> str:
    """A gradient carried back through W to a hidden state, as a row: g·Wᵀ (row) or gᵀ·W (column)."""
    if scalar:
        return f"{hole(gradient)}·{hole(weights)}"
    if convention == "row":
        return f"{hole(gradient)}·{hole(weights)}ᵀ"
    return f"{hole(gradient)}{'ᵀ' if vector else ''}·{hole(weights)}"
