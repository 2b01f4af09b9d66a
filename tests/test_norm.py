"""Kinds batchnorm, layernorm and dropout against PyTorch's documented definitions, restated in plain Python.

The reference below follows the documentation of torch.nn.BatchNorm1d and torch.nn.LayerNorm
element by element: the statistics from Python's ``statistics`` module (``pvariance`` is the
biased variance PyTorch normalizes with, ``variance`` the unbiased one it keeps as the running
variance), ``math.sqrt``, loops over columns or rows.  Every gradient is compared with central
finite differences of the reference's loss L = Σ dL/dy ⊙ y.
"""

from __future__ import annotations

import json
import math
import statistics

import numpy as np
import pytest
from conftest import PROBLEMS

from solver.files.problem_file import load_problem
from solver.kinds.norm import batchnorm, dropout, layernorm

EPS = 1e-5
STEP = 1e-6
TOLERANCE = 1e-6


# ---------------------------------------------------------------- the reference


def normalize_lists(values: list[float], gamma: list[float], beta: list[float], eps: float) -> list[float]:
    """y = γ (x − E[x]) / √(Var[x] + ε) + β over ``values``, the variance biased, as the docs define it."""
    mean, var = statistics.fmean(values), statistics.pvariance(values)
    return [g * (v - mean) / math.sqrt(var + eps) + b for v, g, b in zip(values, gamma, beta, strict=True)]


def batchnorm_reference(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = EPS) -> np.ndarray:
    out = np.zeros_like(x)
    for j in range(x.shape[1]):
        column = [float(v) for v in x[:, j]]
        n = len(column)
        out[:, j] = normalize_lists(column, [gamma[j]] * n, [beta[j]] * n, eps)
    return out


def layernorm_reference(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = EPS) -> np.ndarray:
    return np.array([normalize_lists([float(v) for v in row], list(gamma), list(beta), eps) for row in x])


def numeric_gradient(loss, point: np.ndarray) -> np.ndarray:
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        up, down = point.copy(), point.copy()
        up[index] += STEP
        down[index] -= STEP
        gradient[index] = (loss(up) - loss(down)) / (2 * STEP)
    return gradient


