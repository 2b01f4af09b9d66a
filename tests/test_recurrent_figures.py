"""The lstm and gru figures: the cell unrolled, the gate values in the key only, bounded on a page."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import PROBLEMS
from gated_reference import Case, cases, run
from test_html import _chromium, _pixels

from solver.files.problem_file import load_problem
from solver.graph.names import rename
from solver.graph.steps import Solution
from solver.kinds.recurrent import gru, lstm
from solver.render.figures import figures, recurrent_cells
from solver.render.figures.svg import KEY, MARK

SVG = "{http://www.w3.org/2000/svg}"
MODULES = {"lstm": lstm, "gru": gru}
GATES = {"lstm": "ifgo", "gru": "rzn"}
FILES = {"lstm": "lstm_three_steps_scalar.yaml", "gru": "gru_one_step_other_update_convention.yaml"}
SENTINEL = 987654.25
#: The sentinel's digits, unrounded ("9877" is how the key rounds it).
SENTINEL_DIGITS = "98765"


def solve(name: str) -> Solution:
    return load_problem(PROBLEMS / name).solve()


def solved(case: Case) -> Solution:
    module = MODULES[case.kind]
    return module.solve(case.given(module.Given))


def cell_figure(solution: Solution, *, key: bool) -> ET.Element:
    (figure,) = [f for f in figures(solution, key=key) if f.name == solution.kind]
    return ET.fromstring(figure.svg)


def texts(svg: ET.Element, colour: str | None = None) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text") if colour in (None, t.get("fill"))]


def one_per_layout(kind: str) -> list[Case]:
    """A per-gate and a stacked case of the kind, many-to-many (an output per step)."""
    made = [c for c in cases(kind)[0] if c.every_step and c.convention == "column"]
    return [next(c for c in made if not c.stacked), next(c for c in made if c.stacked)]


def entry(value: float, digits: int) -> str:
    """A number as the figure rounds it, written here from Python's own formatting."""
    return f"{value:.{digits}g}"


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("key", [True, False], ids=["key", "handout"])
def test_each_layout_of_each_kind_is_drawn_one_column_per_time_step(kind: str, key: bool) -> None:
    for case in one_per_layout(kind):
        solution = solved(case)
        shown = texts(cell_figure(solution, key=key))
        steps = len(case.x)
        for t in range(1, steps + 1):
            assert {f"x{t}", f"h{t}", *(f"{gate}{t}" for gate in GATES[kind])} <= set(shown)
        assert f"h{steps + 1}" not in shown and f"{GATES[kind][0]}{steps + 1}" not in shown


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_the_key_shows_the_gate_values_a_plain_loop_computes(kind: str) -> None:
    """Each gate's value as PyTorch's documented recurrence gives it (tests/gated_reference.py), rounded."""
    case = next(c for c in cases(kind)[0] if not c.stacked and c.convention == "column")
    trace = run(case)
    shown = texts(cell_figure(solved(case), key=True), KEY)
    for t, step in enumerate(trace, start=1):
        gates = {gate: step[gate] for gate in GATES[kind] if gate in step}  # the reference keeps o, r, z, n
        for gate, value in gates.items():
            line = next(text for text in shown if text.startswith(f"{gate}{t} = "))
            numbers = line.removeprefix(f"{gate}{t} = ").strip("[]").split(", ")
            expected = [entry(v, 3) for v in value] if value.size > 1 else [entry(value[0], 4)]
            if value.size > 3:
                expected = [*expected[:2], "…", expected[-1]]
            assert [float(n) if n != "…" else n for n in numbers] == [float(e) if e != "…" else e for e in expected]


def test_the_lstm_key_shows_every_gate_and_gradient_of_its_steps_and_highlights_the_cell_path() -> None:
    solution = solve(FILES["lstm"])
    svg = cell_figure(solution, key=True)
    red = texts(svg, KEY)
    for t in (1, 2, 3):
        for name in (*(f"{gate}{t}" for gate in "figo"), f"dL/dc{t}", f"dL/dh{t}"):
            value = float(np.ravel(solution[name].value)[0])
            assert f"{rename(name, solution.notation)} = {float(entry(value, 4)):g}" in red
    # The highlight runs along the whole cell line, c0 to c3.
    (band,) = [r for r in svg.iter(f"{SVG}rect") if r.get("fill") == MARK]
    centres = {t.text: float(t.get("x")) for t in svg.iter(f"{SVG}text") if t.text in ("c0", "c3")}
    left, width = float(band.get("x")), float(band.get("width"))
    assert left < centres["c0"] and left + width > centres["c3"]


