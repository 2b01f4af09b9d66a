"""Names are names and words are text, in every format, with the course's notation everywhere."""

from __future__ import annotations

import io
import json
import re
from xml.etree import ElementTree

import pytest
from conftest import PROBLEMS

from solver.graph.formula import text_to_latex
from solver.graph.names import fill_names
from solver.graph.steps import Solution
from solver.render.equation import Shown
from solver.render.tex import escaped


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


# --- every problem, every format: names are names, words are text ---------------------------------

SHEETS = sorted(PROBLEMS.glob("*.yaml"))
#: A word typeset as a subscript of a word: the bug this module guards against.
WORD_SUBSCRIPT_OF_WORD = re.compile(r"\\mathrm\{[A-Za-z\\_]+\}_\{[A-Za-z]{2,}")
#: Inside math, what is typeset as text or as a command is not a run of italic letters; nor is the
#: updated value's superscript, which the notes write as W_{1}^{new}.
SET_APART = re.compile(r"\\(?:text|mathrm|operatorname|begin|end)\{[^{}]*\}|\\[A-Za-z]+|\^\{new\}")


def _math_of(text: str, fmt: str) -> list[str]:
    if fmt == "md":
        return [a or b for a, b in re.findall(r"\$\$(.*?)\$\$|\$(.+?)\$", text, re.S)]
    return [a or b for a, b in re.findall(r"\\begin\{multline\*\}(.*?)\\end\{multline\*\}|\$(.+?)\$", text, re.S)]


def _italic_words(math: str) -> list[str]:
    """Runs of 3+ letters left in math once text and commands are set apart (W_{hh} is two letters: fine)."""
    return re.findall(r"[A-Za-z]{3,}", SET_APART.sub(" ", math))


@pytest.mark.parametrize("fmt", ["md", "tex"])
@pytest.mark.parametrize("path", SHEETS, ids=[p.stem for p in SHEETS])
def test_no_word_is_a_subscript_or_a_run_of_italic_letters(cli, path, fmt):
    out = cli("solve", path, "--format", fmt).out
    assert not WORD_SUBSCRIPT_OF_WORD.findall(out)
    runs = sorted({run for math in _math_of(out, fmt) for run in _italic_words(math)})
    assert runs == [], runs


@pytest.mark.parametrize("path", SHEETS, ids=[p.stem for p in SHEETS])
def test_html_math_runs_no_letters_together(cli, path):
    """MathML: no <msub> whose subscript is a word of 3+ letters set as variables (<mi>s, italic or not)."""
    page = cli("solve", path, "--format", "html").out
    for math in re.findall(r"<math.*?</math>", page, re.S):
        root = ElementTree.fromstring(math)
        for msub in root.iter(f"{MATHML}msub"):
            subscript = list(msub)[1]
            letters = "".join(mi.text or "" for mi in subscript.iter(f"{MATHML}mi"))
            assert not re.search(r"[A-Za-z]{3,}", letters), ElementTree.tostring(msub, encoding="unicode")
    # a function name set against its argument reads as one word ("1log0.54"): LaTeX spaces it, so must we
    assert not re.search(r"<mi>(?:log|ln|exp)</mi><m[in]", page)


# --- the notation reaches every name shown --------------------------------------------------------

MATHML = "{http://www.w3.org/1998/Math/MathML}"
ALICE = PROBLEMS / "rnn_002_alice_likes_brownies.yaml"  # W_y: w_o, W_h: w_h, h: O
EDGE = PROBLEMS / "conv_004_4_2a.yaml"  # image: X, kernel: F, feature_map: Y


def _pdf_document(path, monkeypatch) -> str:
    """The text the PDF template is given (every title, caption and name), without compiling it."""
    from solver.files.problem_file import load_problem
    from solver.render import pdf

    captured = {}
    monkeypatch.setattr(pdf, "pdf_bytes", lambda document: captured.setdefault("document", document) and b"")
    pdf.write_solution(load_problem(path).solve(), io.TextIOWrapper(io.BytesIO()), full=False)
    return json.dumps(captured["document"], ensure_ascii=False)