def random_case(seed: int, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = shape[1]
    return {
        "x": rng.normal(0, 2, shape).round(3),
        "gamma": rng.uniform(0.5, 2, features).round(3),
        "beta": rng.normal(0, 1, features).round(3),
        "dy": rng.normal(0, 1, shape).round(3),
    }


def as_array(value) -> np.ndarray:
    return np.atleast_2d(np.asarray(value, dtype=float))


SHAPES = [(2, 1), (3, 2), (4, 3), (5, 1), (6, 4)]


# ---------------------------------------------------------------- batchnorm


@pytest.mark.parametrize(("seed", "shape"), list(enumerate(SHAPES)))
def test_batchnorm_forward_and_gradients_match_the_reference(seed, shape):
    case = random_case(seed, shape)
    given = batchnorm.Given(
        x=case["x"].tolist(), gamma=case["gamma"].tolist(), beta=case["beta"].tolist(), dL_dy=case["dy"].tolist()
    )
    solution = batchnorm.solve(given)
    x, gamma, beta, dy = case["x"], case["gamma"], case["beta"], case["dy"]
    assert np.allclose(as_array(solution["y"].value).reshape(x.shape), batchnorm_reference(x, gamma, beta))
    cases = {
        "dL/dx": (x, lambda v: float((dy * batchnorm_reference(v, gamma, beta)).sum())),
        "dL/dgamma": (gamma, lambda v: float((dy * batchnorm_reference(x, v, beta)).sum())),
        "dL/dbeta": (beta, lambda v: float((dy * batchnorm_reference(x, gamma, v)).sum())),
    }
    for name, (point, loss) in cases.items():
        expected = numeric_gradient(loss, point.astype(float))
        found = as_array(solution[name].value).reshape(expected.shape)
        assert np.allclose(found, expected, atol=TOLERANCE), name


def test_batchnorm_running_statistics_and_test_time_output_follow_pytorch():
    x = np.array([[1.0, -2.0], [3.0, 0.5], [4.5, 2.0], [0.0, 1.0]])
    running_mean, running_var, momentum = [0.2, -0.1], [1.5, 0.8], 0.3
    x_test = np.array([[2.0, 1.0], [-1.0, 0.0]])
    given = batchnorm.Given(
        x=x.tolist(),
        gamma=[2.0, 0.5],
        beta=[0.1, -0.3],
        running_mean=running_mean,
        running_var=running_var,
        momentum=momentum,
        x_test=x_test.tolist(),
    )
    solution = batchnorm.solve(given)
    # The docs: running = (1 − momentum) × running + momentum × observed, the variance unbiased.
    for j in range(2):
        column = list(x[:, j])
        mean_after = (1 - momentum) * running_mean[j] + momentum * statistics.fmean(column)
        var_after = (1 - momentum) * running_var[j] + momentum * statistics.variance(column)
        assert as_array(solution["running_mean_new"].value)[0, j] == pytest.approx(mean_after)
        assert as_array(solution["running_var_new"].value)[0, j] == pytest.approx(var_after)
        for i in range(2):
            expected = [2.0, 0.5][j] * (x_test[i, j] - mean_after) / math.sqrt(var_after + EPS) + [0.1, -0.3][j]
            assert as_array(solution["y_test"].value)[i, j] == pytest.approx(expected)


def test_batchnorm_starts_its_running_statistics_where_pytorch_does():
    solution = batchnorm.solve(batchnorm.Given(x=[1.0, 3.0]))
    # mean 2, unbiased variance 2: 0.9·0 + 0.1·2 and 0.9·1 + 0.1·2.
    assert solution["running_mean_new"].value == pytest.approx(0.2)
    assert solution["running_var_new"].value == pytest.approx(1.1)


def test_published_batchnorm_example_agrees_with_its_source():
    loaded = load_problem(PROBLEMS / "batchnorm_three_examples.yaml")
    solution = batchnorm.solve(loaded.given)
    assert np.allclose(as_array(solution["x_hat"].value), [[-1.22, -1.22], [0, 0], [1.22, 1.22]], atol=0.005)


def test_each_classic_batchnorm_mistake_gives_another_value():
    solution = batchnorm.solve(
        batchnorm.Given(x=[[1, 2], [3, 6], [5, 4]], dL_dy=[[0.1, -0.2], [0.3, 0.4], [-0.5, 0.2]], x_test=[[2, 3]])
    )
    right = solution.evaluate()
    for step in solution.steps.values():
        for variant in step.variants:
            wrong = solution.evaluate(variant=(step.name, variant.name))
            assert not np.allclose(as_array(wrong[step.name]), as_array(right[step.name])), variant.name


# ---------------------------------------------------------------- layernorm


@pytest.mark.parametrize(("seed", "shape"), list(enumerate([(1, 2), (2, 3), (3, 4), (4, 2)])))
def test_layernorm_forward_and_gradients_match_the_reference(seed, shape):
    case = random_case(seed, shape)
    given = layernorm.Given(
        x=case["x"].tolist(), gamma=case["gamma"].tolist(), beta=case["beta"].tolist(), dL_dy=case["dy"].tolist()
    )
    solution = layernorm.solve(given)
    x, gamma, beta, dy = case["x"], case["gamma"], case["beta"], case["dy"]
    assert np.allclose(as_array(solution["y"].value).reshape(x.shape), layernorm_reference(x, gamma, beta))
    cases = {
        "dL/dx": (x, lambda v: float((dy * layernorm_reference(v, gamma, beta)).sum())),
        "dL/dgamma": (gamma, lambda v: float((dy * layernorm_reference(x, v, beta)).sum())),
        "dL/dbeta": (beta, lambda v: float((dy * layernorm_reference(x, gamma, v)).sum())),
    }
    for name, (point, loss) in cases.items():
        expected = numeric_gradient(loss, point.astype(float))
        found = as_array(solution[name].value).reshape(expected.shape)
        assert np.allclose(found, expected, atol=TOLERANCE), name


def test_layernorm_of_a_flat_list_is_one_example():
    solution = layernorm.solve(layernorm.Given(x=[1.0, 2.0, 3.0]))
    assert np.allclose(
        as_array(solution["y"].value), layernorm_reference(np.array([[1.0, 2.0, 3.0]]), [1] * 3, [0] * 3)
    )


# ---------------------------------------------------------------- dropout


def dropout_reference(x: np.ndarray, mask: np.ndarray, p: float) -> np.ndarray:
    """Training mode as the docs say: zero with probability p, the others scaled by 1/(1 − p)."""
    out = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        if mask[index] == 1:
            out[index] = x[index] / (1 - p)
    return out


@pytest.mark.parametrize(("p", "shape"), [(0.0, (3,)), (0.5, (2, 4)), (0.2, (2, 2, 3)), (0.9, (5, 1))])
def test_dropout_forward_and_gradient_match_the_reference(p, shape):
    rng = np.random.default_rng(len(shape))
    x, dy = rng.normal(0, 1, shape).round(3), rng.normal(0, 1, shape).round(3)
    mask = (rng.uniform(0, 1, shape) >= p).astype(float)
    solution = dropout.solve(dropout.Given(x=x.tolist(), mask=mask.tolist(), p=p, dL_dy=dy.tolist()))
    assert np.allclose(np.asarray(solution["y"].value, dtype=float).reshape(shape), dropout_reference(x, mask, p))
    expected = numeric_gradient(lambda v: float((dy * dropout_reference(v, mask, p)).sum()), x)
    assert np.allclose(np.asarray(solution["dL/dx"].value, dtype=float).reshape(shape), expected, atol=TOLERANCE)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kind", "given", "message"),
    [
        ("batchnorm", "x: [[1, 2]]", "batch normalization needs at least 2 examples"),
        ("batchnorm", "x: [[1, 2], [3, 4]]\n  gamma: [1, 2, 3]", "gamma has 3 entries; expected 2, one per feature"),
        ("batchnorm", "x: [[1, 2], [3, 4]]\n  dL_dy: [[1, 2]]", "dL_dy has shape 1×2; expected 2×2"),
        ("batchnorm", "x: [[1, 2], [3, 4]]\n  x_test: [[1, 2, 3]]", "x_test has 3 features per example; expected 2"),
        ("batchnorm", "x: [[1, 2], [3, 4]]\n  momentum: 1.5", "momentum must be between 0 and 1"),
        ("batchnorm", "x: [[1, 2], [3]]", "x"),
        ("batchnorm", "x: [[[1, 2], [3, 4]]]", "x has shape 1×2×2; expected a batch N × D"),
        ("layernorm", "x: [[1], [2]]", "layer normalization needs at least 2 features"),
        ("layernorm", "x: [[1, 2], [3, 4]]\n  eps: -1", "eps must be 0 or more"),
        ("dropout", "x: [1, 2, 3]\n  mask: [1, 0]\n  p: 0.5", "mask has shape 2; expected 3 (the shape of x)"),
        ("dropout", "x: [[1, 2], [3, 4]]\n  mask: [1, 0, 1, 1]\n  p: 0.5", "mask has shape 4; expected 2×2"),
        ("dropout", "x: [1, 2, 3]\n  mask: [1, 0.5, 1]\n  p: 0.5", "mask holds 0.5; expected only 0 (dropped) and 1"),
        ("dropout", "x: [1, 2, 3]\n  mask: [1, 0, 1]\n  p: 1", "p must be at least 0 and less than 1"),
        ("dropout", "x: [1, 2, 3]\n  mask: [1, 0, 1]\n  p: -0.1", "p must be at least 0 and less than 1"),
    ],
)
def test_bad_input_is_one_line_and_status_2(cli, tmp_path, kind, given, message):
    path = tmp_path / "problem.yaml"
    path.write_text(f"kind: {kind}\ngiven:\n  {given}\n", encoding="utf-8")
    result = cli("solve", path)
    assert result.code == 2
    assert len(result.err.splitlines()) == 1 and result.err.startswith("nnsolve: error:")
    assert message in result.err


