"""PDF sheets: the key carries every answer, the handout none, and the pages render."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import unicodedata

import numpy
import pytest
from conftest import PROBLEMS

from grader.homework import load_homework
from grader.sheet import homework_sheet
from solver.graph.errors import InputError
from solver.graph.steps import Solution
from solver.graph.values import format_value, is_sympy
from solver.render import pdf
from solver.render.equation import Shown, equation

needs_typst = pytest.mark.skipif(not __import__("importlib").util.find_spec("typst"), reason="nnsolve[pdf] missing")
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")


@pytest.fixture(scope="module")
def sheet():
    return homework_sheet(load_homework(PROBLEMS / "homework1.yaml"))


def _pdf(sheet, questions: bool) -> bytes:
    out = io.TextIOWrapper(io.BytesIO())
    pdf.write_sheet(sheet, out, False, questions=questions)
    return out.buffer.getvalue()


def _text(data: bytes, tmp_path) -> str:
    """The PDF's text as pdftotext reads it, with every run of white space one space."""
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", text)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _bare(text: str) -> str:
    """Text with no spaces and no subscript marks, math letters as plain ones (𝐻 -> H, ℎ -> h, − -> -).

    pdftotext reads typeset math with spaces where it likes and subscripts on the line: ``padded_h``
    comes back as ``paddedℎ``.
    """
    return re.sub(r"[\s_]", "", unicodedata.normalize("NFKC", text).replace("\u2212", "-"))


def _rows(value) -> list[str]:
    """A value as the PDF's text holds it: a number or a shape whole, a matrix row by row (in any order).

    A vector is typeset as a column, one entry a row.
    """
    if not isinstance(value, numpy.ndarray) or value.ndim == 0:
        return [format_value(value, "text")]
    return ["".join(format_value(entry, "text") for entry in row) for row in value.reshape(len(value), -1)]


@needs_typst
@needs_poppler
def test_the_key_shows_every_asked_answer_and_every_worked_step(sheet, tmp_path):
    text = _text(_pdf(sheet, questions=False), tmp_path)
    for problem in sheet.problems:
        assert problem.title in text
        for asked in problem.asked:
            if is_sympy(asked.value):
                continue  # a formula is typeset (fractions, powers): it has no one line of text to look for
            for row in _rows(asked.value):
                assert _bare(row) in _bare(text), (problem.id, asked.reference)
    q1 = sheet.problems[0].solution
    assert _bare(equation(q1["padded_h"], q1, "text")) in _bare(text)  # padded_h = H + 2·P_h = 9 + 2·4 = 17


@needs_typst
@needs_poppler
def test_the_handout_asks_every_step_and_works_none(sheet, tmp_path):
    text = _text(_pdf(sheet, questions=True), tmp_path)
    assert "Solution" not in text
    for problem in sheet.problems:
        assert problem.title in text
        for asked in problem.asked:
            title = problem.solution[asked.reference.split("[")[0]].title
            assert Shown(problem.solution, "text").prose(title) in text  # names as the course writes them
        for step in problem.solution:
            if not step.is_given and step.formula is not None:
                assert _flat(equation(step, problem.solution, "text")) not in text, step.name


@needs_typst
@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils missing")
def test_every_page_renders_with_ink_on_it(sheet, tmp_path):
    path = tmp_path / "key.pdf"
    path.write_bytes(_pdf(sheet, questions=False))
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) >= len(sheet.problems)
    for page in pages:
        pixels = page.read_bytes().split(b"\n", 3)[3]  # after the P5 header: width height, max
        assert min(pixels) < 160, page.name  # some text, not a blank page


@needs_typst
@needs_poppler
def test_text_from_a_file_is_set_as_text_never_compiled_as_typst(tmp_path):
    hostile = '#panic("run") ] [ $x$ *bold* \\ "quote" // comment'
    solution = Solution("demo", hostile, source=hostile)
    solution.given("x", hostile, 2.0)
    out = io.TextIOWrapper(io.BytesIO())
    pdf.write_solution(solution, out, False)
    assert _text(out.buffer.getvalue(), tmp_path).count(hostile) == 4  # sheet and problem titles, source, given


