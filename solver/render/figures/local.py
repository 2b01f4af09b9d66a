"""The local derivative ∂step/∂dep of one edge of the computation graph, read from the step's formula.

A SymPy formula is differentiated with respect to the dependency's symbol.  A
formula written as text is read by its shape, the few shapes the kinds write:
a sum of terms, each a dependency alone (∂ = 1), a product of dependencies
(∂ = the other factors, a matrix transposed when the gradient goes back to a
vector: ``W2ᵀ``; the vector itself when it goes to the matrix: ``x``), or an
activation of such a sum (``σ′(z1)``, ``tanh′·W_hᵀ``).  Anything else has no
short form here and the figure writes ``∂step/∂dep``.  The value comes with it
when every factor is one number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from solver.graph.formula import Template
from solver.math.activations import ACTIVATIONS, Activation
from solver.render.figures.names import figure_name

if TYPE_CHECKING:
    from solver.graph.steps import Solution, Step

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
#: Longer than this, an expression is no label: the edge says ∂step/∂dep instead.
LONGEST = 16


@dataclass(frozen=True)
class Local:
    """A local derivative as the course writes it, and its value when that is one number."""

    text: str
    value: float | None


def local_derivative(solution: Solution, step: Step, dep: str) -> Local:
    """∂step/∂dep: its short expression where the formula gives one, else the derivative's own name."""
    found = _from_formula(solution, step, dep)
    if found is None or len(found.text) > LONGEST:
        return Local(derivative_name(solution, step, dep), found.value if found else None)
    return found


def derivative_name(solution: Solution, step: Step, dep: str) -> str:
    """``∂step/∂dep`` in the course's names."""
    child, parent = (_grouped(figure_name(name, solution.notation)) for name in (step.name, dep))
    return f"∂{child}/∂{parent}"


def _grouped(name: str) -> str:
    """A derivative's name inside another derivative is bracketed: ∂(dL/dz)/∂z."""
    return f"({name})" if "/" in name else name


def _from_formula(solution: Solution, step: Step, dep: str) -> Local | None:
    formula = step.formula
    if hasattr(formula, "expr"):  # a SymPy formula (only symbolic kinds have one, so SymPy is loaded already)
        return _from_sympy(solution, formula.expr, dep)
    if isinstance(formula, Template):
        return _from_text(solution, step, formula.text, dep)
    return None


def _scalar(value: Any) -> float | None:
    array = np.asarray(value)
    return float(array.reshape(-1)[0]) if array.size == 1 and array.dtype.kind in "iuf" else None


def _from_sympy(solution: Solution, expr: Any, dep: str) -> Local | None:
    from solver.graph.symbolic import SympyFormula

    symbols = {s.name: s for s in expr.free_symbols}
    if dep not in symbols:
        return None
    derivative = expr.diff(symbols[dep])
    names = {name: figure_name(name, solution.notation) for name in symbols}
    text = SympyFormula(derivative).show("text", names)
    values = {symbol: _scalar(solution[name].value) for name, symbol in symbols.items() if name in solution}
    value = None
    if len(values) == len(symbols) and None not in values.values():
        number = derivative.subs(values)
        value = float(number) if number.is_number else None
    return Local(text, value)


def _top_level(text: str, separators: tuple[str, ...]) -> list[tuple[str, str]]:
    """``text`` cut at the separators outside brackets: (separator before the piece, piece)."""
    pieces: list[tuple[str, str]] = []
    depth, start, before, i = 0, 0, "", 0
    while i < len(text):
        depth += (text[i] in "([") - (text[i] in ")]")
        cut = next((s for s in separators if depth == 0 and text.startswith(s, i)), None)
        if cut:
            pieces.append((before, text[start:i].strip()))
            before, start, i = cut.strip(), i + len(cut), i + len(cut)
            continue
        i += 1
    return [*pieces, (before, text[start:].strip())]


def _from_text(solution: Solution, step: Step, text: str, dep: str) -> Local | None:
    """A sum of terms: only the one term that holds the dependency counts."""
    terms = [(sign, term) for sign, term in _top_level(text, (" + ", " − ")) if "{" + dep + "}" in term]
    if len(terms) != 1:
        return None
    sign, term = terms[0]
    found = _from_term(solution, step, term.replace(" · ", "·"), dep)
    if found is None or sign != "−":
        return found
    return Local("−" + found.text, None if found.value is None else -found.value)


def _from_term(solution: Solution, step: Step, term: str, dep: str) -> Local | None:
    if term == "{" + dep + "}":
        return Local("1", 1.0)
    applied = _activation_of(term)
    if applied is not None:
        return _through_activation(solution, step, *applied, dep)
    return _product(solution, term, dep)


def _activation_of(term: str) -> tuple[Activation, str, str] | None:
    """(the activation, its written name, the inner text) of a term ``f(…)``, for an elementwise activation."""
    for act in ACTIVATIONS.values():
        name, opened, _ = act.forms.value.partition("({z})")
        if opened and act.elementwise and term.startswith(name + "(") and term.endswith(")"):
            return act, name, term[len(name) + 1 : -1]
    return None


def _through_activation(
    solution: Solution, step: Step, act: Activation, name: str, inner: str, dep: str
) -> Local | None:
    """f′ times the inner derivative; f′ read from the step's own value, f(…)."""
    slope = _scalar(act.slope_from_output(step.value)) if _scalar(step.value) is not None else None
    if inner == "{" + dep + "}":
        return Local(f"{name}′({figure_name(dep, solution.notation)})", slope)
    within = _from_text(solution, step, inner, dep)
    if within is None:
        return None
    text = f"{name}′" if within.text == "1" else f"{name}′·{within.text}"
    value = None if slope is None or within.value is None else slope * within.value
    return Local(text, value)


def _product(solution: Solution, term: str, dep: str) -> Local | None:
    """The other factors of a product of dependencies and constants (``·`` or ``⊙``)."""
    factors = [factor for _, factor in _top_level(term, ("·", " ⊙ "))]
    if factors.count("{" + dep + "}") != 1:
        return None
    others = [factor for factor in factors if factor != "{" + dep + "}"]
    # Back to a vector through a matrix is a product with the matrix transposed; to the matrix, with the vector.
    turn = np.ndim(solution[dep].value) == 1
    shown, values = [], []
    for factor in others:
        name = factor.removesuffix("ᵀ")[1:-1]
        if _NUMBER.fullmatch(factor):
            shown.append(factor)
            values.append(float(factor))
        elif factor.removesuffix("ᵀ") == "{" + name + "}" and name in solution and name != dep:
            turned = turn and np.ndim(solution[name].value) == 2
            shown.append(figure_name(name, solution.notation) + ("ᵀ" if turned else ""))
            values.append(_scalar(solution[name].value))
        else:
            return None
    value = float(np.prod(values)) if None not in values else None  # type: ignore[arg-type]
    return Local("·".join(shown), value)
