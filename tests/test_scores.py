"""Kinds softmax and svm and their commands: losses on class scores against PyTorch's documented formulas
written out with plain loops, every gradient against central differences, CS231n's worked example.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import PROBLEMS
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.files.problem_file import load_problem
from solver.kinds.dense import softmax, svm

H = 1e-6


def cross_entropy_reference(scores: list[list[float]], targets: list[int], reduction: str) -> float:
    """torch.nn.CrossEntropyLoss: loss_i = −x[y_i] + log Σ_j exp(x[j]), then the mean or sum over i."""
    losses = [-row[y] + math.log(math.fsum(math.exp(v) for v in row)) for row, y in zip(scores, targets, strict=True)]
    return math.fsum(losses) / (len(losses) if reduction == "mean" else 1)


def svm_reference(scores: list[list[float]], targets: list[int], margin: float, reduction: str) -> float:
    """CS231n's multiclass SVM: L_i = Σ_{j≠y_i} max(0, s_j − s_{y_i} + Δ), then the mean or sum over i."""
    losses = []
    for row, y in zip(scores, targets, strict=True):
        losses.append(math.fsum(max(0.0, s - row[y] + margin) for j, s in enumerate(row) if j != y))
    return math.fsum(losses) / (len(losses) if reduction == "mean" else 1)


def central_gradient(f, scores: list[list[float]]) -> np.ndarray:
    gradient = np.zeros((len(scores), len(scores[0])))
    for i, row in enumerate(scores):
        for j in range(len(row)):
            up = [list(r) for r in scores]
            down = [list(r) for r in scores]
            up[i][j] += H
            down[i][j] -= H
            gradient[i, j] = (f(up) - f(down)) / (2 * H)
    return gradient


score = st.floats(-6, 6).map(lambda v: round(v, 2))


@st.composite
def batches(draw):
    classes = draw(st.integers(2, 5))
    examples = draw(st.integers(1, 4))
    scores = [draw(st.lists(score, min_size=classes, max_size=classes)) for _ in range(examples)]
    targets = [draw(st.integers(0, classes - 1)) for _ in range(examples)]
    return scores, targets, draw(st.sampled_from(["mean", "sum"]))


@settings(max_examples=150, deadline=None)
@given(batches())
def test_softmax_cross_entropy_is_pytorchs_and_its_gradient_the_finite_differences(batch):
    scores, targets, reduction = batch
    solution = softmax.solve(softmax.Given(scores=scores, target=targets, reduction=reduction))
    assert solution["L"].value == pytest.approx(cross_entropy_reference(scores, targets, reduction), abs=1e-9)
    expected = central_gradient(lambda s: cross_entropy_reference(s, targets, reduction), scores)
    np.testing.assert_allclose(np.reshape(solution["dL/ds"].value, expected.shape), expected, atol=1e-6)
    np.testing.assert_allclose(np.sum(np.atleast_2d(solution["p"].value), axis=1), 1.0)


@settings(max_examples=150, deadline=None)
@given(batches(), st.sampled_from([0.5, 1.0, 2.0]))
def test_svm_loss_is_cs231ns_and_its_gradient_the_finite_differences(batch, margin):
    scores, targets, reduction = batch
    solution = svm.solve(svm.Given(scores=scores, target=targets, margin=margin, reduction=reduction))
    assert solution["L"].value == pytest.approx(svm_reference(scores, targets, margin, reduction), abs=1e-9)
    margins = [s - row[y] + margin for row, y in zip(scores, targets, strict=True) for s in row]
    if min(abs(m) for m in margins) < 1e-3:  # at a hinge's kink the loss has no derivative
        return
    expected = central_gradient(lambda s: svm_reference(s, targets, margin, reduction), scores)
    np.testing.assert_allclose(np.reshape(solution["dL/ds"].value, expected.shape), expected, atol=1e-6)


def test_the_shift_keeps_large_scores_finite():
    # e^1000 overflows a float; shifted by 1001 the scores are −1 and 0.
    solution = softmax.solve(softmax.Given(scores=[1000.0, 1001.0], target=1))
    assert solution["shift"].value == 1001.0
    np.testing.assert_allclose(solution["s_shifted"].value, [-1.0, 0.0])
    e = math.exp(-1)
    np.testing.assert_allclose(solution["p"].value, [e / (1 + e), 1 / (1 + e)])
    assert solution["L"].value == pytest.approx(math.log(1 + e))


def test_cs231n_worked_example_agrees_with_its_published_answers(cli):
    for name in ("softmax_cs231n_cat.yaml", "svm_cs231n_three_images.yaml"):
        result = cli("check", PROBLEMS / name, "--json")
        assert result.code == 0, result.out
        assert all(entry["agrees"] for entry in json.loads(result.out)["results"])
    by_hand = svm.solve(load_problem(PROBLEMS / "svm_cs231n_three_images.yaml").given)
    # (2.9 + 0 + 12.9) / 3; the frog image: max(0, 2.2 + 3.1 + 1) + max(0, 2.5 + 3.1 + 1).
    assert by_hand["L"].value == pytest.approx(15.8 / 3)
    np.testing.assert_allclose(by_hand["dL/ds"].value[2], np.array([1, 1, -2]) / 3)


