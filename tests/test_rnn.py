"""Kind rnn: forward pass and BPTT checked against a loop-by-loop reference and central differences.

The reference below is written independently of solver.kinds.recurrent.bptt: plain Python
loops over indices, math.tanh and math.exp, each loss written out.  Gradients
are compared with central finite differences of that reference's loss.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import PROBLEMS, assert_golden
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from solver.files.problem_file import load_problem
from solver.kinds.recurrent.rnn import LAST_STEP_ONLY, Given, solve

EPS = 1e-5
TOLERANCE = 1e-6


# ---------------------------------------------------------------- the reference


@dataclass
class Case:
    convention: str
    activation: str
    output: str
    loss: str
    every_step: bool
    params: dict[str, np.ndarray]  # W_x, W_h, W_y and optionally b_h, b_y
    h0: np.ndarray | None
    x: list[np.ndarray]
    y: list[np.ndarray]

    def given(self) -> Given:
        p = self.params
        return Given(
            W_x=p["W_x"].tolist(),
            W_h=p["W_h"].tolist(),
            W_y=p["W_y"].tolist(),
            y=[v.tolist() for v in self.y] if self.every_step else self.y[0].tolist(),
            x=[v.tolist() for v in self.x],
            convention=self.convention,
            activation=self.activation,
            output=self.output,
            outputs="every_step" if self.every_step else "last",
            loss=self.loss,
            b_h=p["b_h"].tolist() if "b_h" in p else None,
            b_y=p["b_y"].tolist() if "b_y" in p else None,
            h0=None if self.h0 is None else self.h0.tolist(),
        )


def entry(W: np.ndarray, into: int, out_of: int, convention: str) -> float:
    """The weight from unit ``out_of`` of the earlier layer to unit ``into`` of the later one."""
    return float(W[out_of, into] if convention == "row" else W[into, out_of])


def f(name: str, z: float) -> float:
    if name == "tanh":
        return math.tanh(z)
    if name == "sigmoid":
        return 1 / (1 + math.exp(-z))
    return max(z, 0.0)


def layer(W: np.ndarray, b: np.ndarray | None, v: list[float], size: int, convention: str) -> list[float]:
    return [
        (0.0 if b is None else float(b[j])) + sum(entry(W, j, i, convention) * v[i] for i in range(len(v)))
        for j in range(size)
    ]


def hidden_states(case: Case, p: dict[str, np.ndarray], start: list[float], first: int) -> list[list[float]]:
    """h_first, ..., h_T from h_{first-1} = start, one loop per unit."""
    H = p["W_h"].shape[0]
    states, h = [], list(start)
    for t in range(first, len(case.x) + 1):
        from_x = layer(p["W_x"], p.get("b_h"), list(case.x[t - 1]), H, case.convention)
        from_h = layer(p["W_h"], None, h, H, case.convention)
        h = [f(case.activation, a + b) for a, b in zip(from_x, from_h, strict=True)]
        states.append(h)
    return states


def prediction(case: Case, p: dict[str, np.ndarray], h: list[float]) -> list[float]:
    K = len(case.y[0])
    z = layer(p["W_y"], p.get("b_y"), h, K, case.convention)
    if case.output == "sigmoid":
        return [1 / (1 + math.exp(-v)) for v in z]
    if case.output == "softmax":
        e = [math.exp(v) for v in z]
        return [v / sum(e) for v in e]
    return z


def loss_of(name: str, p: list[float], y: np.ndarray) -> float:
    if name == "bce":
        return -sum(t * math.log(q) + (1 - t) * math.log(1 - q) for q, t in zip(p, y, strict=True))
    if name == "cross_entropy":
        return -sum(t * math.log(q) for q, t in zip(p, y, strict=True) if t)
    return sum((q - t) ** 2 for q, t in zip(p, y, strict=True)) / len(p)  # mse


def reference_loss(case: Case, p: dict[str, np.ndarray] | None = None) -> float:
    p = case.params if p is None else p
    H = p["W_h"].shape[0]
    start = [0.0] * H if case.h0 is None else list(case.h0)
    states = hidden_states(case, p, start, 1)
    used = states if case.every_step else states[-1:]
    losses = [loss_of(case.loss, prediction(case, p, h), y) for h, y in zip(used, case.y, strict=True)]
    return sum(losses) / len(losses)


def finite_difference(case: Case, name: str) -> np.ndarray:
    grad = np.zeros_like(case.params[name])
    for index in np.ndindex(grad.shape):
        values = []
        for sign in (1, -1):
            p = {k: v.copy() for k, v in case.params.items()}
            p[name][index] += sign * EPS
            values.append(reference_loss(case, p))
        grad[index] = (values[0] - values[1]) / (2 * EPS)
    return grad


# ---------------------------------------------------------------- random networks

OUTPUTS = [("linear", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy")]


@st.composite
def cases(draw, activations=("tanh", "sigmoid")) -> Case:
    T, n_in, hidden = draw(st.integers(1, 5)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    convention = draw(st.sampled_from(["row", "column"]))
    output, loss = draw(st.sampled_from(OUTPUTS))
    K = 1 if output == "sigmoid" else draw(st.integers(1 if output == "linear" else 2, 3))
    every_step = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def weights(into: int, out_of: int) -> np.ndarray:
        return rng.uniform(-1, 1, (out_of, into) if convention == "row" else (into, out_of))

    params = {"W_x": weights(hidden, n_in), "W_h": weights(hidden, hidden), "W_y": weights(K, hidden)}
    if draw(st.booleans()):
        params["b_h"] = rng.uniform(-1, 1, hidden)
    if draw(st.booleans()):
        params["b_y"] = rng.uniform(-1, 1, K)
    h0 = rng.uniform(-1, 1, hidden) if draw(st.booleans()) else None

    def target() -> np.ndarray:
        if output == "sigmoid":
            return rng.integers(0, 2, K).astype(float)
        if output == "softmax":
            return np.eye(K)[rng.integers(K)]
        return rng.uniform(-1, 1, K)

    return Case(
        convention,
        draw(st.sampled_from(activations)),
        output,
        loss,
        every_step,
        params,
        h0,
        [rng.uniform(-1, 1, n_in) for _ in range(T)],
        [target() for _ in range(T if every_step else 1)],
    )


def value(solution, name: str) -> np.ndarray:
    return np.asarray(solution[name].value, dtype=float)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_gradients_agree_with_central_differences(case):
    solution = solve(case.given())
    assert value(solution, "loss") == pytest.approx(reference_loss(case), abs=1e-12)
    for name in case.params:
        computed = value(solution, f"dL/d{name}").reshape(case.params[name].shape)
        np.testing.assert_allclose(computed, finite_difference(case, name), atol=TOLERANCE, rtol=TOLERANCE)


def pre_activations(case: Case) -> list[float]:
    """Every z_t entry of the reference run (ReLU's kink is at z = 0)."""
    p, H = case.params, case.params["W_h"].shape[0]
    start = [0.0] * H if case.h0 is None else list(case.h0)
    previous = [start, *hidden_states(case, p, start, 1)]
    return [
        a + b
        for t in range(1, len(case.x) + 1)
        for a, b in zip(
            layer(p["W_x"], p.get("b_h"), list(case.x[t - 1]), H, case.convention),
            layer(p["W_h"], None, previous[t - 1], H, case.convention),
            strict=True,
        )
    ]


@settings(max_examples=40, deadline=None)
@given(cases(activations=("relu",)))
def test_relu_gradients_away_from_the_kink(case):
    # Central differences straddle the kink when a pre-activation is within reach of ±EPS.
    assume(min(abs(z) for z in pre_activations(case)) > 1e-3)
    solution = solve(case.given())
    for name in case.params:
        computed = value(solution, f"dL/d{name}").reshape(case.params[name].shape)
        np.testing.assert_allclose(computed, finite_difference(case, name), atol=TOLERANCE, rtol=TOLERANCE)


@settings(max_examples=60, deadline=None)
@given(cases())
def test_hidden_states_and_jacobian_products_agree_with_the_reference(case):
    solution = solve(case.given())
    H, T = case.params["W_h"].shape[0], len(case.x)
    start = [0.0] * H if case.h0 is None else list(case.h0)
    states = hidden_states(case, case.params, start, 1)
    for t, h in enumerate(states, start=1):
        np.testing.assert_allclose(value(solution, f"h{t}").reshape(-1), h, atol=1e-12)
    for t in range(1, T):  # dh_T/dh_t by central differences on h_t
        numeric = np.zeros((H, H))
        for j in range(H):
            ends = []
            for sign in (1, -1):
                moved = list(states[t - 1])
                moved[j] += sign * EPS
                ends.append(np.array(hidden_states(case, case.params, moved, t + 1)[-1]))
            numeric[:, j] = (ends[0] - ends[1]) / (2 * EPS)
        np.testing.assert_allclose(value(solution, f"dh{T}/dh{t}").reshape(H, H), numeric, atol=TOLERANCE)
        norm = solution.published()["jacobian_norms"][f"dh{T}/dh{t}"]
        assert norm == pytest.approx(np.linalg.svd(numeric, compute_uv=False)[0], abs=1e-6)


# ---------------------------------------------------------------- the named mistake


@settings(max_examples=40, deadline=None)
@given(cases(activations=("tanh",)))
def test_last_step_only_changes_the_gradient_when_there_are_earlier_steps(case):
    solution = solve(case.given())
    T = len(case.x)
    for name in ("dL/dW_x", "dL/dW_h"):
        (variant,) = solution[name].variants
        assert variant.name == LAST_STEP_ONLY
        wrong = np.asarray(solution.evaluate(variant=(name, LAST_STEP_ONLY))[name], dtype=float)
        np.testing.assert_allclose(wrong, value(solution, f"{name}_path{T}"))
        earlier = sum(np.abs(value(solution, f"{name}_path{t}")).sum() for t in range(1, T))
        if T == 1:
            np.testing.assert_allclose(wrong, value(solution, name))
        elif earlier > 1e-9:
            assert not np.allclose(wrong, value(solution, name))


def test_the_mistake_is_named_for_the_grader():
    solution = load_problem(PROBLEMS / "rnn_002_alice_likes_brownies.yaml").solve()
    for name in ("dL/dW_x", "dL/dW_h", "dL/db_h"):
        (variant,) = solution[name].variants
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", variant.name)
        assert variant.feedback.count(". ") == 0 and variant.feedback.endswith(".")
        wrong = solution.evaluate(variant=(name, variant.name))
        assert not np.allclose(wrong[name], solution[name].value)
    everywhere = solution.evaluate(variant=("*", LAST_STEP_ONLY))
    np.testing.assert_allclose(everywhere["dL/dW_h"], solution["dL/dW_h_path3"].value)
    np.testing.assert_allclose(everywhere["W_h_new"], solution["W_h"].value - 0.1 * everywhere["dL/dW_h"])


# ---------------------------------------------------------------- the seeds' own forms


def test_figure_3_three_paths_written_by_hand():
    """Seed 000 Figure 3: dL/dw = sum of three products along S3, S3→S2, S3→S2→S1."""
    problem = load_problem(PROBLEMS / "rnn_000_three_paths.yaml")
    solution = problem.solve()
    u, w, V, x, y = 0.8, 0.5, 1.2, [1.0, 0.5, -0.5], 1.0
    S = [0.0]
    for x_t in x:
        S.append(math.tanh(u * x_t + w * S[-1]))
    y_hat = V * S[3]
    dL_dy = 2 * (y_hat - y)
    tanh_prime = [1 - s**2 for s in S]
    paths = {
        3: dL_dy * V * tanh_prime[3] * S[2],
        2: dL_dy * V * (tanh_prime[3] * w) * tanh_prime[2] * S[1],
        1: dL_dy * V * (tanh_prime[3] * w) * (tanh_prime[2] * w) * tanh_prime[1] * S[0],
    }
    for t, term in paths.items():
        assert solution[f"dL/dW_h_path{t}"].value == pytest.approx(term, abs=1e-12)
    assert solution["dL/dW_h"].value == pytest.approx(sum(paths.values()), abs=1e-12)
    # seed 002: dO_t/dO_{t-1} = tanh'(x_t w_in + O_{t-1} w_h) w_h
    assert solution["dh3/dh2"].value == pytest.approx(tanh_prime[3] * w, abs=1e-12)
    assert isinstance(solution["h1"].value, float)  # one unit: plain numbers, as the figure writes w


def test_002_output_gradient_is_o3_times_prediction_error():
    """Seed 002 derives dL/dw_o = o_3 (ŷ − y) for a sigmoid output with BCE (its sign aside)."""
    solution = load_problem(PROBLEMS / "rnn_002_alice_likes_brownies.yaml").solve()
    error = solution["y_hat"].value - solution["y"].value
    np.testing.assert_allclose(solution["dL/dz_y"].value, error, atol=1e-12)
    np.testing.assert_allclose(solution["dL/dW_y"].value.reshape(-1), solution["h3"].value.reshape(-1) * error)


def test_shown_shapes_multiply_as_the_formulas_write_them():
    """Row convention: vectors are 1×n rows, so x1·W_x and h3ᵀ·dL/dz_y are matrix products as shown."""
    v = {s.name: np.asarray(s.value) for s in load_problem(PROBLEMS / "rnn_002_alice_likes_brownies.yaml").solve()}
    assert v["x1"].shape == (1, 5) and v["h1"].shape == (1, 3) and v["W_x"].shape == (5, 3)
    np.testing.assert_allclose(np.tanh(v["x1"] @ v["W_x"] + v["h0"] @ v["W_h"] + v["b_h"]), v["h1"])
    np.testing.assert_allclose(v["h2"].T @ (v["dL/dh3"] * (1 - v["h3"] ** 2)), v["dL/dW_h_path3"])
    # Column convention: states are columns, the gradients dL/dh_t rows chained left to right.
    v = {s.name: np.asarray(s.value) for s in load_problem(PROBLEMS / "rnn_003_share_market_bptt.yaml").solve()}
    np.testing.assert_allclose(np.tanh(v["W_x"] @ v["x1"] + v["W_h"] @ v["h0"] + v["b_h"]), v["h1"])
    np.testing.assert_allclose(v["dL/dz_y2"] * v["W_y"] + v["dL/dh3"] @ v["dh3/dh2"], v["dL/dh2"])
    np.testing.assert_allclose(np.outer(v["dL/dh3"].T * (1 - v["h3"] ** 2)[:, None], v["h2"]), v["dL/dW_h_path3"])


def test_003_mse_is_averaged_over_the_steps():
    """Seed 003: E = (1/T) Σ (y − ŷ_t)²."""
    solution = load_problem(PROBLEMS / "rnn_003_share_market_bptt.yaml").solve()
    pairs = [(solution[f"y_hat{t}"].value, solution[f"y{t}"].value) for t in (1, 2, 3)]
    assert solution["loss"].value == pytest.approx(sum((y - p) ** 2 for p, y in pairs) / 3, abs=1e-15)


def test_003_the_steps_losses_summed_instead_of_averaged_is_a_named_mistake():
    solution = load_problem(PROBLEMS / "rnn_003_share_market_bptt.yaml").solve()
    pairs = [(solution[f"y_hat{t}"].value, solution[f"y{t}"].value) for t in (1, 2, 3)]
    summed = solution.evaluate(variant=("loss", "sum_instead_of_mean"))["loss"]
    assert summed == pytest.approx(sum((y - p) ** 2 for p, y in pairs), abs=1e-15)
    (variant,) = solution["loss"].variants
    assert "time steps" in variant.feedback
    many_to_one = load_problem(PROBLEMS / "rnn_000_three_paths.yaml").solve()
    assert not many_to_one["loss"].variants  # one output: nothing to reduce


@pytest.mark.parametrize(
    "problem",
    ["rnn_000_three_paths", "rnn_002_alice_likes_brownies", "rnn_002_vanishing_gradient", "rnn_003_share_market_bptt"],
)
def test_problem_file_gradients_agree_with_central_differences(problem):
    loaded = load_problem(PROBLEMS / f"{problem}.yaml")
    solution = loaded.solve()
    g = loaded.given
    values = {s.name: np.asarray(s.value, dtype=float) for s in solution if s.is_given}
    T = sum(1 for name in values if re.fullmatch(r"x\d+", name))
    every_step = g.outputs == "every_step"
    params = {
        name: np.asarray(values[name]).reshape(np.asarray(getattr(g, name), dtype=float).shape or (1, 1))
        for name in ("W_x", "W_h", "W_y", "b_h", "b_y")
        if name in values
    }
    if params["W_y"].ndim == 1:
        params["W_y"] = params["W_y"].reshape(-1, 1)
    case = Case(
        g.convention,
        g.activation,
        g.output,
        g.loss,
        every_step,
        params,
        None,
        [values[f"x{t}"].reshape(-1) for t in range(1, T + 1)],
        [values[f"y{t}"].reshape(-1) for t in range(1, T + 1)] if every_step else [values["y"].reshape(-1)],
    )
    for name in params:
        computed = value(solution, f"dL/d{name}").reshape(params[name].shape)
        np.testing.assert_allclose(computed, finite_difference(case, name), atol=TOLERANCE, rtol=TOLERANCE)


def test_vanishing_products_are_noted():
    solution = load_problem(PROBLEMS / "rnn_002_vanishing_gradient.yaml").solve()
    norms = solution.published()["jacobian_norms"]
    assert list(norms) == [f"dh12/dh{t}" for t in range(11, 0, -1)]
    assert all(a > b for a, b in zip(norms.values(), list(norms.values())[1:], strict=False))
    for name, norm in norms.items():
        assert ("vanishing" in solution[name].note) == (norm < 1e-2)
    assert norms["dh12/dh1"] < 1e-2 < norms["dh12/dh11"]


def test_exploding_products_are_noted():
    case = Given(W_x=[[1.0, 1.0]], W_h=[[3.0, 0.0], [0.0, 3.0]], W_y=[1.0, 1.0], x=[0.0] * 6, y=0.0, activation="relu",
                 h0=[1.0, 1.0])  # fmt: skip
    solution = solve(case)
    assert "exploding" in solution["dh6/dh1"].note
    assert solution.published()["jacobian_norms"]["dh6/dh1"] == pytest.approx(3.0**5)


def test_notation_renames_the_course_names():
    solution = load_problem(PROBLEMS / "rnn_002_alice_likes_brownies.yaml").solve()
    from solver.render.equation import display_name

    shown = {name: display_name(name, solution, "text") for name in ("h3", "dL/dW_h", "dh3/dh2", "W_x_new")}
    assert shown == {"h3": "O3", "dL/dW_h": "dL/dw_h", "dh3/dh2": "dO3/dO2", "W_x_new": "w_i_new"}


# ---------------------------------------------------------------- output and errors


@pytest.mark.parametrize("fmt", ["term", "md"])
def test_golden_output(cli, fmt):
    result = cli("solve", PROBLEMS / "rnn_002_alice_likes_brownies.yaml", "--format", fmt)
    assert result.code == 0, result.err
    assert_golden(f"rnn_002_alice_likes_brownies.{'txt' if fmt == 'term' else 'md'}", result.out)


def test_problem_files_check_cleanly(cli):
    for path in sorted(PROBLEMS.glob("rnn_*.yaml")):
        result = cli("check", path)
        assert result.code == 0, (path, result.err)


GOOD = """\
kind: rnn
given:
  convention: {convention}
  vocabulary: [Alice, likes, brownies, was, excited]
  words: {words}
  W_x: {W_x}
  W_h: {W_h}
  W_y: {W_y}
  y: 1
"""
W_X = "[[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 1, 1]]"
W_H = "[[0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]]"


@pytest.mark.parametrize(
    ("fields", "line", "message"),
    [
        ({"W_x": "[[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]]"}, 6, "W_x is 4×3, which does not fit the input size 5"),
        ({"W_x": "[[1, 0], [0, 1], [0, 0], [1, 1], [0, 1]]"}, 6, "W_x is 5×2, which does not fit the hidden size 3"),
        ({"convention": "column"}, 6, "W_x is 5×3, which does not fit the hidden size 3 (from W_h) nor the input"),
        ({"W_h": "[[0.5, 0], [0, 0.5], [0, 0]]"}, 7, "W_h is 3×2; expected a square hidden × hidden matrix"),
        ({"W_y": "[[1], [1]]"}, 8, "W_y is 2×1, which does not fit the hidden size 3"),
        ({"words": "[]"}, 5, "the sequence of words is empty"),
        ({"words": "[Alice, likes, cake]"}, 5, "word 'cake' (step 3) is not in the vocabulary"),
    ],
)
def test_bad_input_is_one_located_line(cli, tmp_path, fields, line, message):
    values = {"convention": "row", "words": "[Alice, likes, brownies]", "W_x": W_X, "W_h": W_H, "W_y": "[1, 1, 1]"}
    path = tmp_path / "rnn.yaml"
    path.write_text(GOOD.format(**{**values, **fields}), encoding="utf-8")
    result = cli("solve", path)
    assert result.code == 2
    assert result.err.count("\n") == 1 and result.err.startswith(f"nnsolve: error: {path}:{line}: given.")
    assert message in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("given_text", "message"),
    [
        ("x: []\n  W_x: 1\n  W_h: 1\n  W_y: 1\n  y: 1", "the sequence x is empty"),
        ("x: [[1, 0], [1]]\n  W_x: [[1], [1]]\n  W_h: 1\n  W_y: 1\n  y: 1", "x step 2 has 1 entries but step 1 has 2"),
        ("x: [1, 2]\n  W_x: 1\n  W_h: 1\n  W_y: 1\n  y: 1\n  outputs: every_step", "one target per time step"),
        (
            "x: [1]\n  W_x: 1\n  W_h: 1\n  W_y: 1\n  y: 1\n  activation: softmax",
            "activation 'softmax' is not supported here",
        ),
        ("words: [a]\n  W_x: 1\n  W_h: 1\n  W_y: 1\n  y: 1", "words need a vocabulary"),
        ("x: [1]\n  W_x: [[1, 2], [3]]\n  W_h: 1\n  W_y: 1\n  y: 1", "the rows of W_x have different lengths"),
    ],
)
def test_more_bad_input(cli, tmp_path, given_text, message):
    path = tmp_path / "rnn.yaml"
    path.write_text(textwrap.dedent(f"kind: rnn\ngiven:\n  {given_text}\n"), encoding="utf-8")
    result = cli("solve", path)
    assert result.code == 2 and result.err.count("\n") == 1
    assert result.err.startswith(f"nnsolve: error: {path}:") and message in result.err


