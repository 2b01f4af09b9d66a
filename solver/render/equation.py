"""The chain every format shows for a step: ``name = formula = formula with numbers = value``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from solver.graph.names import fill_names, latex_name, rename
from solver.graph.steps import Solution, Step
from solver.graph.values import Style, format_term, format_value

if TYPE_CHECKING:
    from solver.graph.blocks import Block


def display_name(name: str, solution: Solution, style: Style) -> str:
    shown = rename(name, solution.notation)
    return latex_name(shown) if style == "latex" else shown


def equation_parts(step: Step, solution: Solution, style: Style) -> list[str]:
    """The distinct members of ``name = formula = substituted = value``."""
    parts = [display_name(step.name, solution, style)]
    if step.formula is not None:
        names = {d: display_name(d, solution, style) for d in (*step.deps, *step.written_in)}
        # A quantity the value is written in keeps its name: only the deps' values are put in.
        values = {**names, **{d: format_term(solution[d].value, style) for d in step.deps}}
        parts.append(step.formula.show(style, names))
        parts.append(step.formula.show(style, values))
    parts.append(format_value(step.value, style))
    distinct: list[str] = []
    for part in parts:
        if not distinct or part != distinct[-1]:
            distinct.append(part)
    return distinct


def equation(step: Step, solution: Solution, style: Style) -> str:
    return " = ".join(equation_parts(step, solution, style))


@dataclass(frozen=True)
class Shown:
    """How one format shows a solution's names: as the course names them, in its style, wherever they appear.

    Names in formulas go through ``display_name``; names in prose (titles, labels,
    captions, cells naming a step) are marked ``{name}`` and set by ``math``
    (``$...$`` in Markdown, MathML in HTML), the words between by ``words`` (escaped
    where the format needs it).
    """

    solution: Solution
    style: Style
    math: Callable[[str], str] = str
    words: Callable[[str], str] = str

    def name(self, name: str) -> str:
        return display_name(name, self.solution, self.style)

    def prose(self, text: str) -> str:
        return fill_names(text, lambda name: self.math(self.name(name)), self.words)

    def block(self, block: Block) -> str:
        """A detail block's work in this style, the names it mentions as the course names them."""
        return block.written(self.style, self.name)
