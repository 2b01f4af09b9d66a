"""SymPy formulas for steps, and the functions a symbolic derivation needs.

``SympyFormula(expr)`` implements the ``Formula`` protocol of
``solver.graph.formula``: its free symbols are named after steps, and ``show``
prints the expression with each symbol replaced by what the renderer asks
(the step's display name, or its value).

>>> import sympy
>>> a, y = sympy.symbols("a y")
>>> SympyFormula((a - y) ** 2).show("text", {"a": "0.7", "y": "1"})
'(0.7 - 1)^2'

``ReLU``, ``ReLUPrime`` and ``sigma`` are SymPy functions that print as the
notes write them and differentiate as the notes do (ReLU'(0) = 0, σ' = σ(1 − σ));
the activations' SymPy forms in ``solver.math.activations`` are built from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from solver.graph.formula import Style, Template, is_hole
from solver.graph.names import latex_name

#: What makes a replacement compound, needing parentheses inside a product or a power
#: ("/" is left out: step names such as dL/da contain it).
_TEXT_OPERATORS = (" ", "+", "-", "−", "·", "*")
_LATEX_OPERATORS = ("+", " - ", r"\cdot")


def _enclosed(text: str, opening: str, closing: str) -> bool:
    """Is all of ``text`` inside one pair of brackets?  ``(a)·(b)`` is not."""
    if not (text.startswith(opening) and text.endswith(closing)):
        return False
    depth = 0
    for position, char in enumerate(text):
        depth += (char == opening) - (char == closing)
        if depth == 0:
            return position == len(text) - 1
    return False


def is_compound(text: str, style: Style) -> bool:
    """Does printed text need parentheses where a single symbol stood?"""
    if _enclosed(text, "(", ")") or _enclosed(text, "[", "]"):
        return False
    single_group = text.startswith(r"\left(") and text.endswith(r"\right)") and text.count(r"\left(") == 1
    if (text.startswith(r"\begin") and text.endswith(r"\end{bmatrix}")) or single_group:
        return False
    operators = _LATEX_OPERATORS if style == "latex" else _TEXT_OPERATORS
    return any(op in text.lstrip("-−") for op in operators)


def _positive_first(expr: Any, printer: Any) -> list[Any]:
    """The terms of a sum with the positive ones first: ``ŷ − y``, not ``−y + ŷ``."""
    terms = list(printer._as_ordered_terms(expr, order=None))
    return sorted(terms, key=lambda term: term.could_extract_minus_sign())


class _TextPrinter(StrPrinter):
    """SymPy's plain printer with chosen text for some symbols, grouped where precedence needs it."""

    def __init__(self, names: Mapping[str, str]):
        super().__init__()
        self.names = names

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        return self.names.get(expr.name, expr.name)

    def parenthesize(self, item: Any, level: int, strict: bool = False) -> str:
        text = super().parenthesize(item, level, strict)
        if isinstance(item, sympy.Symbol) and item.name in self.names and is_compound(text, "text"):
            return f"({text})"
        return text

    def _print_Add(self, expr: Any, order: Any = None) -> str:
        return super()._print_Add(sympy.Add(*_positive_first(expr, self), evaluate=False), order="none")


class _LatexPrinter(LatexPrinter):
    def __init__(self, names: Mapping[str, str]):
        super().__init__({"mul_symbol": "dot"})
        self.names = names

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        return self.names[expr.name] if expr.name in self.names else latex_name(expr.name)

    def _needs_mul_brackets(self, expr: Any, first: bool = False, last: bool = False) -> bool:
        # A symbol standing for a compound value is a compound factor.
        if isinstance(expr, sympy.Symbol) and expr.name in self.names:
            return is_compound(self.names[expr.name], "latex")
        return super()._needs_mul_brackets(expr, first, last)

    def parenthesize(self, item: Any, level: int, is_neg: bool = False, strict: bool = False) -> str:
        text = super().parenthesize(item, level, is_neg, strict)
        if isinstance(item, sympy.Symbol) and item.name in self.names and is_compound(text, "latex"):
            return rf"\left({text}\right)"
        return text

    def _print_Add(self, expr: Any, order: Any = None) -> str:
        return super()._print_Add(sympy.Add(*_positive_first(expr, self), evaluate=False), order="none")