#: How each format shows "gradient of w_o" (the title of dL/dW_y) and the caption of the image grid.
RENAMED = {
    "term": ("gradient of w_o", "X (4×4)"),
    "md": ("gradient of $w_{o}$", "*$X$ (4×4)*"),
    "tex": (r"gradient of $w_{o}$", r"\emph{$X$ (4\ensuremath{\times}4)"),
    "html": ("gradient of <math", "<em><math"),
}


@pytest.mark.parametrize("fmt", [*RENAMED, "pdf"])
def test_a_notation_rename_reaches_titles_and_captions_in_every_format(cli, monkeypatch, fmt):
    if fmt == "pdf":
        alice, edge = (_pdf_document(p, monkeypatch) for p in (ALICE, EDGE))
        title, caption = "gradient of w_o", "X (4×4)"
    else:
        alice, edge = (cli("solve", p, "--format", fmt).out for p in (ALICE, EDGE))
        title, caption = RENAMED[fmt]
    assert title in alice and caption in edge
    # the canonical names are gone from what is shown (the step ids beside the titles stay)
    assert "gradient of W_y" not in alice and "image (4×4)" not in edge
    if fmt == "html":  # the name inside the MathML is the renamed one
        assert re.search(r"gradient of <math[^>]*><mrow><msub><mi>w</mi><mrow><mi>o</mi>", alice)
        assert re.search(r"<em><math[^>]*><mrow><mi>X</mi>", edge)


def test_cell_labels_and_bptt_paths_use_the_notation(cli):
    edge = cli("solve", EDGE, "--format", "md").out
    assert "- $Y_{[1,1]}$: $\\text{patch }" in edge and "feature_map[1,1]" not in edge
    alice = cli("solve", ALICE).out
    assert "path: dL/dy_hat · dy_hat/dO3 · dO3/dO2 · dO2/dw_h" in alice
    tex = cli("solve", ALICE, "--format", "tex").out
    assert r"\frac{\partial O_{3}}{\partial O_{2}} \cdot \frac{\partial O_{2}}{\partial w_{h}}" in tex


def test_machine_readable_output_and_errors_keep_the_canonical_names(cli):
    data = json.loads(cli("solve", ALICE, "--json").out)
    titles = {step["name"]: step["title"] for step in data["steps"]}
    assert titles["dL/dW_y"] == "gradient of W_y" and titles["dL/dh3"] == "loss gradient at h3"
    assert fill_names("loss gradient at {h2}: from {y_hat2} and from {h3}") == (
        "loss gradient at h2: from y_hat2 and from h3"
    )


def test_the_answers_template_names_steps_as_the_course_does_and_keys_them_canonically(cli, tmp_path):
    homework = tmp_path / "homework.yaml"
    homework.write_text(
        f"title: t\nproblems:\n  - id: q1\n    file: {ALICE}\n    ask: {{dL/dW_y: 1, dL/dh3: 1}}\n", encoding="utf-8"
    )
    template = cli("answer-template", homework).out
    assert '"dL/dW_y":  # gradient of w_o;' in template
    assert '"dL/dh3":  # loss gradient at O3;' in template


def test_prose_names_are_escaped_words_and_typeset_names_in_latex_and_html():
    solution = Solution("demo", "t", notation={"W_y": "w_o"})
    solution.given("W_y", "weights", 1.0)
    tex = Shown(solution, "latex", math=lambda latex: f"${latex}$", words=escaped).prose("50% of {W_y}")
    assert tex == r"50\% of $w_{o}$"
    assert Shown(solution, "text").prose("<b> {W_y}") == "<b> w_o"


def test_only_plain_step_names_are_read_as_names_in_prose():
    """Braces around anything else (a file's words) stay words, escaped by the format like any other."""
    for text in ("{a b}", r"{\input}", "{ŷ}", "{1}", "{}"):
        assert fill_names(text, name=lambda name: "NAME") == text
    assert fill_names("{dL/dW_h_path3} {x[1,2]}", name=lambda name: f"<{name}>") == "<dL/dW_h_path3> <x[1,2]>"
