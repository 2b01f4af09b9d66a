"""Kind vae: the KL term against numerical integration of q log(q/p), the gradients against central
differences of the textbook form KL = Σ [−log σ + (σ² + μ²)/2 − ½].
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from solver.kinds.dense.vae import Given, solve

H = 1e-6
GIVEN = {"x": [1.0, 0.0, 0.5], "x_rec": [0.8, 0.3, 0.5], "mu": [0.4, -1.2], "log_var": [-0.5, 0.3]}


def kl_by_integration(mu: float, log_var: float) -> float:
    """∫ q(z) log(q(z)/p(z)) dz for q = N(μ, σ²), p = N(0, 1), by the trapezoid rule over ±12σ."""
    sigma = math.exp(log_var / 2)
    z = np.linspace(mu - 12 * sigma, mu + 12 * sigma, 200_001)
    log_q = -0.5 * ((z - mu) / sigma) ** 2 - math.log(sigma * math.sqrt(2 * math.pi))
    log_p = -0.5 * z**2 - math.log(math.sqrt(2 * math.pi))
    integrand = np.exp(log_q) * (log_q - log_p)
    return float(np.sum((integrand[1:] + integrand[:-1]) / 2 * np.diff(z)))


def textbook_loss(x, x_rec, mu, log_var) -> float:
    reconstruction = sum((b - a) ** 2 for a, b in zip(x, x_rec, strict=True)) / 2
    sigmas = [math.exp(v / 2) for v in log_var]
    kl = sum(-math.log(s) + (s * s + m * m) / 2 - 0.5 for m, s in zip(mu, sigmas, strict=True))
    return reconstruction + kl


def test_kl_term_is_the_integral_and_the_loss_its_sum():
    solution = solve(Given(**GIVEN))
    expected_kl = sum(kl_by_integration(m, v) for m, v in zip(GIVEN["mu"], GIVEN["log_var"], strict=True))
    assert solution["L_KL"].value == pytest.approx(expected_kl, rel=1e-7)
    assert solution["L_rec"].value == pytest.approx((0.04 + 0.09) / 2)
    assert solution["L"].value == pytest.approx(textbook_loss(**GIVEN), rel=1e-12)


@pytest.mark.parametrize(("field", "step"), [("x_rec", "dL/dx_rec"), ("mu", "dL/dmu"), ("log_var", "dL/dlog_var")])
def test_gradients_match_central_differences(field, step):
    solution = solve(Given(**GIVEN))
    for k in range(len(GIVEN[field])):
        up, down = dict(GIVEN), dict(GIVEN)
        up[field] = [v + (H if i == k else 0) for i, v in enumerate(GIVEN[field])]
        down[field] = [v - (H if i == k else 0) for i, v in enumerate(GIVEN[field])]
        expected = (textbook_loss(**up) - textbook_loss(**down)) / (2 * H)
        assert np.atleast_1d(solution[step].value)[k] == pytest.approx(expected, abs=1e-7), (step, k)


def test_named_mistakes():
    solution = solve(Given(**GIVEN))
    doubled = solution.evaluate(variant=("L_KL", "kl_without_half"))["L_KL"]
    assert doubled == pytest.approx(2 * solution["L_KL"].value)
    sigma2 = np.exp(GIVEN["log_var"])
    by_variance = solution.evaluate(variant=("dL/dlog_var", "derivative_in_variance"))["dL/dlog_var"]
    np.testing.assert_allclose(by_variance, 0.5 * (1 - 1 / sigma2))
    no_half = solution.evaluate(variant=("L_rec", "loss_without_half"))["L_rec"]
    assert no_half == pytest.approx(0.13)


def test_a_problem_file_and_its_errors(cli, tmp_path):
    problem = tmp_path / "vae.yaml"
    problem.write_text("kind: vae\ngiven:\n  x: [1, 0]\n  x_rec: [1, 0]\n  mu: 0\n  log_var: 0\n", encoding="utf-8")
    result = cli("solve", problem, "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["answers"]["L"] == 0  # a perfect reconstruction and q = p
    problem.write_text("kind: vae\ngiven:\n  x: [1, 0]\n  x_rec: [1]\n  mu: 0\n  log_var: 0\n", encoding="utf-8")
    result = cli("solve", problem)
    assert result.code == 2 and result.err.count("\n") == 1
    assert "x has 2 entries but x_rec has 1; expected the same length" in result.err
