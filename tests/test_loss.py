"""Kind loss and `nnsolve loss`: the loss table of seed 002 against formulas written out here, derivatives
against central differences, log 0 refused.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.kinds.dense.loss import Given, solve

H = 1e-6


def table(y: list[float], p: list[float]) -> dict[str, float]:
    """Seed 002's table, formula by formula (Huber with δ = 1; NLL = −log of the true class's probability)."""
    n = len(y)
    r = [pi - yi for pi, yi in zip(p, y, strict=True)]
    return {
        "mse": sum(v * v for v in r) / n,
        "sse": sum(v * v for v in r),
        "half_squared": sum(v * v for v in r) / 2,
        "mae": sum(abs(v) for v in r) / n,
        "huber": sum(v * v / 2 if abs(v) <= 1 else abs(v) - 0.5 for v in r) / n,
        "bce": -sum(yi * math.log(pi) + (1 - yi) * math.log(1 - pi) for yi, pi in zip(y, p, strict=True)),
        "cross_entropy": -sum(yi * math.log(pi) for yi, pi in zip(y, p, strict=True) if yi),
        "nll": -math.log(p[y.index(max(y))]),
        "hinge": sum(max(0.0, 1 - yi * pi) for yi, pi in zip(y, p, strict=True)) / n,
    }


ALL = ["mse", "sse", "half_squared", "mae", "huber", "bce", "cross_entropy", "nll", "hinge"]


def test_values_of_a_worked_example():
    y, p = [0.0, 1.0, 0.0], [0.2, 0.7, 0.1]
    solution = solve(Given(y=y, y_hat=p, losses=ALL))
    for name, expected in table(y, p).items():
        assert solution[f"L_{name}"].value == pytest.approx(expected, abs=1e-12), name
    # By hand: MSE = (0.04 + 0.09 + 0.01)/3, CE = −log 0.7.
    assert solution["L_mse"].value == pytest.approx(0.14 / 3)
    assert solution["L_cross_entropy"].value == pytest.approx(-math.log(0.7))


probabilities = st.floats(0.05, 0.95).map(lambda v: round(v, 3))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.lists(probabilities, min_size=n, max_size=n)), st.data())
def test_derivatives_match_central_differences(p, data):
    hot = data.draw(st.integers(0, len(p) - 1))
    y = [1.0 if k == hot else 0.0 for k in range(len(p))]
    solution = solve(Given(y=y, y_hat=p, losses=ALL))
    for name in ALL:
        residuals = [abs(pi - yi) for pi, yi in zip(p, y, strict=True)]
        kink = {"mae": min(residuals), "huber": min(abs(r - 1) for r in residuals)}.get(name, 1.0)
        if kink < 1e-3:  # not differentiable there
            continue
        got = solution[f"dL_{name}/dy_hat"].value
        got = [got] if not hasattr(got, "__len__") else list(got)
        for k in range(len(p)):
            up, down = list(p), list(p)
            up[k] += H
            down[k] -= H
            expected = (table(y, up)[name] - table(y, down)[name]) / (2 * H)
            assert got[k] == pytest.approx(expected, abs=1e-6), (name, k)


def test_command_prints_the_table(cli):
    result = cli("loss", "--y", "0,1,0", "--y-hat", "0.2,0.7,0.1", "--format", "md")
    assert result.code == 0
    assert "| mae | (1/n) Σ \\|ŷ − y\\| | 0.2 |" in result.out  # the pipes of |ŷ − y| do not split the cell
    data = json.loads(cli("loss", "--y", "1", "--y-hat", "0.8", "--losses", "mse,bce", "--json").out)
    assert data["answers"] == pytest.approx({"L_mse": 0.04, "dL_mse/dy_hat": -0.4,
                                             "L_bce": -math.log(0.8), "dL_bce/dy_hat": -1 / 0.8})  # fmt: skip


@pytest.mark.parametrize("y_hat", ["0", "1"])
def test_bce_refuses_log_zero(cli, y_hat):
    result = cli("loss", "--y", "1", "--y-hat", y_hat, "--losses", "bce")
    assert result.code == 2
    (line,) = result.err.splitlines()
    assert line.startswith("nnsolve: error: --y-hat: bce needs predictions strictly between 0 and 1")
    assert "log(0) is undefined" in line and "nan" not in line and "inf" not in line


def test_unknown_loss_lists_the_known_ones(cli):
    result = cli("loss", "--y", "1", "--y-hat", "0.5", "--losses", "mse,kl")
    assert result.code == 2
    assert (
        "--losses: unknown loss 'kl'; expected one of: mse, sse, half_squared, mae, bce, cross_entropy, nll, huber,"
        in result.err
    )


def test_lengths_must_match(cli):
    result = cli("loss", "--y", "1,0", "--y-hat", "0.5")
    assert result.code == 2 and "y has 2 entries but y_hat has 1" in result.err


def test_named_mistakes_of_the_squared_losses():
    solution = solve(Given(y=[1.0, 2.0], y_hat=[1.5, 1.0], losses=["mse", "half_squared"]))
    assert solution.evaluate(variant=("L_mse", "sum_instead_of_mean"))["L_mse"] == pytest.approx(1.25)
    assert solution.evaluate(variant=("L_half_squared", "loss_without_half"))["L_half_squared"] == pytest.approx(1.25)
    missing = solution.evaluate(variant=("dL_mse/dy_hat", "derivative_missing_factor_2"))["dL_mse/dy_hat"]
    assert list(missing) == pytest.approx([0.25, -0.5])


def test_mse_derivative_without_the_mean_is_named():
    # d/dŷ_i of (1/n) Σ (ŷ − y)² is 2(ŷ_i − y_i)/n; forgetting the 1/n leaves 2(ŷ_i − y_i).
    y, y_hat = [1.0, 0.0, 2.0], [0.5, 0.5, 3.0]
    solution = solve(Given(y=y, y_hat=y_hat, losses=["mse"]))
    wrong = solution.evaluate(variant=("dL_mse/dy_hat", "derivative_missing_mean"))["dL_mse/dy_hat"]
    assert list(wrong) == pytest.approx([2 * (p - t) for p, t in zip(y_hat, y, strict=True)])
