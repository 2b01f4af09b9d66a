"""Large problems: big given arrays stay out of JSON, long sequences are summarised, weights come from files.

Values are checked against NumPy written here, independently of the solver:
a double loop over the image's windows, a plain loop over an RNN's time steps,
a dense network's forward pass with central finite differences for its gradient.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from solver.graph.steps import Step
from solver.graph.values import format_value
from solver.render.summary import Elided, summarised_steps

KERNEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])


def brute_force_map(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    rows, columns = image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1
    out = np.zeros((rows, columns))
    for r in range(rows):
        for c in range(columns):
            total = 0.0
            for i in range(kernel.shape[0]):
                for j in range(kernel.shape[1]):
                    total += image[r + i, c + j] * kernel[i, j]
            out[r, c] = total
    return out


@pytest.fixture
def image_file(tmp_path: Path) -> tuple[Path, np.ndarray]:
    image = np.random.default_rng(7).normal(size=(40, 30))
    path = tmp_path / "image.npy"
    np.save(path, image)
    return path, image


def test_json_leaves_a_large_given_image_out(cli, image_file):
    path, image = image_file
    result = cli("conv", path, "1 0 -1; 2 0 -2; 1 0 -1", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    given = next(step for step in data["steps"] if step["name"] == "image")
    assert given["value"] is None
    assert given["shape"] == [40, 30]
    assert "--full" in given["omitted"]
    expected = brute_force_map(image, KERNEL)
    assert np.allclose(data["answers"]["feature_map"], expected)
    computed = next(step for step in data["steps"] if step["name"] == "feature_map")
    assert np.allclose(computed["value"], expected)  # computed values are always there in full
    kernel = next(step for step in data["steps"] if step["name"] == "kernel")
    assert kernel["value"] == KERNEL.tolist()  # a small given stays


def test_json_full_includes_the_given_image(cli, image_file):
    path, image = image_file
    result = cli("conv", path, "1 0 -1; 2 0 -2; 1 0 -1", "--json", "--full")
    data = json.loads(result.out)
    given = next(step for step in data["steps"] if step["name"] == "image")
    assert np.array_equal(given["value"], image)
    assert "omitted" not in given


# --- long sequences ------------------------------------------------------------------------------------------------

W_X = np.array([[0.6, -0.4], [0.2, 0.5]])
W_H = np.array([[0.3, -0.1], [0.2, 0.4]])
B_H = np.array([0.0, 0.1])


def rnn_problem(folder: Path, steps: int) -> tuple[Path, np.ndarray]:
    """A column-convention tanh RNN over ``steps`` inputs, and its hidden states by a plain loop."""
    xs = np.random.default_rng(steps).normal(size=(steps, 2)).round(2)
    given = {
        "convention": "column",
        "x": xs.tolist(),
        "W_x": W_X.tolist(),
        "W_h": W_H.tolist(),
        "b_h": B_H.tolist(),
        "W_y": [[0.8, -0.6]],
        "y": 0.3,
    }
    path = folder / f"rnn{steps}.yaml"
    path.write_text(yaml.safe_dump({"kind": "rnn", "title": "long", "given": given}), encoding="utf-8")
    states, h = [], np.zeros(2)
    for x in xs:
        h = np.tanh(W_X @ x + W_H @ h + B_H)
        states.append(h)
    return path, np.array(states)


def test_a_long_rnn_shows_its_first_and_last_steps_and_names_the_gap(cli, tmp_path):
    path, states = rnn_problem(tmp_path, 60)
    out = cli("solve", path).out
    headers = re.findall(r"^hidden state at step (\d+)\s+h\d+$", out, flags=re.M)
    assert headers == ["1", "2", "3", "58", "59", "60"]
    assert "⋮ 54 steps of the same form left out (h4 … h57); --full shows them" in out
    assert f"= {format_value(states[-1])}" in out.replace("\n", " ")  # h60 as a plain loop computes it
    assert "⋮ 54 steps of the same form left out (x4 … x57)" in out  # the given inputs too
    full = cli("solve", path, "--full").out
    assert len(re.findall(r"^hidden state at step \d+", full, flags=re.M)) == 60
    assert "left out" not in full


def test_a_long_rnn_sheet_does_not_grow_with_the_sequence(cli, tmp_path):
    short, _ = rnn_problem(tmp_path, 60)
    long, _ = rnn_problem(tmp_path, 200)
    sizes = {steps: len(cli("solve", path).out) for steps, path in ((60, short), (200, long))}
    full = len(cli("solve", long, "--full").out)
    assert sizes[200] < 1.2 * sizes[60]
    assert full > 10 * sizes[200]


def test_a_long_rnn_in_markdown_keeps_step_numbers_and_names_the_gap(cli, tmp_path):
    path, _ = rnn_problem(tmp_path, 60)
    out = cli("solve", path, "--format", "md").out
    numbered = re.findall(r"^\*\*(\d+)\. hidden state at step (\d+)\*\*", out, flags=re.M)
    assert [step for _, step in numbered] == ["1", "2", "3", "58", "59", "60"]
    assert [int(number) for number, _ in numbered] == [1, 2, 3, 58, 59, 60]  # numbers count the steps left out
    # the gap names its steps as math, as every name in the sheet is typeset
    assert "⋮ 54 steps of the same form left out ($h_{4}$ … $h_{57}$); --full shows them" in out
    product = re.escape(r"$\frac{\partial h_{60}}{\partial h_{")
    table = re.findall(rf"^\| (\d+|⋮) \| {product}\d+}}}}\$|^\| ⋮ \| ⋮ \| ⋮ \| ⋮ \|", out, flags=re.M)
    assert len(table) == 7  # 3 rows, the gap, 3 rows
    assert "⋮ 53 rows of the same form left out (4 … 56); --full shows them" in out


def test_json_keeps_every_time_step(cli, tmp_path):
    path, states = rnn_problem(tmp_path, 60)
    answers = json.loads(cli("solve", path, "--json").out)["answers"]
    assert np.allclose([answers[f"h{t}"] for t in range(1, 61)], states)


def test_interleaved_forms_are_summarised_by_whole_time_steps():
    steps = [Step(name, name) for t in range(1, 31) for name in (f"dL/dy_hat{t}", f"dL/dz{t}")]
    kept = summarised_steps([Step("loss", "loss"), *steps], full=False)
    names = [item.name if isinstance(item, Step) else "gap" for item in kept]
    expected_ends = [f"{name}{t}" for t in (1, 2, 3) for name in ("dL/dy_hat", "dL/dz")]
    expected_tail = [f"{name}{t}" for t in (28, 29, 30) for name in ("dL/dy_hat", "dL/dz")]
    assert names == ["loss", *expected_ends, "gap", *expected_tail]
    gap = kept[7]
    assert isinstance(gap, Elided) and (gap.count, gap.first, gap.last) == (48, "dL/dy_hat4", "dL/dz27")


def test_a_short_run_is_shown_whole():
    steps = [Step(f"h{t}", f"hidden state at step {t}") for t in range(1, 21)]
    assert summarised_steps(steps, full=False) == steps


# --- weights from files ----------------------------------------------------------------------------------------------


def network_problem(folder: Path, units: int) -> tuple[Path, dict[str, np.ndarray]]:
    rng = np.random.default_rng(units)
    given = {
        "W1": rng.normal(size=(units, units)) / np.sqrt(units),
        "b1": rng.normal(size=units),
        "W2": rng.normal(size=(1, units)) / np.sqrt(units),
        "x": rng.normal(size=units),
    }
    np.save(folder / "W1.npy", given["W1"])
    np.savetxt(folder / "W2.csv", given["W2"], delimiter=",", fmt="%.17g")
    problem = {
        "kind": "mlp",
        "title": "a large network",
        "given": {
            "x": given["x"].tolist(),
            "y": 0.5,
            "layers": [
                {"weights": "W1.npy", "bias": given["b1"].tolist(), "activation": "tanh"},
                {"weights": "W2.csv", "bias": "none", "activation": "linear"},
            ],
            "loss": "half_squared",
            "learning_rate": 0.1,
        },
    }
    path = folder / "network.yaml"
    path.write_text(yaml.safe_dump(problem), encoding="utf-8")
    return path, given


def network_loss(W1: np.ndarray, given: dict[str, np.ndarray]) -> float:
    output = given["W2"] @ np.tanh(W1 @ given["x"] + given["b1"])
    return 0.5 * float(((output - 0.5) ** 2).sum())


def test_a_500_unit_network_reads_its_weights_from_files(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the weights' names work from the problem's folder
    path, given = network_problem(tmp_path, 500)
    result = cli("solve", path, "--json")
    assert result.code == 0, result.err
    answers = json.loads(result.out)["answers"]
    assert answers["loss"] == pytest.approx(network_loss(given["W1"], given), rel=1e-12)
    gradient = np.array(answers["dL/dW1"])
    assert gradient.shape == (500, 500)
    h = 1e-6
    for i, j in ((0, 0), (17, 401), (499, 3)):
        bump = np.zeros_like(given["W1"])
        bump[i, j] = h
        slope = (network_loss(given["W1"] + bump, given) - network_loss(given["W1"] - bump, given)) / (2 * h)
        assert gradient[i, j] == pytest.approx(slope, rel=1e-5, abs=1e-9)
    assert np.allclose(answers["W1_new"], given["W1"] - 0.1 * gradient)


def test_a_missing_weights_file_is_one_located_error(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path, _ = network_problem(tmp_path, 3)
    (tmp_path / "W1.npy").unlink()
    result = cli("solve", path)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: ")
    assert "network.yaml:" in lines[0] and "given.layers.0.weights" in lines[0] and "W1.npy" in lines[0]


def test_weights_with_three_axes_are_refused(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path, _ = network_problem(tmp_path, 3)
    np.save(tmp_path / "W1.npy", np.ones((2, 3, 3)))
    result = cli("solve", path)
    assert result.code == 2
    assert "layer 1: weights have 3 axes; expected units × inputs" in result.err


def test_solve_reads_a_problem_file_once(cli, monkeypatch):
    import solver.files.yaml_io

    reads: list[Path] = []
    real = solver.files.yaml_io.read_text

    def counting(path: Path, what: str = "file") -> str:
        reads.append(path)
        return real(path, what)

    monkeypatch.setattr(solver.files.yaml_io, "read_text", counting)
    from conftest import PROBLEMS

    result = cli("solve", PROBLEMS / "tanh_network_2_3_1_question_1.yaml", "--json")
    assert result.code == 0
    assert reads == [PROBLEMS / "tanh_network_2_3_1_question_1.yaml"]


def test_symbolic_mode_asks_for_units_rather_than_counting_the_letters_of_a_weights_file(cli, tmp_path):
    problem = {
        "kind": "mlp",
        "given": {"symbolic": True, "inputs": 2, "layers": [{"weights": "W1.npy", "activation": "sigmoid"}]},
    }
    path = tmp_path / "symbolic.yaml"
    path.write_text(yaml.safe_dump(problem), encoding="utf-8")
    result = cli("solve", path)
    assert result.code == 2
    assert "layer 1: give units (a positive number) in symbolic mode" in result.err
