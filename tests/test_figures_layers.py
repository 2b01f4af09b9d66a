"""Figures of transposed, 1-D and grouped convolutions, 1-D pooling, padding, batch and layer norm, dropout.

The key's numbers are checked against plain loops written here (not the kinds' NumPy);
the handout against a sentinel: every computed value replaced by nonsense leaves it unchanged.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import yaml
from conftest import PROBLEMS
from test_html import _chromium, _pixels

from grader.homework import load_homework
from grader.sheet import homework_sheet
from solver.files.problem_file import load_problem
from solver.graph.values import format_number
from solver.kinds.maps import conv, conv1d, pad, pool1d, transpose
from solver.kinds.norm import batchnorm, dropout, layernorm
from solver.render.figures import figures
from solver.render.figures.svg import FAINT, KEY, MARK, PADDING

SVG = "{http://www.w3.org/2000/svg}"


def solve(name: str):
    return load_problem(PROBLEMS / name).solve()


def figure(solution, name: str, *, key: bool = True) -> ET.Element:
    found = {f.name: f for f in figures(solution, key=key)}
    assert name in found, sorted(found)
    return ET.fromstring(found[name].svg)


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def rects(root: ET.Element, **attributes: str) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if all(r.get(k) == v for k, v in attributes.items())]


Cell = tuple[str, str]


def panels(root: ET.Element) -> list[list[list[Cell]]]:
    """The grids a figure draws, in reading order, each as rows of (fill, text) cells.

    A grid is a run of 26-pixel cells that touch one another; text centred in a cell is its text.
    """
    words = {(round(float(t.get("x")), 1), round(float(t.get("y")), 1)): t.text or "" for t in root.iter(f"{SVG}text")}
    cells = {}
    for rect in root.iter(f"{SVG}rect"):
        if rect.get("height") == "26" and rect.get("stroke") == FAINT:
            x, y, w = (float(rect.get(k)) for k in ("x", "y", "width"))
            cells[x, y] = (w, (rect.get("fill"), words.get((round(x + w / 2, 1), round(y + 13, 1)), "")))
    groups: list[set[tuple[float, float]]] = []
    for corner in sorted(cells, key=lambda c: (c[1], c[0])):
        width = cells[corner][0]
        touching = [g for g in groups if {(corner[0] - width, corner[1]), (corner[0], corner[1] - 26)} & g]
        merged = set().union(*touching) | {corner}
        groups = [g for g in groups if g not in touching] + [merged]
    grids = []
    for group in sorted(groups, key=lambda g: (min(y for _, y in g), min(x for x, _ in g))):
        ys, xs = sorted({y for _, y in group}), sorted({x for x, _ in group})
        grids.append([[cells[x, y][1] for x in xs] for y in ys])
    return grids


def fills(grid: list[list[Cell]]) -> np.ndarray:
    return np.array([[fill for fill, _ in row] for row in grid])


def numbers(grid: list[list[Cell]]) -> np.ndarray:
    return np.array([[text for _, text in row] for row in grid])


def shown(values) -> np.ndarray:
    return np.vectorize(lambda v: format_number(float(v)))(np.asarray(values, dtype=float))


NEW_KINDS = {
    "conv_transpose_d2l_basic.yaml": "scatter-feature_map",
    "conv_transpose_d2l_stride_2.yaml": "scatter-feature_map",
    "conv1d_d2l_textcnn.yaml": "windows-feature_map",
    "pad_pytorch_reflection.yaml": "padding",
    "pad_pytorch_replication.yaml": "padding",
    "batchnorm_three_examples.yaml": "normalized",
    "layernorm_two_examples.yaml": "normalized",
    "dropout_inverted.yaml": "dropout",
}


def sentinel(solution):
    """The solution with every worked value, detail and view replaced by nonsense."""
    for step in solution:
        if not step.is_given:
            step.value, step.detail, step.views = 987654.25, [], ()
    return solution


@pytest.mark.parametrize("name", sorted(NEW_KINDS))
def test_each_kind_has_its_figure_and_the_handout_does_not_depend_on_any_answer(name: str) -> None:
    figure(solve(name), NEW_KINDS[name])
    handout = [f.svg for f in figures(solve(name), key=False) if not f.name.startswith("graph")]
    assert handout, "the handout draws the given data"
    assert [f.svg for f in figures(sentinel(solve(name)), key=False) if not f.name.startswith("graph")] == handout
    assert not any("987654" in svg for svg in handout)


# --- transposed convolution ---------------------------------------------------------------------


def plain_scatter(image: np.ndarray, kernel: np.ndarray, stride: int) -> dict[tuple[int, int], np.ndarray]:
    """Each input cell's copy of the kernel on the whole (uncropped) output, laid tap by tap."""
    size = ((image.shape[0] - 1) * stride + kernel.shape[0], (image.shape[1] - 1) * stride + kernel.shape[1])
    copies = {}
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            copy = np.zeros(size)
            for a in range(kernel.shape[0]):
                for b in range(kernel.shape[1]):
                    copy[i * stride + a, j * stride + b] += image[i, j] * kernel[a, b]
            copies[i, j] = copy
    return copies


