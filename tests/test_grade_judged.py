"""Judged as a careful TA would: no credit for guesses, the mistake a TA would name, sizes as written.

Every expected grade below is worked out by hand (points × mistake_credit 0.25, × 0.8 carried
forward, the entries' share for partial credit) and every student value is computed here with
plain loops or NumPy, not by the grader.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from conftest import PROBLEMS

from grader.answers import Submission
from grader.grading import grade_submission
from grader.homework import load_homework
from grader.prepare import prepare
from solver.graph.values import to_json

GRADING = {"carry_forward_penalty": 0.2, "mistake_credit": 0.25}


@pytest.fixture(scope="module")
def homework1():
    return prepare(load_homework(PROBLEMS / "homework1.yaml"))


def grade(prepared, answers: dict[str, dict]) -> dict[tuple[str, str], object]:
    report = grade_submission(prepared, Submission("s", "s", "(test)", answers))
    return {(i.problem, i.step): i for i in report.items if i.status != "missing"}


def one_problem(tmp_path, problem: dict, ask: dict) -> object:
    """A homework of one problem ``q``, prepared."""
    homework = {"title": "t", "grading": GRADING, "problems": [{"id": "q", "problem": problem, "ask": ask}]}
    path = tmp_path / "hw.yaml"
    path.write_text(yaml.safe_dump(homework, allow_unicode=True), encoding="utf-8")
    return prepare(load_homework(path))


def outcome(item) -> tuple[str, str | None, float]:
    return item.status, item.mistake, pytest.approx(item.score, abs=1e-4)  # scores are kept to 4 decimals


# --- Gaming: an answer that carries no information earns nothing beyond what is exactly right ----------------


@pytest.mark.parametrize(
    "guess",
    [
        [[0, 0, 0], [0, 0, 0], [0, 0, 0]],  # 6 of the 9 true entries are 0
        [[-8, -8, -8], [-8, -8, -8], [-8, -8, -8]],  # 3 of the 9 are −8
    ],
)
def test_one_number_everywhere_earns_no_entries(homework1, guess):
    item = grade(homework1, {"q5": {"feature_map": guess}})["q5", "feature_map"]
    assert outcome(item) == ("wrong", None, 0.0)
    assert "same everywhere" in item.feedback


def test_an_answer_with_information_still_earns_its_entries(homework1):
    # Truth [[-8, 0, 0]] × 3; two entries wrong: 7 of 9 right, 3 points × 7/9.
    item = grade(homework1, {"q5": {"feature_map": [[-8, 0, 0], [-8, 0, 0], [-8, 1, 1]]}})["q5", "feature_map"]
    assert outcome(item) == ("partial", None, 3 * 7 / 9)


def test_an_expression_answered_zero_is_no_constant_factor(homework1):
    graded = grade(homework1, {"q10": {"L": "0", "dL/db": "1/2"}})
    for step in ("L", "dL/db"):
        assert outcome(graded["q10", step]) == ("wrong", None, 0.0)
    # A real factor is still named: twice the loss (the ½ left out), 2 points × 0.25.
    twice = grade(homework1, {"q10": {"L": "(sigmoid(w*x + b) - y)^2"}})["q10", "L"]
    assert outcome(twice) == ("mistake", "factor_2", 0.5)


def test_a_constant_earlier_answer_carries_nothing_forward(tmp_path):
    # Slopes answered [1, 1] (the same everywhere) where σ'(z1) differs per unit: dL/dW1 recomputed from
    # them is the dropped derivative, which earns the mistake's 0.25, not 0.8 for carrying forward.
    prepared = one_problem(tmp_path, SIGMOID_NETWORK, {"da1/dz1": 1, "dL/dW1": 2})
    dropped = backprop_by_hand(hidden_slope=lambda z: 1.0)
    graded = grade(prepared, {"q": {"da1/dz1": [1, 1], "dL/dW1": dropped.tolist()}})
    assert outcome(graded["q", "da1/dz1"]) == ("wrong", None, 0.0)
    assert outcome(graded["q", "dL/dW1"]) == ("mistake", "activation_derivative_dropped", 0.5)


# --- The chain-rule slips of a network --------------------------------------------------------------------

SIGMOID_NETWORK = {
    "kind": "mlp",
    "given": {
        "x": [1.0, 2.0],
        "y": 1.5,
        "loss": "mse",
        "learning_rate": 0.1,
        "layers": [
            {"weights": [[0.4, -0.7], [0.3, 0.9]], "bias": [0.25, -0.5], "activation": "sigmoid"},
            {"weights": [[0.8, -0.2]], "bias": [0.6], "activation": "sigmoid"},
        ],
    },
}


def sigmoid(z: float) -> float:
    return 1 / (1 + np.exp(-z))


def sigmoid_slope(z: float) -> float:
    return sigmoid(z) * (1 - sigmoid(z))


def backprop_by_hand(hidden_slope=sigmoid_slope, output_slope=sigmoid_slope) -> np.ndarray:
    """dL/dW1 of SIGMOID_NETWORK unit by unit, with the given slopes in place of σ'."""
    given = SIGMOID_NETWORK["given"]
    (w1, b1), (w2, b2) = [(layer["weights"], layer["bias"]) for layer in given["layers"]]
    x, y = given["x"], given["y"]
    z1 = [w1[j][0] * x[0] + w1[j][1] * x[1] + b1[j] for j in range(2)]
    z2 = w2[0][0] * sigmoid(z1[0]) + w2[0][1] * sigmoid(z1[1]) + b2[0]
    delta2 = 2 * (sigmoid(z2) - y) * output_slope(z2)
    return np.array([[w2[0][j] * delta2 * hidden_slope(z1[j]) * x[i] for i in range(2)] for j in range(2)])