def test_dropout_draws_the_input_with_its_kept_units_marked():
    solution = dropout.solve(dropout.Given(x=[1.0, 2.0, 3.0], mask=[0, 1, 1], p=0.25))
    drawn_input = solution["y"].views[0]
    assert drawn_input.marks == ((0, 1), (0, 2))
    assert np.allclose(np.asarray(solution["y"].views[1].grid), [[0, 2 / 0.75, 3 / 0.75]])


# ---------------------------------------------------------------- quick commands


def test_quick_commands_work_the_same_batch(cli):
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0]])
    batch = json.loads(cli("batchnorm", "1 2; 3 6; 5 4", "--gamma", "1.5 0.5", "--test", "2 3", "--json").out)
    assert np.allclose(batch["answers"]["y"], batchnorm_reference(x, np.array([1.5, 0.5]), np.zeros(2)))
    assert np.asarray(batch["answers"]["y_test"]).shape == (1, 2)
    layer = json.loads(cli("layernorm", "1 2; 3 6; 5 4", "--json").out)
    assert np.allclose(layer["answers"]["y"], layernorm_reference(x, np.ones(2), np.zeros(2)))
    dropped = json.loads(cli("dropout", "1 2 3", "--mask", "1 0 1", "-p", "0.25", "--json").out)
    assert np.allclose(dropped["answers"]["y"], dropout_reference(np.array([1.0, 2, 3]), np.array([1, 0, 1]), 0.25))


