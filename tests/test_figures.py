"""Figures: well-formed, self-contained SVG that shows the right numbers, and no answer in a handout."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import yaml

from solver.files.problem_file import load_problem
from solver.graph.values import format_number
from solver.render.figures import figures
from solver.render.figures.local import local_derivative
from solver.render.figures.names import figure_name
from solver.render.figures.svg import KEY

PROBLEMS = Path(__file__).parent.parent / "problems"
SVG = "{http://www.w3.org/2000/svg}"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def solve(name: str):
    return load_problem(PROBLEMS / name).solve()


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def drawn(name: str, *, key: bool) -> dict[str, str]:
    return {f.name: f.svg for f in figures(solve(name), key=key)}


FILES = sorted(p.name for p in PROBLEMS.glob("*.yaml") if not p.name.startswith("homework"))


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("key", [True, False])
def test_every_figure_is_self_contained_svg(name: str, key: bool) -> None:
    for figure in figures(solve(name), key=key):
        root = ET.fromstring(figure.svg)
        assert root.tag == f"{SVG}svg" and figure.caption
        assert len(list(root.iter())) > 5, f"{figure.name} draws nothing"
        assert any(t.strip() for t in texts(figure.svg))
        assert "<script" not in figure.svg and "http://" not in figure.svg.replace("http://www.w3.org/2000/svg", "")
        assert all("href" not in attribute for e in root.iter() for attribute in e.attrib)


@pytest.mark.parametrize("name", FILES)
def test_handout_figures_show_only_given_numbers(name: str) -> None:
    """Every number in a handout figure is an entry of some given value: nothing computed shows."""
    solution = solve(name)
    given = {
        format_number(float(v))
        for s in solution
        if s.is_given
        for v in np.ravel(np.asarray(s.value, dtype=object))
        if isinstance(v, (int, float, np.number)) or getattr(v, "is_Number", False)
    }
    for figure in figures(solution, key=False):
        for text in texts(figure.svg):
            number = text.removeprefix("= ").removeprefix("δ ")
            if NUMBER.fullmatch(number):  # a value (names such as a2 hold digits too)
                assert number in given | {"1"}, f"{name} {figure.name}: {text!r} is not given data"


def test_network_shows_forward_values_computed_by_plain_loops() -> None:
    solution = solve("tanh_network_2_3_1_question_1.yaml")
    w1, w2 = solution["W1"].value.tolist(), solution["W2"].value.tolist()
    x = [1.0, *solution["x"].value.tolist()]  # the folded bias reads a constant 1
    hidden = [1.0] + [math.tanh(sum(w * v for w, v in zip(row, x, strict=True))) for row in w1]
    y_hat = sum(w * v for w, v in zip(w2[0], hidden, strict=True))  # a linear output
    shown = texts(drawn("tanh_network_2_3_1_question_1.yaml", key=True)["network"])
    for value in (*hidden[1:], y_hat):
        assert format_number(value) in shown
    # The notation renames every name shown: this course calls the activations z.
    assert "z1" in shown and "a1" not in shown


def test_network_key_adds_gradients_and_the_handout_has_none() -> None:
    key = drawn("delta_rule_three_layers.yaml", key=True)["network"]
    handout = drawn("delta_rule_three_layers.yaml", key=False)["network"]
    solution = solve("delta_rule_three_layers.yaml")
    gradient = format_number(float(solution["dL/dW2"].value[0, 1]))
    assert gradient in texts(key) and gradient not in texts(handout)
    assert format_number(float(solution["y_hat"].value)) not in texts(handout)
    assert format_number(-0.6) in texts(handout)  # the weights are given data


def plain_correlation(image: np.ndarray, kernel: np.ndarray, stride: int) -> np.ndarray:
    k = kernel.shape[0]
    size = (image.shape[0] - k) // stride + 1
    out = np.zeros((size, size))
    for r in range(size):
        for c in range(size):
            total = 0.0
            for i in range(k):
                for j in range(k):
                    total += image[r * stride + i, c * stride + j] * kernel[i, j]
            out[r, c] = total
    return out


@pytest.mark.parametrize(("name", "stride"), [("conv_003_stride_2.yaml", 2), ("conv_004_4_2a.yaml", 1)])
def test_conv_panels_show_each_cell_with_its_window(name: str, stride: int) -> None:
    solution = solve(name)
    image = np.asarray(solution["image"].value, dtype=float)
    kernel = np.asarray(solution["kernel"].value, dtype=float)
    expected = plain_correlation(image, kernel, stride)
    svg = drawn(name, key=True)["windows-feature_map"]
    shown = texts(svg)
    for value in expected.ravel():
        assert f"= {format_number(value)}" in shown
    marked = ET.fromstring(svg).findall(f".//{SVG}rect[@fill='#f4c542']")
    assert len(marked) == expected.size * kernel.size  # one window per output cell


def test_conv_names_follow_the_notation_and_the_handout_has_no_sum() -> None:
    key = texts(drawn("conv_004_4_2a.yaml", key=True)["windows-feature_map"])
    assert "Y[1,1]" in key and not any("feature_map" in t for t in key)
    handout = drawn("conv_004_4_2a.yaml", key=False)
    assert "windows-feature_map" not in handout and not any(t.startswith("=") for t in texts(handout["given-maps"]))


def test_pooling_marks_the_cell_each_window_picks() -> None:
    solution = solve("pool_003_max_pooling.yaml")
    svg = drawn("pool_003_max_pooling.yaml", key=True)["windows-pooled"]
    marked = ET.fromstring(svg).findall(f".//{SVG}rect[@fill='#f4c542']")
    assert len(marked) == np.asarray(solution["pooled"].value).size
    maps = np.asarray(solution["map"].value)
    windows = maps.reshape(2, 2, 2, 2, 2).max(axis=(2, 4))  # plain 2×2 blocks
    assert {format_number(v) for v in windows.ravel()} <= set(texts(svg))


def test_conv_stack_column_shows_shapes_and_parameters_in_the_key_only() -> None:
    solution = solve("conv_stack_lenet5.yaml")
    key = texts(drawn("conv_stack_lenet5.yaml", key=True)["stack"])
    handout = texts(drawn("conv_stack_lenet5.yaml", key=False)["stack"])
    assert "28×28×6" in key and "156 params" in key  # 6 filters of 5·5·1 weights and a bias: 6·26
    assert "28×28×6" not in handout and not any("params" in t for t in handout)
    assert (
        len(ET.fromstring(drawn("conv_stack_lenet5.yaml", key=True)["stack"]).findall(f"{SVG}rect"))
        == sum(1 for s in solution if s.name.removeprefix("out").isdigit()) + 1
    )


def test_computation_graph_draws_every_step_and_dep() -> None:
    solution = solve("neuron_003_sigmoid.yaml")
    svg = drawn("neuron_003_sigmoid.yaml", key=True)["graph"]
    root = ET.fromstring(svg)
    assert len(root.findall(f"{SVG}rect")) == len(list(solution))
    assert len(root.findall(f"{SVG}line")) == sum(len(s.deps) for s in solution)
    assert format_number(1 / (1 + math.exp(-(0.2 * 0.5 + 0.3 * 0.6 + 0.9 * 0.1 + 0.5)))) in texts(svg)
    assert format_number(float(solution["a"].value)) not in texts(drawn("neuron_003_sigmoid.yaml", key=False)["graph"])


def graph_parts(solution, key: bool) -> list[str]:
    """The SVG of each figure the computation graph takes: a graph longer than a page goes on in further figures."""
    return [f.svg for f in figures(solution, key=key) if f.name == "graph" or f.name.startswith("graph-")]


def edge_labels(name: str, *, key: bool) -> list[tuple[float, float, float, str]]:
    return [label for svg in graph_parts(solve(name), key) for label in label_texts(svg)]


def label_texts(svg: str) -> list[tuple[float, float, float, str]]:
    """The texts outside every box of a computation graph, its edge labels: (x, y, font size, text)."""
    root = ET.fromstring(svg)
    boxes = [tuple(float(r.get(k)) for k in ("x", "y", "width", "height")) for r in root.iter(f"{SVG}rect")]
    found = []
    for t in root.iter(f"{SVG}text"):
        x, y = float(t.get("x")), float(t.get("y"))
        if not any(bx <= x <= bx + bw and by <= y <= by + bh for bx, by, bw, bh in boxes):
            found.append((x, y, float(t.get("font-size")), t.text or ""))
    return found


@pytest.mark.parametrize("name", ["mazur_2_2_2.yaml", "neuron_003_sigmoid.yaml", "rnn_000_three_paths.yaml"])
def test_every_edge_of_the_handout_graph_names_its_local_derivative_and_no_value(name: str) -> None:
    solution = solve(name)
    shown = [text for *_, text in edge_labels(name, key=False)]

    def shown_name(step: str) -> str:  # a derivative's name inside another derivative is bracketed
        name = figure_name(step, solution.notation)
        return f"({name})" if "/" in name else name

    assert sorted(shown) == sorted(f"∂{shown_name(s.name)}/∂{shown_name(d)}" for s in solution for d in s.deps)
    assert not any(" = " in text for text in shown)


def test_the_key_writes_each_local_derivative_as_the_chain_rule_does() -> None:
    """Mazur's network: net_h = W1·x + b1, out_h = σ(net_h), net_o = W2·out_h + b2 (his names, by the notation)."""
    labels = {text for *_, text in edge_labels("mazur_2_2_2.yaml", key=True)}
    assert {"x", "W1ᵀ", "1", "σ′(net_h)", "W2ᵀ", "out_h", "σ′(net_o)", "−1"} <= labels
    z = 0.2 * 0.5 + 0.3 * 0.6 + 0.9 * 0.1 + 0.5
    slope = math.exp(-z) / (1 + math.exp(-z)) ** 2
    neuron = {text for *_, text in edge_labels("neuron_003_sigmoid.yaml", key=True)}
    assert f"σ′(z) = {format_number(slope)}" in neuron