@pytest.mark.parametrize(
    ("slopes", "mistake"),
    [
        ({"hidden_slope": lambda z: 1.0}, "activation_derivative_dropped"),
        ({"output_slope": lambda z: 1.0}, "activation_derivative_dropped"),
        ({"hidden_slope": sigmoid}, "activation_instead_of_derivative"),
        ({"output_slope": sigmoid}, "activation_instead_of_derivative"),
    ],
)
def test_a_left_out_derivative_is_named_in_every_layer(tmp_path, slopes, mistake):
    prepared = one_problem(tmp_path, SIGMOID_NETWORK, {"dL/dW1": 2})
    assert not np.allclose(backprop_by_hand(**slopes), backprop_by_hand())
    item = grade(prepared, {"q": {"dL/dW1": backprop_by_hand(**slopes).tolist()}})["q", "dL/dW1"]
    assert outcome(item) == ("mistake", mistake, 0.5)


def test_mse_without_its_mean_and_the_other_pooling_mode(tmp_path):
    y, y_hat = [1.0, 0.0, 2.0], [0.5, 0.5, 3.0]
    prepared = one_problem(tmp_path, {"kind": "loss", "given": {"y": y, "y_hat": y_hat, "losses": ["mse"]}},
                           {"dL_mse/dy_hat": 1})  # fmt: skip
    no_mean = [2 * (p - t) for p, t in zip(y_hat, y, strict=True)]  # the 1/3 of the mean left out
    item = grade(prepared, {"q": {"dL_mse/dy_hat": no_mean}})["q", "dL_mse/dy_hat"]
    assert outcome(item) == ("mistake", "derivative_missing_mean", 0.25)

    plane = [[1, -2, 3, 0], [4, 5, -6, 2], [7, 0, 9, 1], [-1, 3, 2, 8]]
    means = [[sum(plane[i + a][j + b] for a in (0, 1) for b in (0, 1)) / 4 for j in (0, 2)] for i in (0, 2)]
    maxima = [[max(plane[i + a][j + b] for a in (0, 1) for b in (0, 1)) for j in (0, 2)] for i in (0, 2)]
    for mode, answer, mistake in (("max", means, "average_instead_of_max"), ("avg", maxima, "max_instead_of_average")):
        (tmp_path / mode).mkdir()
        prepared = one_problem(tmp_path / mode, {"kind": "pool", "given": {"map": plane, "window": 2, "mode": mode}},
                               {"pooled": 4})  # fmt: skip
        assert outcome(grade(prepared, {"q": {"pooled": answer}})["q", "pooled"]) == ("mistake", mistake, 1.0)


