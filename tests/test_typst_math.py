"""LaTeX to Typst math markup for the PDF sheet: typeset as the HTML's, from a closed vocabulary only."""

from __future__ import annotations

import re

import pytest

from solver.render.typst_math import quoted, typst_math


@pytest.mark.parametrize(
    ("latex", "markup"),
    [
        (r"\hat{x}_{1}", "attach(hat(x), b: 1)"),
        (r"\frac{\partial L}{\partial \alpha}", "frac(partial L, partial α)"),
        (r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}", "lr(bracket.l mat(delim: #none, 1, 2; 3, 4)bracket.r)"),
        (
            r"\begin{bmatrix} 1 & 0 \end{bmatrix}^{\top}",
            "attach(lr(bracket.l mat(delim: #none, 1, 0)bracket.r), t: top)",
        ),
        (r"\left\lfloor \frac{9}{2} \right\rfloor", "lr(floor.l frac(9, 2)floor.r)"),
        (r"\mathrm{out}_{h} = -1.5", 'attach("out", b: h)eq minus 1.5'),
        (r"\sigma'(z) \cdot \tanh(a)", 'attach(σ, t: prime)paren.l z paren.r dot.c op("tanh")paren.l a paren.r'),
        (r"\sum \hat{y} \odot 2", "sum hat(y)dot.o 2"),
        (r"\text{patch }\;x", '"patch\\u{a0}"thick x'),
    ],
)
def test_latex_is_written_as_typst_math(latex, markup):
    assert typst_math(latex, fallback="unused") == markup


def test_latex_that_latex2mathml_cannot_read_is_shown_as_its_fallback_text():
    assert typst_math(r"x_", fallback="x_") == '"x_"'


@pytest.mark.parametrize("text", ['"); #panic("x")', "\\", "#sys.inputs", "$", '#import "a.typ"', "a\nb\t\u0007"])
def test_a_quoted_string_holds_any_text_and_nothing_gets_out_of_it(text):
    literal = quoted(text)
    assert literal[0] == literal[-1] == '"'
    inside = literal[1:-1]
    assert re.fullmatch(r'(?:[^"\\\x00-\x1f]|\\[\\"]|\\u\{[0-9a-f]+\})*', inside), literal
    unescaped = re.sub(r"\\u\{([0-9a-f]+)\}", lambda m: chr(int(m[1], 16)), inside)
    assert unescaped.replace('\\"', '"').replace("\\\\", "\\") == text
