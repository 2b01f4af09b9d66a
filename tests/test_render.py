"""Renderers: one registry of formats; every format draws every kind of detail block and view."""

from __future__ import annotations

import io
from typing import get_args

import numpy as np
import pytest
from conftest import PROBLEMS

from solver.files.problem_file import load_problem
from solver.graph.blocks import Block, Grid, Math, ProductSum, Sentence, View
from solver.graph.steps import Solution, Step
from solver.graph.tables import Column, Table, published
from solver.render import FORMATS
from solver.render.sheet import Asked, Sheet, SheetProblem

#: The formats that draw detail and views (JSON publishes values and keyed tables only).
DRAWING = ("term", "md", "pdf", "tex")


def test_each_drawing_format_has_a_drawing_for_every_kind_of_view():
    for name in DRAWING:
        assert set(FORMATS[name].renderer().DRAW) == set(get_args(View)), name


def test_markdown_writes_every_kind_of_detail_block():
    from solver.render.markdown import WRITE

    assert set(WRITE) == set(get_args(Block))


def _showcase() -> Solution:
    """A solution with one of every block and view, to draw in every format."""
    solution = Solution("demo", "Every block and view")
    solution.given("x", "input", 2.0)
    solution.add(Step("y", "double", deps=("x",), compute=lambda x: 2 * x))
    table = Table("Rows", [Column("name", key="name"), Column("n", numeric=True, spec=",", key="n")], key="rows")
    table.rows.append(["a", 1234])
    step = solution["y"]
    step.detail = [Sentence("prose"), Math("1·2 = 2", label="unit 1"), ProductSum("y[1,1]", np.eye(2), np.ones((2, 2)))]
    step.views = (Grid("x", np.arange(4.0).reshape(2, 2), ((0, 1),), "[ ] marked"), table)
    solution.tables.append(table)
    return solution


@pytest.mark.parametrize("name", [name for name, f in FORMATS.items() if not f.binary])
def test_every_format_writes_a_solution_and_a_sheet(name):
    solution = _showcase()
    renderer = FORMATS[name].renderer()
    out = io.StringIO()
    renderer.write_solution(solution, out, False)
    assert "1,234" in out.getvalue() or '"n": 1234' in out.getvalue()
    sheet = io.StringIO()
    renderer.write_sheet(Sheet("Homework", [SheetProblem("p1", "Demo", [Asked("y", 2, 4.0)], solution)]), sheet, False)
    assert "p1" in sheet.getvalue()


@pytest.mark.parametrize("name", [name for name, f in FORMATS.items() if f.binary])
def test_a_binary_format_writes_bytes_under_its_text_stream(name):
    pytest.importorskip("typst")
    out = io.TextIOWrapper(io.BytesIO())
    FORMATS[name].renderer().write_solution(_showcase(), out, False)
    assert out.buffer.getvalue().startswith(b"%PDF")


def test_markdown_typesets_detail_instead_of_printing_code():
    out = io.StringIO()
    FORMATS["md"].renderer().write_solution(_showcase(), out, False)
    text = out.getvalue()
    assert not any(line.startswith("    ") for line in text.splitlines())
    assert r"- unit 1: $1 \cdot 2 = 2$" in text
    assert "- prose" in text


def test_a_product_sum_adds_up_its_products_as_a_plain_loop_does():
    rng = np.random.default_rng(3)
    patch, kernel = rng.integers(-5, 6, (3, 3)).astype(float), rng.integers(-5, 6, (3, 3)).astype(float)
    total = 0.0
    for r in range(3):
        for c in range(3):
            total += patch[r, c] * kernel[r, c]
    written = ProductSum("m[1,1]", patch, kernel, bias=0.5).written("text")
    assert written.endswith(f"= {total + 0.5:g}")
    assert written.count(")(") == 9


def test_keyed_tables_are_published_as_records_or_a_mapping():
    table = Table("t", [Column("product", key="product"), Column("norm", key="norm"), Column("regime")], by="product")
    table.rows += [["dh3/dh2", 0.5, "—"], ["dh3/dh1", 0.25, "vanishing"]]
    assert published(table) == {"dh3/dh2": 0.5, "dh3/dh1": 0.25}
    solution = load_problem(PROBLEMS / "conv_stack_003_cnn2.yaml").solve()
    layers = solution.published()["layers"]
    assert sum(layer["params"] for layer in layers) == solution["total_params"].value
    assert [layer["output"] for layer in layers] == [solution[f"out{i}"].value for i in range(1, len(layers) + 1)]