# --- Ranking: the mistake at the step where the answer first departs is the one named ---------------------


def test_correct_gradients_then_the_wrong_sign_of_the_update_is_gradient_ascent(tmp_path):
    prepared = one_problem(tmp_path, SIGMOID_NETWORK, {"dL/dW1": 2, "W1_new": 2})
    gradient = backprop_by_hand()
    weights = np.array(SIGMOID_NETWORK["given"]["layers"][0]["weights"])
    climbed = (weights + 0.1 * gradient).tolist()  # W + η·grad, where W − η·grad belongs
    for answers in ({"dL/dW1": gradient.tolist(), "W1_new": climbed}, {"W1_new": climbed}):
        item = grade(prepared, {"q": answers})["q", "W1_new"]
        assert outcome(item) == ("mistake", "gradient_ascent", 0.5)
        assert "subtracts" in item.feedback


# --- Sizes as students write them -------------------------------------------------------------------------


def test_a_size_without_the_floor_is_judged(homework1):
    # q2: (12 + 8 − 5)/2 = 7.5, floor 7, + 1 = 8; without the floor 8.5 (2 points × 0.25).
    graded = grade(homework1, {"q2": {"output": "8.5 x 8.5", "moves": 7.5}})
    assert outcome(graded["q2", "output"]) == ("mistake", "no_floor", 0.5)
    assert outcome(graded["q2", "moves"]) == ("correct", None, 1.0)


def test_a_size_without_the_floor_is_carried_forward(tmp_path):
    # 40×40×3, 3×3 kernel, stride 2: (40 − 3)/2 = 18.5 → 19; without the floor 19.5×19.5×10,
    # and flattened from that, 19.5·19.5·10 = 3802.5: carried forward, 1 point × 0.8.
    stack = {"kind": "conv-stack", "given": {"input": "40x40x3", "layers": ["conv k=3 n=10 s=2 p=0"]}}
    prepared = one_problem(tmp_path, stack, {"out1": 1, "flattened": 1})
    graded = grade(prepared, {"q": {"out1": "19.5 x 19.5 x 10", "flattened": 3802.5}})
    assert outcome(graded["q", "out1"]) == ("wrong", None, 0.0)
    assert outcome(graded["q", "flattened"]) == ("carried_forward", None, 0.8)


@pytest.mark.parametrize("written", ["3x3x1", "3 × 3 × 1", [3, 3, 1], "3x3"])
def test_a_trailing_channel_of_one_is_the_same_shape(homework1, written):
    assert outcome(grade(homework1, {"q5": {"output_size": written}})["q5", "output_size"]) == ("correct", None, 1.0)
    assert grade(homework1, {"q5": {"output_size": "3x3x2"}})["q5", "output_size"].status != "correct"


# --- What `check HOMEWORK` tells an author ----------------------------------------------------------------


def test_check_reports_what_the_grader_names(cli):
    # A student who writes what each reported mistake gives is graded with the name the report announces.
    data = json.loads(cli("check", PROBLEMS / "homework1.yaml", "--json").out)
    steps = {(s["problem"], s["step"]): s for s in data["steps"]}
    prepared = prepare(load_homework(PROBLEMS / "homework1.yaml"))
    for step in prepared.all_steps():
        reported = steps[step.problem.id, step.reference]
        for mistake in step.mistakes:
            value = mistake.value
            label = f"{mistake.name} (everywhere)" if mistake.at == "*" else mistake.name
            if label in reported["not_named"]:
                continue
            named = reported["named_as"].get(label, label)
            item = grade(prepared, {step.problem.id: {step.reference: _as_answer(value)}})
            assert item[step.problem.id, step.reference].mistake in (named.split(" ")[0], "transposed"), label
    assert steps["q4", "pooled"]["mistakes"] == {"max_instead_of_average": "[[6]]"}
    assert steps["q4", "feature_map"]["indistinguishable"] == ["flipped_kernel"]


def _as_answer(value):
    """``value`` as a student writes it in an answers file."""
    if isinstance(value, tuple) or (hasattr(value, "free_symbols") and not hasattr(value, "shape")):
        return str(value)  # a size such as 17/2×17/2, an expression
    return to_json(value)