def finite_difference(step, values: list, position: int) -> float:
    def at(shift: float) -> float:
        moved = [v + shift if i == position else v for i, v in enumerate(values)]
        result = step.compute(*moved)
        return float(np.ravel(getattr(result, "value", result))[0])

    return (at(1e-6) - at(-1e-6)) / 2e-6


@pytest.mark.parametrize(("name", "scalar_edges"), [("rnn_000_three_paths.yaml", 24), ("neuron_003_sigmoid.yaml", 1)])
def test_local_derivative_values_in_the_key_agree_with_finite_differences(name: str, scalar_edges: int) -> None:
    solution = solve(name)
    valued = {}
    for *_, text in edge_labels(name, key=True):
        expression, equals, number = text.rpartition(" = ")
        if equals:
            valued.setdefault(expression, []).append(float(number))
    checked = 0
    for step in solution:
        values = [solution[d].value for d in step.deps]
        for position, dep in enumerate(step.deps):
            if step.is_given or np.size(values[position]) != 1 or np.size(step.value) != 1:
                continue
            local = local_derivative(solution, step, dep)
            if local.text in valued:
                slope = finite_difference(step, values, position)
                assert any(math.isclose(v, slope, rel_tol=1e-4, abs_tol=1e-6) for v in valued[local.text]), local
                checked += 1
    assert checked == scalar_edges


