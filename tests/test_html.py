"""HTML sheets: the handout holds no answer, -o writes the whole file or nothing, and Chromium renders the key."""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from conftest import PROBLEMS

from grader.homework import load_homework
from grader.sheet import homework_sheet
from solver.render import markdown
from solver.render.figures import figures
from solver.render.html import _math, write_handout

HOMEWORK = PROBLEMS / "homework1.yaml"


def _handout(sheet, write=write_handout) -> str:
    out = io.StringIO()
    write(sheet, out)
    return out.getvalue()


@pytest.mark.parametrize("write", [write_handout, markdown.write_handout], ids=["html", "md"])
def test_the_handout_does_not_depend_on_any_answer(write):
    """Every worked value replaced by nonsense leaves the handout unchanged: no answer can be in it."""
    sheet = homework_sheet(load_homework(HOMEWORK))
    before = _handout(sheet, write)
    for problem in sheet.problems:
        for step in problem.solution:
            if not step.is_given:
                step.value, step.detail, step.views = 987654.25, [], ()
        problem.asked[:] = [type(a)(a.reference, a.points, 987654.25) for a in problem.asked]
    after = _handout(sheet, write)
    assert after == before
    assert "987654" not in after
    assert "Solution" not in before and "answer</th>" not in before


def test_the_markdown_handout_asks_every_step_with_its_points(cli, tmp_path):
    handout = tmp_path / "handout.md"
    assert cli("solve", HOMEWORK, "--questions", "-o", handout).code == 0
    text = handout.read_text()
    sheet = homework_sheet(load_homework(HOMEWORK))
    for problem in sheet.problems:
        assert f"## {problem.id}: " in text
    asked = [a for p in sheet.problems for a in p.asked]
    assert text.count("Answer:") == len(asked)
    assert re.findall(r"\((\d+) points?\)\n\nAnswer:", text) == [f"{a.points:g}" for a in asked]


@pytest.mark.parametrize("questions", [False, True], ids=["key", "handout"])
def test_no_two_elements_of_the_homework_page_share_an_id(cli, tmp_path, questions):
    """Each figure has its own arrow head: one shared id would make every figure point at the first one's."""
    page = tmp_path / "sheet.html"
    assert cli("solve", HOMEWORK, "-o", page, *(["--questions"] if questions else [])).code == 0
    ids = re.findall(r'\sid="([^"]*)"', page.read_text())
    assert sum(i.endswith("arrow") for i in ids) >= 2  # the page has several figures with arrows
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_a_negative_number_is_one_number_not_a_subtraction():
    assert "<mo>&#x02212;</mo><mn>1.4</mn></mrow>" in _math(r"\left( -1.4 \right)")
    assert "<mrow><mo>&#x02212;</mo><mn>2</mn></mrow>" in _math("x = -2")
    assert "<mn>3</mn><mo>&#x02212;</mo><mn>2</mn>" in _math("3 - 2")  # a subtraction stays one


def test_output_file_takes_its_format_from_the_extension(cli, tmp_path):
    key = tmp_path / "key.html"
    assert cli("solve", HOMEWORK, "-o", key).code == 0
    assert key.read_text().startswith("<!DOCTYPE html>")
    sheet = tmp_path / "key.md"
    assert cli("solve", HOMEWORK, "-o", sheet).code == 0
    assert sheet.read_text().startswith("# Homework 1")


@pytest.mark.parametrize("options", [("--format", "pdf"), ("--json",)])
def test_a_format_and_an_extension_that_disagree_are_one_line(cli, tmp_path, options):
    key = tmp_path / "key.html"
    result = cli("solve", HOMEWORK, "-o", key, *options)
    assert result.code == 2 and result.err.count("\n") == 1 and "two formats" in result.err
    assert not key.exists()
    assert cli("solve", HOMEWORK, "-o", key, "--format", "html").code == 0  # agreeing is fine


@pytest.mark.parametrize("name", ["sheet.docx", "missing/sheet.html", "."])
def test_a_bad_output_path_is_one_line_and_writes_nothing(cli, tmp_path, name):
    result = cli("solve", HOMEWORK, "-o", tmp_path / name)
    assert result.code == 2
    assert result.err.startswith("nnsolve: error:") and result.err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == []


def test_questions_need_a_format_that_writes_handouts(cli):
    result = cli("solve", HOMEWORK, "--questions", "--format", "json")
    assert result.code == 2 and "--questions" in result.err


