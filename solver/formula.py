"""How a step's formula is shown: in symbols, and with its numbers put in.

A formula renders itself given what to print for each symbol: the symbol's
name (``z1 = W1·x + b1``) or its value (``= [5, 3, 2]``).  Two kinds exist:

* ``Template``: text and LaTeX patterns with ``{name}`` holes.  Cheap: the
  size commands use it so that they never import SymPy.
* ``solver.symbolic.SympyFormula``: a SymPy expression in the symbols of the
  step's dependencies; it can also be differentiated and simplified.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from solver.values import Style


class Formula(Protocol):
    def show(self, style: Style, symbols: Mapping[str, str]) -> str:
        """The formula with each symbol printed as ``symbols[name]``."""
        ...


_HOLE = re.compile(r"\{([^{}\s]+)\}")


@dataclass(frozen=True)
class Template:
    """A formula written out by hand, e.g. ``Template("{H} + 2·{P}", r"{H} + 2 {P}")``."""

    text: str
    latex: str | None = None

    def show(self, style: Style, symbols: Mapping[str, str]) -> str:
        pattern = self.latex if style == "latex" and self.latex is not None else self.text
        # Only holes naming a symbol are filled: LaTeX's own braces stay as they are.
        return _HOLE.sub(lambda m: symbols.get(m[1], m[0]), pattern)