def overlapping(labels: list[tuple[float, float, float, str]]) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes (a sans-serif character is about 0.6 of the font size wide) overlap."""
    boxes = [
        (x - 0.3 * size * len(t), y - size / 2, x + 0.3 * size * len(t), y + size / 2, t) for x, y, size, t in labels
    ]
    return [
        (a[4], b[4])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]


def homework_solutions():
    from grader.homework import load_homework

    return [p.solution for p in load_homework(PROBLEMS / "homework1.yaml").problems]


@pytest.mark.parametrize("key", [True, False])
def test_edge_labels_do_not_overlap(key: bool) -> None:
    for solution in [*homework_solutions(), *map(solve, FILES)]:
        for svg in graph_parts(solution, key):
            assert overlapping(label_texts(svg)) == [], solution.title


RNN_FILES = sorted(p.name for p in PROBLEMS.glob("rnn_*.yaml"))


def sequence_length(name: str) -> int:
    """The number of time steps, read from the problem file itself (an input per step, or a word)."""
    given = yaml.safe_load((PROBLEMS / name).read_text())["given"]
    given = given["batch"][0] if "batch" in given else given  # a batch's figure draws its first example
    sequence = given["x"] if "x" in given else given["words"]
    return len(sequence.split() if isinstance(sequence, str) else sequence)


def coloured(svg: str, tag: str, colour: str) -> list[ET.Element]:
    return [e for e in ET.fromstring(svg).iter(f"{SVG}{tag}") if colour in (e.get("stroke"), e.get("fill"))]


@pytest.mark.parametrize("name", RNN_FILES)
def test_the_rnn_is_unrolled_one_cell_per_time_step(name: str) -> None:
    solution, steps = solve(name), sequence_length(name)
    shown = texts(drawn(name, key=False)["unrolled"])
    for letter in ("h", "x"):
        cells = {figure_name(f"{letter}{t}", solution.notation) for t in range(1, steps + 1)}
        assert sorted(t for t in shown if t in cells) == sorted(cells)
    assert figure_name(f"h{steps + 1}", solution.notation) not in shown


@pytest.mark.parametrize(
    ("name", "weights"),
    [
        ("rnn_000_three_paths.yaml", "W_h"),  # asks dL/dW_h
        ("rnn_002_vanishing_gradient.yaml", "W_x"),  # asks path terms of dL/dW_x
        ("rnn_003_share_market_bptt.yaml", "W_h"),  # asks dL/dW_y first, which has no paths, then dL/dW_h
    ],
)
def test_the_key_highlights_one_bptt_path_per_term_the_solution_lists(name: str, weights: str) -> None:
    solution, steps = solve(name), sequence_length(name)
    terms = solution[f"dL/d{weights}"].deps  # the sum of the path terms, as the worked solution writes it
    assert len(terms) == steps
    svg = drawn(name, key=True)["unrolled"]
    red = [e.text for e in coloured(svg, "text", KEY)]
    assert red.count(figure_name(weights, solution.notation)) == steps  # each use of the weights is a path's end
    assert sorted(t for t in red if "_path" in t) == sorted(figure_name(t, solution.notation) for t in terms)
    assert len(coloured(svg, "line", KEY)) == 2 * steps  # the edge of each use, and its path's lane
    caption = next(f.caption for f in figures(solution, key=True) if f.name == "unrolled")
    assert f"the {steps} BPTT paths of {figure_name('dL/d' + weights, solution.notation)}" in caption


def test_the_rnn_handout_has_no_path_and_no_computed_value() -> None:
    solution = solve("rnn_000_three_paths.yaml")
    svg = drawn("rnn_000_three_paths.yaml", key=False)["unrolled"]
    assert not coloured(svg, "line", KEY) and not coloured(svg, "text", KEY)
    assert not any("path" in t for t in texts(svg))
    h1 = format_number(float(np.ravel(solution["h1"].value)[0]))
    assert h1 not in texts(svg) and h1 in texts(drawn("rnn_000_three_paths.yaml", key=True)["unrolled"])


def test_a_homework_asks_its_own_steps_of_a_problem_file() -> None:
    """The homework's ask, not the problem file's, decides which gradient's paths are drawn."""
    rnn = next(s for s in homework_solutions() if s.kind == "rnn")
    assert rnn.asked == ("h1", "y_hat", "loss", "dL/dW_h")


