"""Every loss with reduction mean and sum, on one example and on a batch: PyTorch's documented unreduced
terms (``reduction='none'``) written out with plain loops and reduced here, gradients by central differences.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from solver.kinds.dense.loss import Given, solve
from solver.math.losses import LOSSES, loss

H = 1e-6


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


#: The loss of one element (p, y), as each of PyTorch's losses defines it before reducing.
ELEMENT = {
    "mse": lambda p, y: (p - y) ** 2,
    "sse": lambda p, y: (p - y) ** 2,
    "half_squared": lambda p, y: (p - y) ** 2 / 2,
    "mae": lambda p, y: abs(p - y),
    "huber": lambda p, y: (p - y) ** 2 / 2 if abs(p - y) <= 1 else abs(p - y) - 0.5,
    "bce": lambda p, y: -(y * math.log(p) + (1 - y) * math.log(1 - p)),
    # BCEWithLogitsLoss: −[y log σ(x) + (1 − y) log(1 − σ(x))] = y·softplus(−x) + (1 − y)·softplus(x).
    "bce_logits": lambda x, y: y * _softplus(-x) + (1 - y) * _softplus(x),
    "hinge": lambda p, y: max(0.0, 1 - y * p),
}
#: The loss of one example (a row of class probabilities and its target distribution).
EXAMPLE = {
    "cross_entropy": lambda p, y: -sum(t * math.log(q) for q, t in zip(p, y, strict=True) if t),
    "nll": lambda p, y: -math.log(p[y.index(max(y))]),
    "kl_div": lambda p, y: sum(t * math.log(t / q) for q, t in zip(p, y, strict=True) if t),
}
#: Each entry's reduction when none is asked for, as its name and the notes say.
OWN = {"mse": "mean", "mae": "mean", "huber": "mean", "hinge": "mean"}


def reference(name: str, p: list[list[float]], y: list[list[float]], reduction: str) -> float:
    if name in EXAMPLE:
        terms = [EXAMPLE[name](pr, yr) for pr, yr in zip(p, y, strict=True)]
    else:
        terms = [ELEMENT[name](a, b) for pr, yr in zip(p, y, strict=True) for a, b in zip(pr, yr, strict=True)]
    return math.fsum(terms) / (len(terms) if reduction == "mean" else 1)


def batch(name: str) -> tuple[list[list[float]], list[list[float]]]:
    """Two examples of three outputs, where every loss is smooth."""
    if LOSSES[name].targets == "distribution":
        return [[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]], [[0.0, 1.0, 0.0], [0.7, 0.0, 0.3]]
    if LOSSES[name].targets == "probability":
        return [[0.3, 0.8, 0.6], [0.1, 0.45, 0.9]], [[0.0, 1.0, 0.25], [1.0, 0.0, 0.5]]
    return [[0.3, -1.7, 2.2], [0.1, 0.45, -0.9]], [[1.0, -1.0, 0.4], [-1.0, 1.0, 0.5]]


def test_every_loss_has_a_reference():
    assert set(LOSSES) == set(ELEMENT) | set(EXAMPLE)


@pytest.mark.parametrize("reduction", ["mean", "sum", None])
@pytest.mark.parametrize("name", LOSSES)
def test_value_and_gradient_of_a_batch_and_of_one_example(name, reduction):
    entry = loss(name, reduction=reduction)
    expected_reduction = reduction or OWN.get(name, "sum")
    p, y = batch(name)
    for rows in (slice(0, 2), slice(0, 1)):  # a batch of two examples, then one example as a vector
        shape_p, shape_y = (np.array(p[rows]), np.array(y[rows]))
        if rows == slice(0, 1):
            shape_p, shape_y = shape_p[0], shape_y[0]
        expected = reference(name, p[rows], y[rows], expected_reduction)
        assert entry.value(shape_p, shape_y) == pytest.approx(expected, rel=1e-12), rows
        numeric = np.zeros(shape_p.shape)
        for index in np.ndindex(shape_p.shape):
            up, down = shape_p.copy(), shape_p.copy()
            up[index] += H
            down[index] -= H
            numeric[index] = (entry.value(up, shape_y) - entry.value(down, shape_y)) / (2 * H)
        np.testing.assert_allclose(entry.gradient(shape_p, shape_y), numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", LOSSES)
def test_every_mistake_shows_in_the_numbers_of_a_batch(name, reduction):
    entry = loss(name, reduction=reduction)
    p, y = (np.array(v) for v in batch(name))
    for mistake in entry.value_mistakes:
        assert not np.isclose(mistake.wrong(entry, p, y), entry.value(p, y)), mistake.name
    for mistake in entry.gradient_mistakes:
        assert not np.allclose(mistake.wrong(entry, p, y), entry.gradient(p, y)), mistake.name


def test_the_other_reduction_is_the_named_mistake():
    # BCE summed over [0.3, 0.8] against [0, 1] is −ln 0.7 − ln 0.8; the mean halves it.
    solution = solve(Given(y=[0.0, 1.0], y_hat=[0.3, 0.8], losses=["bce", "mse"], reduction="mean"))
    summed = -math.log(0.7) - math.log(0.8)
    assert solution["L_bce"].value == pytest.approx(summed / 2)
    assert solution.evaluate(variant=("L_bce", "sum_instead_of_mean"))["L_bce"] == pytest.approx(summed)
    wrong = solution.evaluate(variant=("dL_bce/dy_hat", "derivative_missing_mean"))["dL_bce/dy_hat"]
    np.testing.assert_allclose(wrong, [1 / 0.7, -1 / 0.8])
    summed_mse = solve(Given(y=[0.0, 1.0], y_hat=[0.3, 0.8], losses=["mse"], reduction="sum"))
    assert summed_mse["L_mse"].value == pytest.approx(0.09 + 0.04)
    assert summed_mse.evaluate(variant=("L_mse", "mean_instead_of_sum"))["L_mse"] == pytest.approx(0.065)


def test_a_batch_of_distributions_is_averaged_over_its_examples(cli, tmp_path):
    problem = tmp_path / "batch.yaml"
    problem.write_text(
        "kind: loss\ngiven:\n  y: [[0, 1, 0], [1, 0, 0]]\n  y_hat: [[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]\n"
        "  losses: [cross_entropy, kl_div, bce]\n  reduction: mean\n",
        encoding="utf-8",
    )
    result = cli("solve", problem, "--json")
    assert result.code == 0, result.err
    answers = json.loads(result.out)["answers"]
    # Over the 2 examples for cross-entropy (PyTorch's CrossEntropyLoss) and KL (KLDivLoss's batchmean) ...
    assert answers["L_cross_entropy"] == pytest.approx((-math.log(0.5) - math.log(0.6)) / 2)
    assert answers["L_kl_div"] == pytest.approx(answers["L_cross_entropy"])  # a one-hot target has no entropy
    # ... over the 6 outputs for BCE (BCELoss).
    assert answers["L_bce"] == pytest.approx(reference("bce", [[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]],
                                                       [[0, 1, 0], [1, 0, 0]], "mean"))  # fmt: skip


def test_the_loss_command_reads_a_batch_as_rows_like_a_file(cli):
    result = cli("loss", "--y", "0 1 0; 1 0 0", "--y-hat", "0.2 0.5 0.3; 0.6 0.1 0.3", "--losses", "cross_entropy",
                 "--reduction", "mean", "--json")  # fmt: skip
    assert result.code == 0, result.err
    # two examples of three classes each (not one target of six entries summing to 2)
    assert json.loads(result.out)["answers"]["L_cross_entropy"] == pytest.approx((-math.log(0.5) - math.log(0.6)) / 2)


def test_forms_show_the_reduction(cli):
    out = cli("loss", "--y", "0,1", "--y-hat", "0.3,0.8", "--losses", "mse,bce", "--reduction", "sum").out
    assert "L_mse = Σ (y_hat − y)²" in out and "(1/n)" not in out
    out = cli("loss", "--y", "0,1", "--y-hat", "0.3,0.8", "--losses", "bce", "--reduction", "mean").out
    assert "(1/n) (−Σ [y log y_hat + (1 − y) log(1 − y_hat)])" in out


@pytest.mark.parametrize(
    "args",
    [
        ["loss", "--y", "1", "--y-hat", "0.5", "--reduction", "batchmean"],
        ["svm", "1 2", "--target", "0", "--reduction", "none"],
    ],
)
def test_a_reduction_that_does_not_exist_is_one_line(cli, args):
    result = cli(*args)
    assert result.code == 2
    (line,) = result.err.splitlines()
    assert line.startswith("nnsolve: error: --reduction: unknown reduction") and "expected one of: mean, sum" in line


def test_a_batch_of_different_shapes_is_refused(cli, tmp_path):
    problem = tmp_path / "ragged.yaml"
    problem.write_text("kind: loss\ngiven:\n  y: [[0, 1], [1, 0]]\n  y_hat: [0.2, 0.8]\n", encoding="utf-8")
    result = cli("solve", problem)
    assert result.code == 2 and "y has shape (2, 2) but y_hat has shape (2,)" in result.err


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", LOSSES)
def test_a_mistake_that_scales_says_by_how_much(name, reduction):
    # Symbolic mode scales the right form by ``scale(outputs)``: it must be the numbers' ratio (one example).
    entry = loss(name, reduction=reduction)
    p, y = (np.array(v[0]) for v in batch(name))
    for mistake in (*entry.value_mistakes, *entry.gradient_mistakes):
        if mistake.scale is None:
            continue
        right = entry.value(p, y) if mistake in entry.value_mistakes else entry.gradient(p, y)
        np.testing.assert_allclose(mistake.wrong(entry, p, y), mistake.scale(p.size) * right, err_msg=mistake.name)