@pytest.mark.parametrize("name", ["conv_transpose_d2l_basic.yaml", "conv_transpose_d2l_stride_2.yaml"])
def test_each_input_cell_lays_its_scaled_kernel_and_the_last_panel_is_their_sum(name: str) -> None:
    given = yaml.safe_load((PROBLEMS / name).read_text())["given"]
    image, kernel = np.array(given["image"], float), np.array(given["kernel"], float)
    stride = given.get("stride", 1)
    copies = plain_scatter(image, kernel, stride)
    drawn = panels(figure(solve(name), "scatter-feature_map"))
    assert len(drawn) == len(copies) + 1
    for ((i, j), copy), grid in zip(copies.items(), drawn, strict=False):
        lands = np.zeros(copy.shape, bool)
        lands[i * stride : i * stride + kernel.shape[0], j * stride : j * stride + kernel.shape[1]] = True
        assert (fills(grid) == MARK).tolist() == lands.tolist()
        assert numbers(grid)[lands].tolist() == shown(copy[lands]).tolist()
        assert (numbers(grid)[~lands] == "").all()
    total = sum(copies.values())
    assert numbers(drawn[-1]).tolist() == shown(total).tolist()
    published = yaml.safe_load((PROBLEMS / name).read_text())["source_answers"]["feature_map"]
    assert np.allclose(total, published)  # nothing cropped: the sum is the output D2L prints


def test_a_cropped_transposed_convolution_frames_its_output_in_the_sum() -> None:
    """Padding 1 crops a cell from each side; output padding 1 gives one back at the end, past the last copy."""
    image, kernel = np.array([[1.0, 2], [3, 4]]), np.array([[1.0, 0, 1], [0, 1, 0], [1, 0, 1]])
    solution = transpose.solve(transpose.Given(image=image.tolist(), kernel=kernel.tolist(), stride=2, padding=1,
                                               output_padding=1))  # fmt: skip
    root = figure(solution, "scatter-feature_map")
    full = sum(plain_scatter(image, kernel, 2).values())  # 5 × 5
    grown = np.zeros((6, 6))
    grown[:5, :5] = full
    last = panels(root)[-1]
    assert numbers(last).tolist() == shown(grown).tolist()
    kept = np.zeros((6, 6), bool)
    kept[1:5, 1:5] = True  # P = 1 off each side of the 6 × 6 grown map
    assert (fills(last) == PADDING).tolist() == (~kept).tolist()
    assert np.allclose(grown[kept].reshape(4, 4), solution["feature_map"].value)
    assert len(rects(root, stroke=KEY, **{"stroke-dasharray": "4 3"})) == 11  # output padding's row and column
    assert len([r for r in rects(root, stroke=KEY) if r.get("stroke-dasharray") is None]) == 1  # the output's frame


# --- 1-D convolution and pooling, grouped convolution -------------------------------------------


def plain_conv1d(sequence: np.ndarray, kernel: np.ndarray, stride: int, padding: int, dilation: int) -> list[float]:
    padded = [[0.0] * padding + list(row) + [0.0] * padding for row in sequence]
    length, reach = len(padded[0]), dilation * (kernel.shape[1] - 1) + 1
    out = []
    for start in range(0, length - reach + 1, stride):
        out.append(
            sum(
                padded[c][start + k * dilation] * kernel[c, k]
                for c in range(len(padded))
                for k in range(kernel.shape[1])
            )
        )
    return out