@pytest.mark.parametrize(
    ("name", "course_names", "canonical"),
    [
        ("rnn_000_three_paths.yaml", {"S1", "S3", "u", "w", "V"}, {"h1", "W_x", "W_h", "W_y"}),
        ("rnn_003_share_market_bptt.yaml", {"W_xh", "W_hh", "W_yh", "E"}, {"W_x", "W_h", "W_y", "loss"}),
        ("tanh_network_2_3_1_question_1.yaml", {"α", "β"}, {"W1", "W2"}),  # alpha and beta, set as letters
        ("conv_004_4_2a.yaml", {"Y[1,1]", "X"}, {"image", "kernel", "feature_map[1,1]"}),
    ],
)
def test_every_figure_uses_the_course_notation(name: str, course_names: set[str], canonical: set[str]) -> None:
    for key in (True, False):
        shown = {t for f in figures(solve(name), key=key) for t in texts(f.svg)}
        captions = " ".join(f.caption for f in figures(solve(name), key=key))
        assert course_names & shown, (name, key)
        assert not canonical & shown and not any(f" {c} " in f" {captions} " for c in canonical), (name, key)


def all_texts(svg: str) -> list[tuple[float, float, float, str]]:
    root = ET.fromstring(svg)
    return [
        (float(t.get("x")), float(t.get("y")), float(t.get("font-size")), t.text or "") for t in root.iter(f"{SVG}text")
    ]