def test_without_typst_a_pdf_is_one_clear_error_and_nothing_written(cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "typst", None)  # import typst now raises ImportError
    with pytest.raises(InputError, match=re.escape("nnsolve[pdf]")):
        pdf.pdf_bytes({})
    result = cli("solve", PROBLEMS / "homework1.yaml", "--format", "pdf")
    assert result.code == 2
    assert result.out == ""
    assert result.err == f"nnsolve: error: {pdf.INSTALL_HINT}\n"


#: Names that are Typst markup, code or escapes if they reach the compiler as markup.
HOSTILE_NAMES = ["#sys.inputs", '"); #panic("pwned', "$x$", "a\\b", "#import", "two\nlines"]


@needs_typst
@needs_poppler
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_from_notation_and_given_data_are_shown_literally(name, tmp_path):
    # Problem files only accept names of letters, digits, _ and ': the PDF does not rely on it.
    solution = Solution("demo", "hostile names", notation={"x": name})
    solution.given("x", "renamed by the notation", 2.0)
    solution.given(name + "2", "named so", [[1.5, 2.5]])
    out = io.TextIOWrapper(io.BytesIO())
    pdf.write_solution(solution, out, False)
    text = _text(out.buffer.getvalue(), tmp_path)
    given = re.sub(r"\s", "", text.split("Given", 1)[1].split("The computation graph", 1)[0])  # math drops spaces
    assert re.sub(r"\s", "", name) in given and re.sub(r"\s", "", name + "2") in given, text
    assert "renamed by the notation" in text and "1.5 2.5" in text, text  # the rest of the sheet is whole


def _words(data: bytes, tmp_path) -> tuple[float, list[tuple[float, str]]]:
    """The room a line has (the page's width less its right margin) and each word with its right edge."""
    path = tmp_path / "boxes.pdf"
    path.write_bytes(data)
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    page_width = float(re.search(r'<page width="([\d.]+)"', boxes)[1])
    right_margin = 2 / 2.54 * 72  # pdf.typ's 2 cm
    return page_width - right_margin, [(float(x), w) for x, w in re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)<', boxes)]


@needs_typst
@needs_poppler
def test_wide_matrices_are_scaled_to_the_page_width(tmp_path):
    solution = Solution("demo", "wide")
    solution.given("W", "a matrix wider than the page", numpy.full((3, 16), -0.123456))
    solution.given("v", "a row longer than the page", [[-0.654321] * 30])
    out = io.TextIOWrapper(io.BytesIO())
    pdf.write_solution(solution, out, False)
    room, words = _words(out.buffer.getvalue(), tmp_path)
    assert max(x for x, _ in words) <= room + 0.5
    numbers = [word for _, word in words if word.replace("\u2212", "-") in ("-0.123456", "-0.654321")]
    assert len(numbers) == 3 * 16 + 30  # every entry shown, scaled to the width rather than cut


@needs_typst
@needs_poppler
def test_no_line_of_the_homework_key_runs_past_the_margin(sheet, tmp_path):
    room, words = _words(_pdf(sheet, questions=False), tmp_path)
    assert max(x for x, _ in words) <= room + 0.5


@needs_typst
@needs_poppler
def test_the_computation_graphs_labels_print_legibly(sheet, tmp_path):
    """Every edge label (∂step/∂dep) of homework1's graphs, read back from the PDF, is at least 4.5pt tall.

    The labels are drawn 10 pixels high; 0.6 of that at 0.75pt a pixel is 4.5pt.  A graph one long strip
    wide was shrunk to a quarter of that.
    """
    path = tmp_path / "key.pdf"
    path.write_bytes(_pdf(sheet, questions=False))
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    words = re.findall(r'yMin="([\d.]+)"[^>]*yMax="([\d.]+)">(∂[^<]+/∂[^<]+)<', boxes)
    assert len(words) > 50
    assert min(float(bottom) - float(top) for top, bottom, _ in words) >= 4.5
