"""PDF sheets: the key carries every answer, the handout none, and the pages render."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys

import pytest
from conftest import PROBLEMS

from grader.homework import load_homework
from grader.sheet import homework_sheet
from solver.graph.errors import InputError
from solver.graph.steps import Solution
from solver.graph.values import format_value
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


@needs_typst
@needs_poppler
def test_the_key_shows_every_asked_answer_and_every_worked_step(sheet, tmp_path):
    text = _text(_pdf(sheet, questions=False), tmp_path)
    for problem in sheet.problems:
        assert problem.title in text
        for asked in problem.asked:
            assert _flat(format_value(asked.value, "text")) in text, (problem.id, asked.reference)
    q1 = sheet.problems[0].solution
    assert _flat(equation(q1["padded_h"], q1, "text")) in text  # padded_h = H + 2·P_h = 9 + 2·4 = 17


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