def test_quick_command_works_the_figure_3_network(cli):
    import json

    result = cli("rnn", "--x", "1; 0.5; -0.5", "--wx", "0.8", "--wh", "0.5", "--wy", "1.2", "--y", "1", "--json")
    assert result.code == 0, result.err
    answers = json.loads(result.out)["answers"]
    expected = load_problem(PROBLEMS / "rnn_000_three_paths.yaml").solve()
    for name in ("h3", "loss", "dL/dW_h_path2", "dL/dW_h", "dL/dW_x"):
        assert answers[name] == pytest.approx(expected[name].value, abs=1e-15)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--words", "Alice cake", "--vocabulary", "Alice,likes"], "--words: word 'cake' (step 2) is not in the"),
        (["--x", "1 0 0; 0 1 0"], "--wx: W_x is 2×2, which does not fit the input size 3"),
        (["--x", "1 0; 0 1", "--wh", "1 0 0; 0 1 0; 0 0 1"], "--wx: W_x is 2×2, which does not fit the hidden size 3"),
        (["--x", "1 0", "--convention", "diagonal"], "--convention 'diagonal': expected row or column"),
    ],
)
def test_quick_command_errors(cli, args, message):
    base = {"--wx": "1 0; 0 1", "--wh": "0.5 0; 0 0.5", "--wy": "1 1", "--y": "1"}
    options = dict(zip(args[::2], args[1::2], strict=True))
    result = cli("rnn", *[w for pair in {**base, **options}.items() for w in pair])
    assert result.code == 2 and result.err.count("\n") == 1
    assert result.err.startswith("nnsolve: error: ") and message in result.err