def _text(expr: Any, names: Mapping[str, str]) -> str:
    return _TextPrinter(names).doprint(expr).replace("**", "^").replace("*", "·")


def _latex(expr: Any, names: Mapping[str, str]) -> str:
    return _LatexPrinter(names).doprint(expr)


@dataclass(frozen=True)
class SympyFormula:
    """A step's formula as a SymPy expression in symbols named after steps."""

    expr: Any

    def show(self, style: Style, symbols: Mapping[str, str]) -> str:
        return _latex(self.expr, symbols) if style == "latex" else _text(self.expr, symbols)


def show_expression(expr: Any, style: Style = "text") -> str:
    """An expression for people, with step-like symbol names typeset (``y_hat`` -> ŷ in LaTeX)."""
    return SympyFormula(expr).show(style, {})


# --- Functions that print and differentiate as the notes do -------------------------------


class _NamedFunction(sympy.Function):
    """A one-argument function printed by its course name (``TEXT(z)``, ``LATEX(z)``)."""

    TEXT = ""
    LATEX = ""

    def _sympystr(self, printer: Any) -> str:
        return f"{self.TEXT}({printer.doprint(self.args[0])})"

    def _latex(self, printer: Any) -> str:
        return rf"{self.LATEX}\left({printer.doprint(self.args[0])}\right)"


class ReLUPrime(_NamedFunction):
    """ReLU'(z): 1 for z > 0, 0 otherwise (0 at z = 0, as PyTorch)."""

    TEXT = "ReLU'"
    LATEX = r"\mathrm{ReLU}'"

    @classmethod
    def eval(cls, z: Any) -> Any:
        if z.is_number:
            return sympy.Integer(1) if z > 0 else sympy.Integer(0)
        return None

    def fdiff(self, argindex: int = 1) -> Any:
        return sympy.Integer(0)


class ReLU(_NamedFunction):
    """max(0, z), whose derivative is ``ReLUPrime``."""

    TEXT = "ReLU"
    LATEX = r"\mathrm{ReLU}"

    @classmethod
    def eval(cls, z: Any) -> Any:
        if z.is_number:
            return sympy.Max(0, z)
        return None

    def fdiff(self, argindex: int = 1) -> Any:
        return ReLUPrime(self.args[0])


class sigma(_NamedFunction):
    """The logistic sigmoid σ(z) = 1/(1 + e^(−z)), with σ' = σ(1 − σ)."""

    TEXT = "σ"
    LATEX = r"\sigma"

    @classmethod
    def eval(cls, z: Any) -> Any:
        if z.is_number:
            return 1 / (1 + sympy.exp(-z))
        return None

    def fdiff(self, argindex: int = 1) -> Any:
        return sigma(self.args[0]) * (1 - sigma(self.args[0]))

    def _eval_rewrite_as_exp(self, z: Any, **kwargs: Any) -> Any:
        return 1 / (1 + sympy.exp(-z))


def simplest(expr: Any) -> Any:
    """A short form of a derivative: ``(−y/ŷ + (1 − y)/(1 − ŷ))·ŷ(1 − ŷ)`` -> ``ŷ − y``."""
    if isinstance(expr, sympy.MatrixBase):
        return expr.applyfunc(simplest)
    candidates = [sympy.factor_terms(expr), sympy.factor(sympy.cancel(expr)), sympy.factor_terms(sympy.simplify(expr))]
    return min(candidates, key=sympy.count_ops)


@dataclass(frozen=True)
class GroupedTemplate(Template):
    """A ``Template`` whose compound replacements are put in parentheses (``(ŷ − y)·a1ᵀ``).

    Its LaTeX, unless given, is derived from the text as any ``Template``'s is.
    """

    def show(self, style: Style, symbols: Mapping[str, str]) -> str:
        def group(text: str) -> str:
            if not is_compound(text, style):
                return text
            return rf"\left({text}\right)" if style == "latex" else f"({text})"

        if not is_hole(self.text):  # a lone hole needs no parentheses
            symbols = {name: group(text) for name, text in symbols.items()}
        return Template(self.text, self.latex).show(style, symbols)