@pytest.mark.parametrize(
    ("kind", "step", "mistake", "expected"),
    [
        # One row, scores 2, 1, 0.1, class 0: p = e^s / Σ e^s.
        ("softmax", "dL/ds", "p_instead_of_p_minus_y", np.exp([2, 1, 0.1]) / np.exp([2, 1, 0.1]).sum()),
        ("softmax", "L", "log10_instead_of_ln", -math.log10(math.exp(2) / np.exp([2, 1, 0.1]).sum())),
        # SVM, class 0: margins 0, 1 − 2 + 1 = 0, 0.1 − 2 + 1 < 0; with the true class counted, Δ = 1 more.
        ("svm", "L", "true_class_counted", 1.0),
    ],
)
def test_named_mistakes_give_the_wrong_numbers_students_get(kind, step, mistake, expected):
    module = softmax if kind == "softmax" else svm
    solution = module.solve(module.Given(scores=[2.0, 1.0, 0.1], target=0))
    assert solution.evaluate(variant=("*", mistake))[step] == pytest.approx(expected)


def test_svm_mistake_at_the_true_class_gradient():
    solution = svm.solve(svm.Given(scores=[3.2, 5.1, -1.7], target=0))
    np.testing.assert_allclose(solution["dL/ds"].value, [-1, 1, 0])
    wrong = solution.evaluate(variant=("dL/ds", "true_class_gradient_forgotten"))["dL/ds"]
    np.testing.assert_allclose(wrong, [0, 1, 0])


@pytest.mark.parametrize("scores", [[1000.0, -1000.0, 0.0], [[1000.0, -1000.0, 0.0], [0.0, 1.0, 2.0]]])
def test_a_probability_too_small_for_a_float_still_gives_the_loss(scores):
    """p_y = e^-2000 is 0 in floats; L = −log p_y = 2000 all the same (the log-sum-exp form), and the sheet says so."""
    targets = 1 if np.ndim(scores) == 1 else [1, 1]
    solution = softmax.solve(softmax.Given(scores=scores, target=targets))
    rows = [scores] if np.ndim(scores) == 1 else scores
    # −s_y + log Σ_j e^(s_j), with the largest score taken out of the sum so that e^1000 is never formed.
    losses = [-row[1] + max(row) + math.log(math.fsum(math.exp(v - max(row)) for v in row)) for row in rows]
    assert solution["L"].value == pytest.approx(math.fsum(losses) / len(losses))
    assert "smaller than the smallest float" in (solution["L" if np.ndim(scores) == 1 else "L_i"].note or "")


def test_batch_mistakes_of_the_reduction():
    scores, targets = [[2.0, 1.0], [0.0, 3.0]], [0, 0]
    solution = softmax.solve(softmax.Given(scores=scores, target=targets))
    summed = solution.evaluate(variant=("L", "sum_instead_of_mean"))["L"]
    assert summed == pytest.approx(cross_entropy_reference(scores, targets, "sum"))
    whole = solution.evaluate(variant=("dL/ds", "mean_forgotten_in_gradient"))["dL/ds"]
    np.testing.assert_allclose(whole, 2 * np.asarray(solution["dL/ds"].value))
    # −log10 p = −ln p / ln 10, example by example, and so in their mean.
    base_10 = solution.evaluate(variant=("L_i", "log10_instead_of_ln"))
    np.testing.assert_allclose(base_10["L_i"], np.asarray(solution["L_i"].value) / math.log(10))
    assert base_10["L"] == pytest.approx(solution["L"].value / math.log(10))


def test_commands_print_the_steps(cli):
    result = cli("softmax", "2.0 1.0 0.1", "--target", "0", "--json")
    assert result.code == 0, result.err
    answers = json.loads(result.out)["answers"]
    p = np.exp([2, 1, 0.1]) / np.exp([2, 1, 0.1]).sum()
    assert answers["L"] == pytest.approx(-math.log(p[0]))
    np.testing.assert_allclose(answers["dL/ds"], p - [1, 0, 0])
    batch = cli("svm", "3.2 5.1 -1.7; 1.3 4.9 2.0", "-t", "0,1", "--reduction", "sum", "--json")
    assert json.loads(batch.out)["answers"]["L"] == pytest.approx(2.9)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["softmax", "1 2 3", "--target", "3"], "target class 3 does not exist; expected 0..2"),
        (["softmax", "1 2 3", "--target", "0.5"], "--target: '0.5' is not a class index"),
        (["softmax", "1 2; 3 4", "--target", "0"], "target gives 1 class(es) for 2 row(s)"),
        (
            ["softmax", "1 2 3", "--target", "0", "--reduction", "avg"],
            "unknown reduction 'avg'; expected one of: mean, sum",
        ),
        (["svm", "1 2 3", "--target", "0", "--margin", "0"], "margin 0: expected Δ > 0"),
        (["svm", "5", "--target", "0"], "expected a row of at least 2 class scores"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, args, message):
    result = cli(*args)
    assert result.code == 2
    assert result.err.startswith("nnsolve: error: ") and result.err.count("\n") == 1
    assert message in result.err