@pytest.mark.parametrize("name", FILES.values())
def test_the_handout_does_not_depend_on_any_computed_value(name: str) -> None:
    """Every worked value replaced by a sentinel leaves the handout's figure unchanged, and it has no highlight."""
    solution = solve(name)
    before = ET.tostring(cell_figure(solution, key=False))
    for step in solution:
        if not step.is_given:
            step.value = np.full(np.shape(step.value), SENTINEL)
    after = cell_figure(solution, key=False)
    assert ET.tostring(after) == before
    assert not [t for t in texts(after) if "9877" in t or SENTINEL_DIGITS in t]
    assert not texts(after, KEY) and not [r for r in after.iter(f"{SVG}rect") if r.get("fill") == MARK]
    assert "9877" in " ".join(texts(cell_figure(solution, key=True)))  # the key does read them (rounded)


def test_the_gru_figure_follows_the_course_notation() -> None:
    solution = solve(FILES["gru"])  # n: h_hat
    for key in (True, False):
        shown = texts(cell_figure(solution, key=key))
        assert "ĥ1" in shown and "n1" not in shown  # h_hat1, set with its hat


def long_problem(tmp_path: Path, kind: str, steps: int, hidden: int) -> Solution:
    rng = np.random.default_rng(steps)
    given = {"x": rng.normal(size=(steps, 2)).round(2).tolist(), "W_y": rng.normal(size=(1, hidden)).round(2).tolist()}
    given["y"] = 0.5
    for gate in GATES[kind]:
        given[f"W_{gate}"] = rng.normal(size=(hidden, 2)).round(2).tolist()
        given[f"U_{gate}"] = rng.normal(size=(hidden, hidden)).round(2).tolist()
    path = tmp_path / f"{kind}.yaml"
    path.write_text(yaml.safe_dump({"kind": kind, "title": "a long sequence", "given": given, "ask": ["h1"]}))
    return load_problem(path).solve()


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("key", [True, False], ids=["key", "handout"])
def test_a_long_sequence_of_wide_states_leaves_steps_out_and_fits_an_a4_page(tmp_path, kind: str, key: bool) -> None:
    """Twelve steps of nine units: the first step and the last ones, the gap said in the caption, legible on A4."""
    solution = long_problem(tmp_path, kind, steps=12, hidden=9)
    (figure,) = [f for f in figures(solution, key=key) if f.name == kind]
    shown = texts(ET.fromstring(figure.svg))
    drawn = [t for t in range(1, 13) if f"x{t}" in shown]
    assert drawn[0] == 1 and drawn[-2:] == [11, 12] and len(drawn) < 12
    assert f"steps 2 to {drawn[1] - 1} left out" in figure.caption
    assert min(1, 453 / 0.75 / figure.drawing.width, 0.85 * 686 / 0.75 / figure.drawing.height) >= 0.6
    if key:  # a state of nine units shows its first two entries and its last
        h12 = np.ravel(solution["h12"].value)
        line = next(t for t in shown if t.startswith("dL/dh12 = "))
        assert line.count(", ") == 3 and "…" in line
        assert f"[{float(entry(h12[0], 3)):g}, {float(entry(h12[1], 3)):g}, …, {float(entry(h12[-1], 3)):g}]" in shown


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_a_solution_without_single_sequence_names_draws_no_cell(kind: str) -> None:
    """A batch names its steps per example (h1[1], ...): the cell is left out rather than guessed."""
    solution = solved(one_per_layout(kind)[0])
    draw = getattr(recurrent_cells, kind)
    assert draw(solution, True)
    solution.steps = {(f"{name}[1]" if name[-1].isdigit() else name): step for name, step in solution.steps.items()}
    assert draw(solution, True) == [] and draw(solution, False) == []


@pytest.mark.parametrize(
    ("kind", "name"), [("lstm", "lstm_batch_two_sequences.yaml"), ("gru", "gru_batch_two_sequences.yaml")]
)
def test_a_batch_draws_its_first_example_with_that_examples_values(kind: str, name: str) -> None:
    solution = solve(name)
    svg = cell_figure(solution, key=True)
    (caption,) = [f.caption for f in figures(solution, key=True) if f.name == kind]
    assert caption.startswith("The first example of the batch")
    red = texts(svg, KEY)
    gate = GATES[kind][0]
    first, second = (np.ravel(solution[f"{gate}1_ex{n}"].value) for n in (1, 2))
    digits = 4 if first.size == 1 else 3  # as the key rounds a number and a vector's entries
    (line,) = [line for line in red if line.startswith(f"{gate}1 = ")]
    assert f"{float(entry(first[0], digits)):g}" in line and f"{float(entry(second[0], digits)):g}" not in line


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
@pytest.mark.parametrize("questions", [False, True], ids=["key", "handout"])
def test_chromium_renders_the_lstm_figure(cli, tmp_path, questions: bool) -> None:
    page = tmp_path / "sheet.html"
    assert cli("solve", PROBLEMS / FILES["lstm"], "-o", page, *(["--questions"] if questions else [])).code == 0
    dom, shot = _chromium(page, tmp_path)
    assert re.search(r'<figure class="figure" id="figure-(lstm-)?lstm"', dom)  # a handout prefixes the problem's id
    assert ("f3 = 0.8269" in dom) is not questions
    assert len(set(_pixels(shot))) > 16, "the screenshot is blank"