@pytest.mark.parametrize(
    ("sequence", "kernel", "stride", "padding", "dilation"),
    [
        ([[0, 1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6, 7], [2, 3, 4, 5, 6, 7, 8]], [[1, 2], [3, 4], [-1, -3]], 1, 0, 1),
        ([[1, 2, 3, 4, 5, 6, 7, 8]], [[1, 0, -1]], 2, 2, 2),
    ],
)
def test_a_sequence_shows_each_window_with_its_dilation_gaps_and_padding(sequence, kernel, stride, padding, dilation):
    sequence, kernel = np.array(sequence, float), np.array(kernel, float)
    solution = conv1d.solve(
        conv1d.Given(sequence=sequence.tolist(), kernel=kernel.tolist(), stride=stride, padding=padding,
                     dilation=dilation)
    )  # fmt: skip
    root = figure(solution, "windows-feature_map")
    expected = plain_conv1d(sequence, kernel, stride, padding, dilation)
    assert [t for t in texts(root) if t.startswith("= ")] == [f"= {format_number(v)}" for v in expected]
    for n, grid in enumerate(panels(root)):
        assert len(grid) == len(sequence)  # the channels as rows
        window = np.zeros(len(grid[0]), bool)
        window[[n * stride + k * dilation for k in range(kernel.shape[1])]] = True
        for row in grid:  # the window covers every channel; the cells between its taps are left out
            assert [fill == MARK for fill, _ in row] == window.tolist()
            outside = [not padding <= q < padding + sequence.shape[1] for q in range(len(row))]
            assert [fill == PADDING for fill, _ in row] == (np.array(outside) & ~window).tolist()


def test_pooling_along_a_sequence_frames_the_cell_each_window_picks() -> None:
    rows = np.array([[1.0, 3, 2, 5, 4, 0, 7], [2, 2, 1, 0, 3, 8, 1]])
    solution = pool1d.solve(pool1d.Given(sequence=rows.tolist(), window=3, stride=2, padding=1))
    root = figure(solution, "windows-pooled")
    padded = np.full((2, 9), -np.inf)
    padded[:, 1:8] = rows
    maxima = [[max(padded[c, q * 2 : q * 2 + 3]) for q in range(4)] for c in range(2)]
    assert [t for t in texts(root) if t.startswith("= ")] == [f"= {format_number(v)}" for row in maxima for v in row]
    framed = [r for r in rects(root, stroke=KEY)]
    assert len(framed) == 8  # one picked cell per output cell
    for grid, row in zip(panels(root), [(c, q) for c in range(2) for q in range(4)], strict=True):
        c, q = row
        marked = [(r, k) for r, line in enumerate(grid) for k, (fill, _) in enumerate(line) if fill == MARK]
        assert marked == [(c, k) for k in range(2 * q, 2 * q + 3)]
        assert numbers(grid)[:, 0].tolist() == ["", ""]  # the padding holds no number


def test_a_grouped_kernel_reads_its_groups_channels_only() -> None:
    image = np.arange(36, dtype=float).reshape(4, 3, 3) % 5
    kernels = [[[[1, 0], [0, 1]], [[0, 1], [1, 0]]], [[[1, 1], [0, 0]], [[0, 0], [1, 1]]]]
    solution = conv.solve(conv.Given(image=image.tolist(), kernels=kernels, groups=2))
    for n, channels in ((1, (0, 1)), (2, (2, 3))):
        root = figure(solution, f"windows-feature_map{n}")
        drawn = panels(root)
        assert len(drawn) == 4 * 4  # four output cells, each with the image's four channels
        for cell in range(4):
            planes = drawn[4 * cell : 4 * cell + 4]
            for c, plane in enumerate(planes):
                assert (fills(plane) == MARK).sum() == (4 if c in channels else 0)
        faint = [t for t in root.iter(f"{SVG}text") if t.get("fill") == FAINT]
        assert len(faint) == 4 * 2 * 9  # the other group's two channels, in each of the four panels
        caption = next(f.caption for f in figures(solution, key=True) if f.name == f"windows-feature_map{n}")
        assert f"reads channels {channels[0] + 1}–{channels[1] + 1} only" in caption
        expected = [
            sum(
                image[channels[k], r + a, q + b] * kernels[n - 1][k][a][b]
                for k in range(2)
                for a in range(2)
                for b in range(2)
            )
            for r in range(2)
            for q in range(2)
        ]
        assert [t for t in texts(root) if t.startswith("= ")] == [f"= {format_number(v)}" for v in expected]