@pytest.mark.parametrize("key", [True, False])
def test_network_labels_do_not_overlap(key: bool) -> None:
    networks = [*homework_solutions(), solve("mazur_2_2_2.yaml"), solve("delta_rule_three_layers.yaml")]
    drawn_networks = [f for s in networks for f in figures(s, key=key) if f.name == "network"]
    assert len(drawn_networks) >= 4
    for figure in drawn_networks:
        assert overlapping(all_texts(figure.svg)) == [], figure.caption


def every_solution():
    return [*homework_solutions(), *map(solve, FILES)]


@pytest.mark.parametrize("key", [True, False])
def test_every_figure_prints_legibly_on_an_a4_page(key: bool) -> None:
    """Set at its own size, shrunk only to fit the exam class's A4 line (453pt) and 0.85 of its text height
    (686pt), a pixel being 0.75pt: no figure goes below 0.6, where its 10-pixel labels are 6 pixels high."""
    line, height = 453 / 0.75, 0.85 * 686 / 0.75
    for solution in every_solution():
        for figure in figures(solution, key=key):
            if (solution.title.startswith("Vanishing gradient"), figure.name) == (True, "unrolled"):
                continue  # twelve time steps in one row of cells (1390 pixels): still an unreadable strip on paper
            width, tall = figure.drawing.width, figure.drawing.height
            assert min(1, line / width, height / tall) >= 0.6, (solution.title, figure.name, width, tall)


def segment_distance(point: tuple[float, float], line: ET.Element) -> float:
    (px, py), (x1, y1, x2, y2) = point, (float(line.get(k)) for k in ("x1", "y1", "x2", "y2"))
    along = ((px - x1) * (x2 - x1) + (py - y1) * (y2 - y1)) / ((x2 - x1) ** 2 + (y2 - y1) ** 2)
    along = min(1, max(0, along))
    return math.dist((px, py), (x1 + along * (x2 - x1), y1 + along * (y2 - y1)))


@pytest.mark.parametrize("name", ["rnn_003_share_market_bptt.yaml", "tanh_network_2_3_1_question_1.yaml"])
def test_a_long_graph_wraps_into_bands_that_keep_every_edge_and_its_label(name: str) -> None:
    """Each band reads what earlier bands drew from dashed copies: no edge leaves its band, none is lost."""
    solution = solve(name)
    parts = [ET.fromstring(svg) for svg in graph_parts(solution, key=True)]
    assert len(parts) >= (2 if name.startswith("rnn") else 1)
    edges = sum(len(s.deps) for s in solution)
    lines = [(part, line) for part in parts for line in part.iter(f"{SVG}line")]
    labels = [label for part in parts for label in label_texts(ET.tostring(part, "unicode"))]
    assert len(lines) == edges and len(labels) == edges
    solid, dashed = [], []
    for part in parts:
        for rect in part.iter(f"{SVG}rect"):
            box = tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))
            (dashed if rect.get("stroke-dasharray") else solid).append((part, box))
    assert len(solid) == len(list(solution)) and dashed, "every step boxed once, copies dashed"
    for part, line in lines:
        x1, y1, x2, y2 = (float(line.get(k)) for k in ("x1", "y1", "x2", "y2"))
        boxes = [box for p, box in solid + dashed if p is part]
        # It leaves the right side of a box and arrives at the left side of another, in the same figure.
        assert any(math.isclose(x1, bx + bw) and by <= y1 <= by + bh for bx, by, bw, bh in boxes)
        assert any(math.isclose(x2, bx) and by <= y2 <= by + bh for bx, by, bw, bh in boxes)
    for part in parts:
        for x, y, size, text in label_texts(ET.tostring(part, "unicode")):
            near = min(segment_distance((x, y), line) for line in part.iter(f"{SVG}line"))
            # Just above or below its edge, or a line's height further off where the edges crowd.
            assert near <= 2 * size, f"{text!r} is {near:.0f} px from the nearest edge"
