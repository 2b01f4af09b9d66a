"""Names are names and words are text, in every format, with the course's notation everywhere."""

from __future__ import annotations

import pytest

from solver.graph.formula import text_to_latex


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("⌊(4 − 2)/2⌋ + 1 per axis", r"\lfloor (4 - 2)/2\rfloor  + 1\text{ per axis}"),
        ("sum over channels: 1 + 2 = 3", r"\text{sum over channels}: 1 + 2 = 3"),
        # function names stay functions, single letters stay variables
        ("mean({x}) + tanh({z})", r"\mathrm{mean}({x}) + \tanh({z})"),
        ("1/n + {x}", "1/n + {x}"),
    ],
)
def test_words_in_a_formula_are_text_with_their_spaces(text, latex):
    assert text_to_latex(text) == latex