# --- padding ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "numpy_mode"), [("pad_pytorch_reflection.yaml", "reflect"), ("pad_pytorch_replication.yaml", "edge")]
)
def test_each_border_cell_has_the_colour_of_the_map_cell_it_copies(name: str, numpy_mode: str) -> None:
    problem = yaml.safe_load((PROBLEMS / name).read_text())
    (grid,) = panels(figure(solve(name), "padding"))
    assert numbers(grid).tolist() == shown(problem["source_answers"]["padded"]).tolist()  # PyTorch's published output
    # Which map cell each padded cell copies, by NumPy's own padding of the cells' indices.
    size = np.array(problem["given"]["map"]).shape
    source = np.pad(np.arange(size[0] * size[1]).reshape(size), problem["given"]["padding"], mode=numpy_mode)
    colour = fills(grid)
    inner = colour[2:-2, 2:-2].ravel()
    assert len(set(inner)) == inner.size  # each map cell its own colour
    assert (colour == inner[source]).all()


def test_zero_padding_shades_its_border_of_zeros() -> None:
    solution = pad.solve(pad.Given(map=[[1, 2, 3, 4], [5, 6, 7, 8]], padding="1x2"))
    (grid,) = panels(figure(solution, "padding"))
    border = np.ones((4, 8), bool)
    border[1:3, 2:6] = False
    assert (fills(grid) == PADDING).tolist() == border.tolist()
    assert (numbers(grid)[border] == "0").all() and numbers(grid)[~border].tolist() == [str(n) for n in range(1, 9)]


# --- batch and layer normalization, dropout -----------------------------------------------------


def plain_statistics(rows: list[list[float]]) -> tuple[list[float], list[float]]:
    means = [sum(row) / len(row) for row in rows]
    return means, [sum((v - m) ** 2 for v in row) / len(row) for row, m in zip(rows, means, strict=True)]


@pytest.mark.parametrize("name", ["batchnorm_three_examples.yaml", "layernorm_two_examples.yaml"])
def test_the_normalized_groups_are_framed_with_their_statistics(name: str) -> None:
    solution = solve(name)
    x = yaml.safe_load((PROBLEMS / name).read_text())["given"]["x"]
    by_column = solution.kind == "batchnorm"
    groups = [list(column) for column in zip(*x, strict=True)] if by_column else x
    means, variances = plain_statistics(groups)
    root = figure(solution, "normalized")
    drawn = panels(root)
    x_grid, stats = (drawn[0], drawn[3]) if by_column else (drawn[0], drawn[1])
    assert numbers(x_grid).tolist() == shown(x).tolist()
    expected = [means, variances] if by_column else [list(pair) for pair in zip(means, variances, strict=True)]
    assert numbers(stats).tolist() == shown(expected).tolist()
    x_hat = [
        [
            (v - means[k if by_column else n]) / np.sqrt(variances[k if by_column else n] + 1e-5)
            for k, v in enumerate(row)
        ]
        for n, row in enumerate(x)
    ]
    x_hat_grid = drawn[1] if by_column else drawn[2]
    assert numbers(x_hat_grid).tolist() == shown(x_hat).tolist()
    assert "μ" in texts(root) and "mean" not in texts(root)  # the course's notation: mean is mu, set as μ
    frames = rects(root, stroke=KEY)
    assert len(frames) == len(groups)
    cell = float(frames[0].get("width" if by_column else "height")) - 3  # a frame is one column (row) wide
    assert cell == (float(root.find(f".//{SVG}rect[@stroke='{FAINT}']").get("width")) if by_column else 26)
    handout = panels(figure(solution, "normalized", key=False))
    assert (numbers(handout[1]) == "").all()  # the statistics are asked: empty cells


