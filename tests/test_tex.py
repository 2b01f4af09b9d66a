"""LaTeX sheets in the exam class: the key works every step, the handout's source holds no answer."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from conftest import PROBLEMS

from grader.homework import load_homework
from grader.sheet import homework_sheet
from solver.graph.steps import Solution
from solver.render import tex
from solver.render.equation import equation


@pytest.fixture(scope="module")
def sheet():
    return homework_sheet(load_homework(PROBLEMS / "homework1.yaml"))


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


@pytest.mark.skipif(not shutil.which("latexmk"), reason="latexmk is not installed")
@pytest.mark.parametrize("questions", [False, True])
def test_the_sheet_compiles(sheet, tmp_path, questions):
    (tmp_path / "sheet.tex").write_text(_tex(sheet, questions), encoding="utf-8")
    subprocess.run(
        ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "sheet.tex"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
        timeout=300,
    )
    assert (tmp_path / "sheet.pdf").read_bytes().startswith(b"%PDF")
