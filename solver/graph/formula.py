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
from typing import Literal, Protocol

#: How a formula or a value is printed: plain text for terminals, LaTeX for Markdown and sheets.
Style = Literal["text", "latex"]


class Formula(Protocol):
    def show(self, style: Style, symbols: Mapping[str, str]) -> str:
        """The formula with each symbol printed as ``symbols[name]``."""
        ...


_HOLE = re.compile(r"\{([^{}\s]+)\}")
#: The text split around its holes, each hole kept as a piece of its own.
_HOLE_PIECE = re.compile(r"(\{[^{}\s]+\})")


#: Plain-text notation -> LaTeX, the one table every formula written as text goes through.
_LATEX_FOR = {
    "·": r" \cdot ", "−": "-", "×": r" \times ", "⌊": r"\lfloor ", "⌋": r"\rfloor ", "⌈": r"\lceil ",
    "⌉": r"\rceil ", "∏": r"\prod ", "Σ": r"\sum ", "≥": r" \geq ", "≤": r" \leq ", "≠": r" \neq ", "σ": r"\sigma",
    " ⊙ ": r" \odot ", "⊙": r" \odot ", "ᵀ": r"^{\top}", "²": "^{2}", "tanh": r"\tanh", "ln": r"\ln",
    "ReLU": r"\operatorname{ReLU}", "softmax": r"\operatorname{softmax}", "diag": r"\operatorname{diag}",
    "[:, 1:]": "_{:,1:}",
}  # fmt: skip
#: A symbol or a function name the table knows (longest first), outside the ``{name}`` holes.
_NOTATION = re.compile(
    r"\{[^{}\s]+\}|"
    + "|".join(
        rf"(?<![A-Za-z]){key}(?![A-Za-z])" if key.isascii() and key.isalpha() else re.escape(key)
        for key in sorted(_LATEX_FOR, key=len, reverse=True)
    )
)
#: Any other function name: upright, as ``\mathrm{mean}(``.
_WORD = re.compile(r"(?<![\\{\w])([A-Za-z]{2,})(?=\()")
#: Words that are not a function (``per axis``, ``sum over channels``), with the spaces around them.
_TEXT = re.compile(r"( ?)(?<![\\{\w])([A-Za-z]{2,}(?: [A-Za-z]{2,})*)( ?)(?![\w(])")
#: ``[1; {a}]``: a column with a constant 1 on top (the input of a folded-bias layer).
_WITH_ONE = re.compile(r"\[1; (\{[^{}]+\})\]")


def _notation(match: re.Match[str]) -> str:
    found = match[0]
    if found.startswith("{"):
        return found  # a hole: the name of a step, filled in later
    latex = _LATEX_FOR[found]
    follows = match.string[match.end() : match.end() + 1]
    # ``\sigma`` before a letter needs a space to stay one command.
    return latex + " " if latex[-1].isalpha() and follows.isalpha() else latex


def text_to_latex(text: str) -> str:
    """LaTeX for a plain-text pattern: operators and known functions translated, other function names upright.

    Words are text with their spaces (``+ 1 per axis`` -> ``+ 1\\text{ per axis}``): math
    would set them as a product of italic letters run together.
    """
    text = _WITH_ONE.sub(r"\\begin{bmatrix} 1 \\\\ \1 \\end{bmatrix}", text)
    # Holes are left whole: the letters of a name such as {df/df} are not words to set as text.
    pieces = _HOLE_PIECE.split(_NOTATION.sub(_notation, text))
    return "".join(
        piece if is_hole(piece) else _TEXT.sub(r"\\text{\1\2\3}", _WORD.sub(r"\\mathrm{\1}", piece)) for piece in pieces
    )


def is_hole(text: str) -> bool:
    """Whether ``text`` is a single ``{name}`` hole (which needs no parentheses around it)."""
    return _HOLE.fullmatch(text) is not None


def _fill(hole: re.Match[str], symbols: Mapping[str, str]) -> str:
    text = symbols.get(hole[1], hole[0])
    before, after = hole.string[hole.start() - 1 : hole.start()], hole.string[hole.end() : hole.end() + 1]
    # A negative number comes in parenthesised; inside f(...) one pair is enough.
    if before == "(" and after == ")" and text.startswith("(") and text.endswith(")"):
        return text[1:-1]
    # A name with a superscript of its own (h_{1}^{(1)}, an example's state) raised again (ᵀ, ²) is
    # grouped first, as LaTeX refuses a double superscript; the empty {} keeps a group of one accented
    # name ({\hat{h}_{1}^{(1)}}) from collapsing back into that name, as TeX does with a lone accent.
    if after == "^" and "^" in text:
        return "{{}" + text + "}"
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