def test_dropout_crosses_the_dropped_units_and_scales_the_kept_ones() -> None:
    x, mask, p = [[1.0, -2.0, 3.0, 0.5], [0.2, 0.4, -1.0, 2.0]], [[1, 0, 1, 1], [0, 1, 1, 0]], 0.5
    solution = dropout.solve(dropout.Given(x=x, mask=mask, p=p))
    root = figure(solution, "dropout")
    x_grid, mask_grid, y_grid = panels(root)
    assert numbers(x_grid).tolist() == shown(x).tolist()
    expected = [[v * m / (1 - p) for v, m in zip(row, keep, strict=True)] for row, keep in zip(x, mask, strict=True)]
    assert numbers(y_grid).tolist() == shown(expected).tolist()
    dropped = np.array(mask) == 0
    assert (fills(mask_grid) == MARK).tolist() == (~dropped).tolist()
    crosses = [line for line in root.iter(f"{SVG}line") if line.get("stroke") == "#555"]
    assert len(crosses) == 2 * dropped.sum()
    handout = texts(figure(solution, "dropout", key=False))
    assert "y" not in handout and not {"6", "0.8"} & set(handout)  # no output value (x holds neither)
    assert not any(t.startswith("×") for t in handout)


# --- bounded: a large input is elided, and its figure still prints legibly ----------------------


def legible(drawing) -> bool:
    """Shrunk to an A4 line and 0.85 of its text height, no further than 0.6 (test_figures' rule)."""
    return min(1, (453 / 0.75) / drawing.width, (0.85 * 686 / 0.75) / drawing.height) >= 0.6


def large_solutions():
    rng = np.random.default_rng(7)
    grid = rng.normal(size=(30, 14)).round(2).tolist()
    return [
        transpose.solve(
            transpose.Given(image=np.arange(196).reshape(14, 14).tolist(), kernel=[[1, 2], [3, 4]], stride=2)
        ),
        conv1d.solve(conv1d.Given(sequence=rng.integers(0, 9, (3, 60)).tolist(), kernel=[[1, 0, 2]] * 3, padding=2)),
        pool1d.solve(pool1d.Given(sequence=rng.integers(0, 9, 80).tolist(), window=3)),
        pad.solve(pad.Given(map=np.arange(900).reshape(30, 30).tolist(), padding=3, mode="reflect")),
        batchnorm.solve(batchnorm.Given(x=grid)),
        layernorm.solve(layernorm.Given(x=grid)),
        dropout.solve(dropout.Given(x=grid, mask=(rng.random((30, 14)) > 0.5).astype(int).tolist(), p=0.25)),
    ]


@pytest.mark.parametrize("key", [True, False])
def test_a_large_input_is_elided_so_that_a_page_holds_its_figure(key: bool) -> None:
    for solution in large_solutions():
        drawn = [f for f in figures(solution, key=key) if not f.name.startswith("graph")]
        assert drawn, solution.kind
        for found in drawn:
            assert legible(found.drawing), (solution.kind, found.name, found.drawing.width, found.drawing.height)
            assert {"⋯"} & set(texts(ET.fromstring(found.svg))), (solution.kind, found.name)


# --- rendered: every figure of these kinds in a real browser, key and handout -------------------


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
@pytest.mark.parametrize("questions", [False, True], ids=["key", "handout"])
def test_chromium_draws_every_figure_of_these_kinds(cli, tmp_path, questions: bool) -> None:
    homework = tmp_path / "layers.yaml"
    asks = {"padding": "padded", "normalized": "y", "dropout": "y"}
    problems = [
        {"id": f"p{n}", "file": str(PROBLEMS / name), "ask": {asks.get(NEW_KINDS[name], "feature_map"): 1}}
        for n, name in enumerate(sorted(NEW_KINDS), 1)
    ]
    homework.write_text(yaml.safe_dump({"title": "Layers", "problems": problems}))
    page = tmp_path / "sheet.html"
    assert cli("solve", homework, "-o", page, *(["--questions"] if questions else [])).code == 0
    dom, shot = _chromium(page, tmp_path)
    sheet = homework_sheet(load_homework(homework))
    drawn = [(p.id, f) for p in sheet.problems for f in figures(p.solution, key=not questions)]
    assert {f.name for _, f in drawn} >= (set(NEW_KINDS.values()) if not questions else {"given-maps", "dropout"})
    for problem_id, found in drawn:
        at = dom.index(f'id="figure-{problem_id}-{found.name}"')
        svg = dom[dom.index("<svg", at) : dom.index("</svg>", at)]
        assert svg.count("<rect") > 3 and svg.count("<text") > 3, found.name
    assert len(set(_pixels(shot))) > 16, "the screenshot is blank"
