"""LaTeX sheets in the exam class: the key works every step, the handout's source holds no answer."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from conftest import PROBLEMS

from grader.homework import load_homework
from grader.sheet import homework_sheet
from solver.files.problem_file import load_problem
from solver.graph.steps import Solution
from solver.graph.values import format_number
from solver.render import tex
from solver.render.equation import equation
from solver.render.figures import figures
from solver.render.figures.svg import Drawing
from solver.render.latex_text import escaped

needs_latexmk = pytest.mark.skipif(not shutil.which("latexmk"), reason="latexmk is not installed")
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")

#: One problem for each kind of figure: networks, conv windows with padding, max pooling, a stack,
#: symbolic values in a computation graph, an RNN's, a circuit, an LSTM's and a GRU's cell, a transposed
#: and a 1-D convolution, padding, batch and layer norm, and dropout; a GRU's batch, whose examples'
#: states (h₁⁽¹⁾) are transposed and squared in its formulas.
FIGURE_KINDS = [
    "neuron_003_sigmoid.yaml",
    "tanh_network_2_3_1_question_1.yaml",
    "conv_003_numerical_3b.yaml",
    "pool_003_max_pooling.yaml",
    "conv_stack_003_cnn2.yaml",
    "neuron_002_relu_mse_symbolic.yaml",
    "rnn_000_three_paths.yaml",
    "graph_cs231n_staged.yaml",
    "lstm_three_steps_scalar.yaml",
    "gru_one_step_other_update_convention.yaml",
    "conv_transpose_d2l_stride_2.yaml",
    "conv1d_d2l_textcnn.yaml",
    "pad_pytorch_reflection.yaml",
    "batchnorm_three_examples.yaml",
    "layernorm_two_examples.yaml",
    "dropout_inverted.yaml",
    "gru_batch_two_sequences.yaml",
]


@pytest.fixture(scope="module")
def sheet():
    return homework_sheet(load_homework(PROBLEMS / "homework1.yaml"))


def _problem_tex(solution: Solution) -> str:
    out = io.StringIO()
    tex.write_solution(solution, out, False)
    return out.getvalue()


def _tex(sheet, questions: bool) -> str:
    out = io.StringIO()
    tex.write_sheet(sheet, out, False, questions=questions)
    return out.getvalue()


def test_the_key_prints_answers_and_works_every_step(sheet):
    text = _tex(sheet, questions=False)
    assert text.startswith(r"\documentclass[11pt,a4paper]{exam}")
    assert r"\printanswers" in text
    for problem in sheet.problems:
        assert rf"\question[{problem.points:g}]" in text
        for step in problem.solution:
            if not step.is_given:
                assert equation(step, problem.solution, "latex") in text, step.name


def test_the_handout_asks_each_step_with_its_points_and_holds_no_answer(sheet):
    text = _tex(sheet, questions=True)
    assert r"\noprintanswers" in text
    assert r"\begin{solution}" not in text
    assert text.count(r"\part[") == sum(len(p.asked) for p in sheet.problems)
    for problem in sheet.problems:
        for step in problem.solution:
            if not step.is_given and step.formula is not None:
                assert equation(step, problem.solution, "latex") not in text, step.name


def test_prose_from_a_file_is_escaped_never_read_as_latex():
    hostile = r"\input{/etc/passwd} 100% $x$ {#1} a_b ^ ~ &"
    solution = Solution("demo", hostile, source=hostile)
    solution.given("x", hostile, 2.0)
    out = io.StringIO()
    tex.write_solution(solution, out, False)
    assert r"\input{" not in out.getvalue()
    assert tex.escaped(hostile) in out.getvalue()
    assert tex.escaped("50% of $x_1$") == r"50\% of \$x\_1\$"


def test_a_character_pdflatex_has_no_glyph_for_is_set_as_its_code_point():
    assert escaped("η₂ ‖w‖ ħ 😀 é") == (
        r"\ensuremath{\eta}\textsubscript{2} \ensuremath{\|}w\ensuremath{\|} [U+0127] [U+1F600] é"
    )
    assert escaped("ΑΓω") == r"A\ensuremath{\Gamma}\ensuremath{\omega}"


# --- Figures: one drawing, the same shapes in SVG and in TikZ ---------------------------------

SVG = "{http://www.w3.org/2000/svg}"
_TIKZ_SHAPES = {
    "rect": re.compile(r"^\\path\[.*\] \(([-\d.]+),([-\d.]+)\) rectangle \(([-\d.]+),([-\d.]+)\);$"),
    "circle": re.compile(r"^\\path\[.*\] \(([-\d.]+),([-\d.]+)\) circle\[radius=([-\d.]+)\];$"),
    "line": re.compile(r"^\\path\[.*\] \(([-\d.]+),([-\d.]+)\) -- \(([-\d.]+),([-\d.]+)\);$"),
    "text": re.compile(r"^\\node\[.*\] at \(([-\d.]+),([-\d.]+)\) \{.*\};$"),
}


#: The attributes that place each SVG shape, in the order TikZ writes its coordinates.
_SVG_GEOMETRY = {
    "rect": ("x", "y", "width", "height"),
    "circle": ("cx", "cy", "r"),
    "line": ("x1", "y1", "x2", "y2"),
    "text": ("x", "y"),
}


def _svg_shapes(svg: str) -> list[tuple[str, list[float]]]:
    shapes = []
    for element in ET.fromstring(svg):
        kind = element.tag.removeprefix(SVG)
        if kind in _SVG_GEOMETRY:
            at = [float(element.attrib[name]) for name in _SVG_GEOMETRY[kind]]
            if kind == "rect":  # TikZ names a rectangle by its two corners
                at[2:] = [at[0] + at[2], at[1] + at[3]]
            shapes.append((kind, at))
    return shapes


def _tikz_shapes(picture: str) -> list[tuple[str, list[float]]]:
    shapes = []
    for line in picture.splitlines():
        for kind, pattern in _TIKZ_SHAPES.items():
            found = pattern.match(line)
            if found:
                shapes.append((kind, [float(v) for v in found.groups()]))
    return shapes


@pytest.mark.parametrize("name", FIGURE_KINDS)
@pytest.mark.parametrize("key", [True, False], ids=["key", "handout"])
def test_tikz_draws_the_same_shapes_where_the_svg_does(name, key):
    drawn = figures(load_problem(PROBLEMS / name).solve(), key=key)
    assert drawn
    for figure in drawn:
        picture = figure.drawing.tikz()
        in_svg, in_tikz = _svg_shapes(figure.svg), _tikz_shapes(picture)
        assert [k for k, _ in in_tikz] == [k for k, _ in in_svg], figure.name
        for (kind, svg_at), (_, tikz_at) in zip(in_svg, in_tikz, strict=True):
            assert np.allclose(svg_at, tikz_at, atol=0.01), (figure.name, kind)
        # Every colour the picture names is defined in it, from the SVG's own hex code.
        defined = dict(re.findall(r"\\definecolor\{(\w+)\}\{HTML\}\{([0-9A-F]{6})\}", picture))
        assert set(re.findall(r"(?:fill|draw|text|color)=(\w+)", picture)) <= set(defined)
        assert set(defined.values()) >= {
            "".join(c * 2 for c in v[1:]).upper() if len(v) == 4 else v[1:].upper()
            for v in re.findall(r'(?:fill|stroke)="(#[0-9a-f]+)"', figure.svg)
        }


def test_text_in_a_tikz_picture_is_escaped_never_read_as_latex():
    hostile = r"\input{/etc/passwd} \def\x{} 100% $x$ {#1} a_b ^ ~ & 😀"
    drawing = Drawing(100, 50, hostile)
    drawing.text(10, 10, hostile, anchor="start")
    picture = drawing.tikz()
    assert r"\input{" not in picture and r"\def\x" not in picture
    assert f"{{{escaped(hostile)}}};" in picture


def test_a_big_drawing_is_scaled_to_the_line_and_a_small_one_kept_at_its_size():
    picture = Drawing(800, 100, "wide").tikz()
    # 800 px are 600pt, more than any line: the scale is the smaller of 1 and what fits.
    assert r"scale={min(1, \linewidth/600, 0.85*\textheight/75)}" in picture
    assert r"\useasboundingbox (0,0) rectangle (800,100);" in picture


@pytest.mark.parametrize("questions", [False, True], ids=["key", "handout"])
def test_each_problem_shows_its_figures_and_the_handout_draws_them_without_answers(sheet, questions):
    text = _tex(sheet, questions)
    drawn = [f for p in sheet.problems for f in figures(p.solution, key=not questions)]
    assert text.count(r"\begin{tikzpicture}") == len(drawn) > 0
    for figure in drawn:
        assert figure.drawing.tikz() in text, figure.name
    if questions:  # a key's figure that shows more than the handout's is nowhere in the handout
        keyed = [f for p in sheet.problems for f in figures(p.solution, key=True)]
        assert any(f.drawing.tikz() not in text for f in keyed)
    for package in ("tikz", "xcolor", "caption"):
        assert rf"\usepackage{{{package}}}" in text


# --- Compiled by LaTeX, where latexmk is installed ----------------------------------------------


def _compiled_text(source: str, tmp_path: Path) -> str:
    """The text pdftotext reads from the compiled PDF, white space runs as one space."""
    (tmp_path / "sheet.tex").write_text(source, encoding="utf-8")
    run = subprocess.run(
        ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "sheet.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, re.findall(r"^!.*$", (tmp_path / "sheet.log").read_text(errors="replace"), re.M)
    text = subprocess.run(["pdftotext", "sheet.pdf", "-"], cwd=tmp_path, capture_output=True, text=True, check=True)
    return re.sub(r"\s+", " ", text.stdout)


def _answer_numbers(sheet) -> set[str]:
    """The asked answers' numbers precise enough (five characters or more) to be found by chance nowhere else."""
    numbers = set()
    for problem in sheet.problems:
        for asked in problem.asked:
            if np.asarray(asked.value).dtype.kind in "iuf":
                numbers |= {format_number(abs(float(v))) for v in np.ravel(asked.value)}
    return {n for n in numbers if len(n) >= 5}