def test_entries_of_row_vectors_take_one_index():
    solution = load_problem(PROBLEMS / "rnn_002_alice_likes_brownies.yaml").solve()
    assert solution.entry("h1[2]") == solution.entry("h1[1,2]") == solution["h1"].value[0, 1]
    assert solution.entry("W_x[3,1]") == -0.4


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_a_sequence_reduced_the_other_way_over_its_steps_is_a_named_mistake(reduction):
    given = Given(
        W_x=[[0.5]], W_h=[[0.8]], W_y=[[1.2]], x=[1.0, -0.5, 2.0], y=[0.3, 0.1, 0.4], outputs="every_step",
        reduction=reduction,
    )  # fmt: skip
    solution = solve(given)
    # Each step's own loss, from the solution's predictions: (ŷ_t − y_t)² for mse.
    per_step = [float((solution[f"y_hat{t}"].value - y) ** 2) for t, y in zip((1, 2, 3), (0.3, 0.1, 0.4), strict=True)]
    assert solution["loss"].value == pytest.approx(np.mean(per_step) if reduction == "mean" else sum(per_step))
    slip = "sum_instead_of_mean" if reduction == "mean" else "mean_instead_of_sum"
    wrong = solution.evaluate(variant=("loss", slip))["loss"]
    assert wrong == pytest.approx(sum(per_step) if reduction == "mean" else np.mean(per_step))
    assert "time steps" in next(v.feedback for v in solution["loss"].variants if v.name == slip)