def _chromium(page: Path, tmp_path: Path) -> tuple[str, bytes]:
    """The DOM Chromium built from ``page`` and a screenshot of it, headless and offline."""
    flags = [
        shutil.which("chromium") or "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=900,1200",
    ]
    shot = tmp_path / "page.png"
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True)
    subprocess.run([*flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True)
    return dom.stdout, shot.read_bytes()


def _pixels(png: bytes) -> bytes:
    """The filtered scanlines of a PNG (its IDAT chunks, inflated)."""
    data, at = b"", 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        if png[at + 4 : at + 8] == b"IDAT":
            data += png[at + 8 : at + 8 + length]
        at += 12 + length
    return zlib.decompress(data)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
@pytest.mark.parametrize("questions", [False, True], ids=["key", "handout"])
def test_chromium_renders_the_homework(cli, tmp_path, questions):
    page = tmp_path / "sheet.html"
    assert cli("solve", HOMEWORK, "-o", page, *(["--questions"] if questions else [])).code == 0
    dom, shot = _chromium(page, tmp_path)
    assert dom.count("<math") >= 20
    assert "<merror" not in dom
    text = re.sub(r"<math.*?</math>", "", dom, flags=re.S)
    assert not re.search(r"\\(frac|mathrm|cdot|left|text)\b", text), "LaTeX left as text"
    sheet = homework_sheet(load_homework(HOMEWORK))
    drawn = [(p.id, f) for p in sheet.problems for f in figures(p.solution, key=not questions)]
    assert dom.count('<figure class="figure"') == len(drawn)
    for problem_id, figure in drawn:
        assert f'id="figure-{problem_id}-{figure.name}"' in dom and "<svg" in dom
    assert len(set(_pixels(shot))) > 16, "the screenshot is blank"


def test_a_written_sheet_gets_the_permissions_of_any_new_file(cli, tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        assert cli("solve", PROBLEMS / "conv_size_000_3_1.yaml", "-o", tmp_path / "key.html").code == 0
    finally:
        os.umask(umask)
    assert (tmp_path / "key.html").stat().st_mode & 0o777 == 0o644  # not a temporary file's 0600


#: Appended to a copy of a sheet in this test only (the sheets run no script): what Chromium laid out.
MEASURE = """<script>
const drawings = [...document.querySelectorAll(".drawing")].map((frame) => {
  const svg = frame.querySelector("svg");
  return {shown: svg.getBoundingClientRect().width, own: svg.width.baseVal.value,
          column: frame.clientWidth, scrolls: frame.scrollWidth > frame.clientWidth + 1};
});
document.body.insertAdjacentHTML("beforeend", "<pre id=measured>" + JSON.stringify(drawings) + "</pre>");
</script>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
@pytest.mark.parametrize("window", [900, 420], ids=["screen", "phone"])
def test_a_wide_figure_keeps_a_legible_size_and_scrolls_sideways(cli, tmp_path, window):
    import json

    from solver.render.html import LEGIBLE

    page = tmp_path / "sheet.html"
    assert cli("solve", PROBLEMS / "rnn_002_vanishing_gradient.yaml", "-o", page).code == 0
    page.write_text(page.read_text().replace("</body>", MEASURE + "</body>"))
    flags = [shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu", f"--window-size={window},1200"]
    flags.append(f"--user-data-dir={tmp_path / 'profile'}")
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True)
    measured = json.loads(re.search(r'<pre id="measured">(\[.*?\])</pre>', dom.stdout, re.S)[1])
    # The unrolled RNN; the computation graph of its 97 steps would need more pages than a sheet gives it.
    assert len(measured) == 1 and all(m["own"] > m["column"] for m in measured)
    for m in measured:
        assert m["shown"] >= LEGIBLE * m["own"] - 1, m  # shrunk no further than its text stays legible
        assert m["scrolls"], m


def test_print_scales_figures_to_the_page_width():
    from solver.render.html import STYLE

    printed = STYLE[STYLE.index("@media print") :]
    assert ".drawing svg { min-width: 0; }" in printed and "overflow: visible" in printed


def test_a_transposed_matrix_is_the_base_of_its_superscript():
    # latex2mathml alone makes the opening bracket the base of ᵀ, and the browser draws the matrix small
    mathml = _math(r"X \begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}^\top + b")
    assert "<msup><mrow><mo>&#x0005B;</mo><mtable>" in mathml
    assert "</mtable><mo>&#x0005D;</mo></mrow><mo>&#x022A4;</mo></msup>" in mathml