@needs_latexmk
@needs_poppler
@pytest.mark.parametrize("questions", [False, True], ids=["key", "handout"])
def test_the_sheet_compiles_with_its_figures_and_the_handout_shows_no_answer(sheet, tmp_path, questions):
    text = _compiled_text(_tex(sheet, questions), tmp_path)
    drawn = sum(len(figures(p.solution, key=not questions)) for p in sheet.problems)
    assert f"Figure {drawn}:" in text and f"Figure {drawn + 1}:" not in text
    answers = _answer_numbers(sheet)
    assert len(answers) >= 10
    shown = {n for n in answers if n in text}
    assert shown == (set() if questions else answers)


@needs_latexmk
@needs_poppler
@pytest.mark.parametrize("name", FIGURE_KINDS)
def test_each_kind_of_figure_compiles(name, tmp_path):
    solution = load_problem(PROBLEMS / name).solve()
    text = _compiled_text(_problem_tex(solution), tmp_path)
    drawn = figures(solution, key=True)
    assert f"Figure {len(drawn)}:" in text and f"Figure {len(drawn) + 1}:" not in text
    assert "[U+" not in text  # nnsolve's own words have a LaTeX form for every character


@needs_latexmk
@needs_poppler
def test_titles_of_any_characters_compile(tmp_path):
    hostile = r"\input{/etc/passwd} 100% $x$ {#1} a_b ^ ~ & ħ 😀 η"
    solution = load_problem(PROBLEMS / "neuron_003_sigmoid.yaml").solve()
    solution.title = solution.source = solution["x"].title = hostile
    text = _compiled_text(_problem_tex(solution), tmp_path)
    assert "[U+0127]" in text and "[U+1F600]" in text and "100% $x$ {#1}" in text