def test_quick_commands_take_a_batch_that_starts_with_a_minus_sign(cli):
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    batch = json.loads(cli("batchnorm", "-1 2; 3 -4", "--json").out)
    assert np.allclose(batch["answers"]["y"], batchnorm_reference(x, np.ones(2), np.zeros(2)))
    layer = json.loads(cli("layernorm", "-1 2; 3 -4", "--json").out)
    assert np.allclose(layer["answers"]["y"], layernorm_reference(x, np.ones(2), np.zeros(2)))
    dropped = json.loads(cli("dropout", "-1 2", "--mask", "1 0", "-p", "0.5", "--json").out)
    assert np.allclose(dropped["answers"]["y"], dropout_reference(np.array([-1.0, 2]), np.array([1, 0]), 0.5))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dropout", "1 2 3", "--mask", "1 0", "-p", "0.5"], "--mask: mask has shape 2; expected 3"),
        (["batchnorm", "1 2; 3 4", "--gamma", "1 2 3"], "--gamma: gamma has 3 entries"),
        (["layernorm", "1 2; 3 4", "--grad", "1 2 3"], "--grad: dL_dy has shape 3; expected 2×2"),
        (["batchnorm", "1 2; 3 4", "--running-var", "1 -0.5"], "--running-var: running_var of feature 2 is -0.5"),
    ],
)
def test_quick_command_errors_name_the_option(cli, args, message):
    result = cli(*args)
    assert result.code == 2 and len(result.err.splitlines()) == 1
    assert message in result.err


def test_a_wrong_variance_is_carried_forward_into_x_hat_and_the_gradients():
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0]])
    dy = np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.2]])
    solution = batchnorm.solve(batchnorm.Given(x=x.tolist(), dL_dy=dy.tolist()))
    unbiased = [[statistics.variance(x[:, 0]), statistics.variance(x[:, 1])]]
    values = solution.evaluate({"var": unbiased})
    for j in range(2):
        for i in range(3):
            expected = (x[i, j] - x[:, j].mean()) / math.sqrt(unbiased[0][j] + EPS)
            assert as_array(values["x_hat"])[i, j] == pytest.approx(expected)
    assert as_array(values["dL/dgamma"])[0, 0] == pytest.approx(
        sum(dy[i, 0] * as_array(values["x_hat"])[i, 0] for i in range(3))
    )
    assert np.allclose(as_array(solution.evaluate(variant=("var", "unbiased_variance"))["var"]), unbiased)