@pytest.mark.parametrize(
    "command",
    [
        ["rnn", "--wx", "0.8", "--wh", "0.5", "--wy", "1.2"],
        ["lstm", "--weight-ih", "0.5; 0.6; 0.7; 0.8", "--weight-hh", "0.1; 0.2; 0.3; 0.4", "--wy", "4"],
        ["gru", "--weight-ih", "0.5; 0.6; 0.7", "--weight-hh", "0.1; 0.2; 0.3", "--wy", "4"],
    ],
    ids=["rnn", "lstm", "gru"],
)
def test_the_quick_commands_take_the_reduction_over_the_steps(cli, command):
    many = [*command, "--x", "1; 0.5; -0.5", "--y", "1; 0; 1", "--every-step", "--json"]
    answers = {how: json.loads(cli(*many, "--reduction", how).out)["answers"] for how in ("mean", "sum")}
    predictions = [answers["sum"][f"y_hat{t}"] for t in (1, 2, 3)]
    squares = sum((p - y) ** 2 for p, y in zip(predictions, (1, 0, 1), strict=True))
    assert answers["sum"]["loss"] == pytest.approx(squares, abs=1e-12)
    assert answers["mean"]["loss"] == pytest.approx(squares / 3, abs=1e-12)
    result = cli(*many, "--reduction", "median")
    assert result.code == 2 and result.err.startswith("nnsolve: error: --reduction: unknown reduction 'median'")
