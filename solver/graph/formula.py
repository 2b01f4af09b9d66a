"""How a step's formula is shown: in symbols, and with its numbers put in.

A formula renders itself given what to print for each symbol: the symbol's
name (``z1 = W1·x + b1``) or its value (``= [5, 3, 2]``).  Two kinds exist:

* ``Template``: text and LaTeX patterns with ``{name}`` holes.  Cheap: the
  size commands use it so that they never import SymPy.
* ``solver.graph.symbolic.SympyFormula``: a SymPy expression in the symbols of the
  step's dependencies; it can also be differentiated and simplified.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from solver.graph.values import Style


class Formula(Protocol):
    def show(self, style: Style, symbols: Mapping[str, str]) -> str:
        """The formula with each symbol printed as ``symbols[name]``."""
        ...


_HOLE = re.compile(r"\{([^{}\s]+)\}")


_LATEX_FOR = {
    "·": r" \cdot ", "−": "-", "×": r" \times ", "⌊": r"\lfloor ", "⌋": r"\rfloor ", "⌈": r"\lceil ",
    "⌉": r"\rceil ", "∏": r"\prod ", "Σ": r"\sum ", "≥": r" \geq ", "≤": r" \leq ", "σ": r"\sigma ",
}  # fmt: skip
_WORD = re.compile(r"(?<![\\{\w])([A-Za-z]{2,})(?=\()")


def text_to_latex(text: str) -> str:
    """LaTeX for a plain-text pattern: operators translated, function names upright."""
    for symbol, latex in _LATEX_FOR.items():
        text = text.replace(symbol, latex)
    return _WORD.sub(r"\\mathrm{\1}", text)


def _fill(hole: re.Match[str], symbols: Mapping[str, str]) -> str:
    text = symbols.get(hole[1], hole[0])
    before, after = hole.string[hole.start() - 1 : hole.start()], hole.string[hole.end() : hole.end() + 1]
    # A negative number comes in parenthesised; inside f(...) one pair is enough.
    if before == "(" and after == ")" and text.startswith("(") and text.endswith(")"):
        return text[1:-1]
    return text


@dataclass(frozen=True)
class Template:
    """A formula written out by hand, e.g. ``Template("{H} + 2·{P}", r"{H} + 2 {P}")``."""

    text: str
    latex: str | None = None

    def show(self, style: Style, symbols: Mapping[str, str]) -> str:
        pattern = self.text
        if style == "latex":
            pattern = self.latex if self.latex is not None else text_to_latex(self.text)
        # Only holes naming a symbol are filled: LaTeX's own braces stay as they are.
        return _HOLE.sub(lambda m: _fill(m, symbols), pattern)
