"""LaTeX to Typst math markup for the PDF sheet: typeset as the HTML's, from a closed vocabulary only."""

from __future__ import annotations

import re

import pytest
from conftest import PROBLEMS

from grader.homework import load_homework
from grader.sheet import homework_sheet
from solver.render import pdf
from solver.render.typst_math import ACCENTS, SPACES, SYMBOLS, quoted, typst_math

#: The Typst math functions and argument names the markup may use, and nothing else.
FUNCTIONS = {"frac", "attach", "limits", "mat", "lr", "op", "delim", "none", "b", "t"}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


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
        (r"\mathrm{output\_size}", '"output_size"'),  # one word, though latex2mathml gives each letter apart
        (r"\sigma'(z) \cdot \tanh(a)", 'attach(σ, t: prime)paren.l z paren.r dot.c op("tanh")paren.l a paren.r'),
        (r"\sum \hat{y} \odot 2", "sum hat(y)dot.o 2"),
        (r"\text{patch }\;x", '"patch\\u{a0}"thick x'),
        (r"\vartheta_{\Omega} \cdot ٣", 'attach(ϑ, b: Ω)dot.c"٣"'),  # a digit of another script is text
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


def _markups(document: dict) -> list[str]:
    """Every piece of math markup in a sheet's data."""
    found = []
    for problem in document["problems"]:
        found += [g[key] for g in problem["givens"] for key in ("name", "value")]
        found += [a["name"] for a in problem["asked"]]
        for step in problem["steps"]:
            found += [step.get("name", '""'), *step.get("equation", [])]
            found += [d["math"] for d in step.get("detail", []) if "math" in d]
    return found


def test_the_key_of_homework1_is_written_from_the_closed_vocabulary_only():
    sheet = homework_sheet(load_homework(PROBLEMS / "homework1.yaml"))
    document = {"problems": [pdf._problem(p.title, p.solution, [], False, False) for p in sheet.problems]}
    markups = _markups(document)
    assert len(markups) > 200
    allowed = set(SYMBOLS.values()) | set(ACCENTS.values()) | set(SPACES.values()) | FUNCTIONS
    for markup in markups:
        strings = _STRING.findall(markup)
        for text in strings:  # names and notation are typeset, not left as their ASCII or LaTeX spelling
            assert not re.search(r"\\\\[a-z]|_hat|\balpha\b|\bbeta\b", text), (markup, text)
        rest = _STRING.sub(" ", markup)
        names = set(re.findall(r"[^\W\d][\w.]*", rest))
        assert names <= allowed | {n for n in names if len(n) == 1}, (markup, names - allowed)
        assert set(re.sub(r"[\w. ]", "", rest)) <= set("(),:;#"), markup
    shown = " ".join(markups)
    for typeset in ("hat(x)", "frac(partial L, partial α)", "mat(delim: #none", "floor.l", "t: top", 'op("tanh")'):
        assert typeset in shown, typeset
