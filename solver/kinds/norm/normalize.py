"""What batch and layer normalization share: statistics along one axis, x̂, scale and shift, and backward.

A batch is N × D: an example per row, a feature per column.  Batch normalization
takes each feature's mean and variance over the batch (axis 0), layer
normalization each example's over its features (axis 1).  Both divide by
√(σ² + ε) with the biased variance (divided by the count, as PyTorch normalizes)
and then scale and shift each feature by γ and β.

Backward from a given upstream gradient dL/dy, with M values per statistic:
dL/dβ = Σ_n dL/dy, dL/dγ = Σ_n dL/dy ⊙ x̂ (γ and β are per feature, so both sum
over the batch), dL/dx̂ = dL/dy ⊙ γ, and, through the mean and variance as well,
dL/dx = (M·dL/dx̂ − Σ dL/dx̂ − x̂ ⊙ Σ (dL/dx̂ ⊙ x̂)) / (M·√(σ² + ε)), the sums along the axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.files.matrices import matrix_from_data
from solver.graph.arrays import ArraySteps
from solver.graph.blocks import Block, Math
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Variant
from solver.graph.values import counted, format_number
from solver.math.limits import MAX_BATCH_ENTRIES, require_at_most


@dataclass(frozen=True)
class Axis:
    """Where the statistics are taken: over the batch (batchnorm) or over an example's features (layernorm)."""

    index: int
    #: The count's letter in formulas (N examples, D features) and the summation index.
    letter: str
    #: What one statistic belongs to: a feature (a column) or an example (a row).
    owner: str

    def sum(self, value: np.ndarray) -> np.ndarray:
        return value.sum(axis=self.index, keepdims=True)

    def mean(self, value: np.ndarray) -> np.ndarray:
        return value.mean(axis=self.index, keepdims=True)

    @property
    def sigma(self) -> str:
        return f"Σ_{self.letter.lower()}"


OVER_BATCH = Axis(0, "N", "feature")
OVER_FEATURES = Axis(1, "D", "example")


def normalize_batch(kind: str, given: Any, batch: np.ndarray, axis: Axis, title: str | None) -> ArraySteps:
    """What both kinds work: x, γ, β and ε given, the forward pass, and the backward pass when dL/dy is given."""
    if given.eps < 0:
        raise InputError(f"eps must be 0 or more, got {given.eps}", field="eps")
    _refuse_a_zero_root(batch, axis, given.eps)
    examples, features = batch.shape
    what = "Batch normalization" if axis is OVER_BATCH else "Layer normalization"
    sizes = f"{counted(examples, 'example')} × {counted(features, 'feature')}"
    steps = ArraySteps(Solution(kind, title or f"{what} of {sizes}: forward and backward"))
    steps.given("x", "the batch (an example per row)", batch)
    for name, default, role in (("gamma", 1.0, "scale γ"), ("beta", 0.0, "shift β")):
        steps.given(name, f"{role} per feature", read_per_feature(getattr(given, name), name, features, default))
    steps.given("eps", "ε added to the variance", np.array(given.eps))
    add_normalization(steps, axis, batch)
    if given.dL_dy is not None:
        steps.given("dL/dy", "upstream gradient", read_like(given.dL_dy, "dL_dy", batch.shape, "the shape of x"))
        add_backward(steps, axis, batch.shape[axis.index])
    return steps


def _refuse_a_zero_root(batch: np.ndarray, axis: Axis, eps: float) -> None:
    """With ε = 0, a feature (or example) whose values are all equal has √(var + ε) = 0 to divide by."""
    if eps > 0:
        return
    constant = np.flatnonzero(np.ptp(batch, axis=axis.index) == 0)
    if constant.size:
        raise InputError(
            f"eps = 0 and {axis.owner} {constant[0] + 1} has variance 0 (all its values are equal), "
            "so x_hat would divide by √(var + eps) = 0; expected eps > 0 (PyTorch's default is 1e-5)",
            field="eps",
        )


def read_matrix(data: Any, field: str) -> np.ndarray:
    """An array from a field (numbers, lists, matrix text or a file), bounded because each entry is worked."""
    try:
        array = matrix_from_data(data, field)
    except InputError as error:
        raise InputError(error.message, field=field) from None
    require_at_most(array.size, MAX_BATCH_ENTRIES, f"the entries of {field}", field)
    return array


def _shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def read_batch(data: Any, field: str, flat_is_batch: bool) -> np.ndarray:
    """An N × D batch; a flat list is N examples of one feature (``flat_is_batch``) or one example of D features."""
    batch = read_matrix(data, field)
    if batch.ndim == 1:
        batch = batch.reshape(-1, 1) if flat_is_batch else batch.reshape(1, -1)
    if batch.ndim != 2 or batch.size == 0:
        raise InputError(
            f"{field} has shape {_shape_text(batch.shape)}; expected a batch N × D "
            "(an example per row, a feature per column)",
            field=field,
        )
    return batch


def read_like(data: Any, field: str, shape: tuple[int, ...], what: str) -> np.ndarray:
    """An array of exactly ``shape`` (a gradient or a mask); a flat list serves a single row or column."""
    array = read_matrix(data, field)
    flat_for_vector = array.ndim == 1 and array.size == max(shape) == int(np.prod(shape))
    if array.shape != shape and not flat_for_vector:
        raise InputError(
            f"{field} has shape {_shape_text(array.shape)}; expected {_shape_text(shape)} ({what})", field=field
        )
    return array.reshape(shape)


def read_per_feature(data: Any, field: str, features: int, default: float) -> np.ndarray:
    """A 1 × D row of per-feature values (γ, β, running statistics); one number serves every feature."""
    if data is None:
        return np.full((1, features), default)
    row = np.atleast_1d(np.asarray(data, dtype=float)).reshape(-1)
    if row.size == 1:
        return np.full((1, features), row[0])
    if row.size != features:
        raise InputError(f"{field} has {row.size} entries; expected {features}, one per feature", field=field)
    return row.reshape(1, -1)


def _averaged(terms: list[str], count: int, result: float) -> str:
    return f"({' + '.join(terms)})/{count} = {format_number(result)}"


def statistic_lines(batch: np.ndarray, axis: Axis) -> tuple[list[Block], list[Block]]:
    """Each mean and variance worked from its numbers: ``mean[2] = (1 + 3 + 5)/3 = 3``."""
    means, variances = axis.mean(batch), batch.var(axis=axis.index, keepdims=True)
    mean_lines: list[Block] = []
    var_lines: list[Block] = []
    lines = batch.T if axis.index == 0 else batch
    for i, values in enumerate(lines):
        mean, var = means.reshape(-1)[i], variances.reshape(-1)[i]
        numbers = [f"({format_number(float(v))})" if v < 0 else format_number(float(v)) for v in values]
        squares = [f"({format_number(float(v))} − {format_number(float(mean))})²" for v in values]
        label = f"{axis.owner} {i + 1}"
        mean_lines.append(
            Math(f"{{mean}}[{i + 1}] = " + _averaged(numbers, len(values), mean), label=label, names=("mean",))
        )
        var_lines.append(
            Math(f"{{var}}[{i + 1}] = " + _averaged(squares, len(values), var), label=label, names=("var",))
        )
    return mean_lines, var_lines


def normalized(x: np.ndarray, mean: np.ndarray, var: np.ndarray, eps: np.ndarray) -> np.ndarray:
    return (x - mean) / np.sqrt(var + eps)


def add_normalization(steps: ArraySteps, axis: Axis, batch: np.ndarray) -> None:
    """mean, var, x_hat and y from the given x, gamma, beta and eps."""
    count, sigma = batch.shape[axis.index], axis.sigma
    mean_lines, var_lines = statistic_lines(batch, axis)
    steps.add(
        "mean",
        f"mean of each {axis.owner}",
        ("x",),
        axis.mean,
        Template(f"(1/{count})·{sigma} {{x}}"),
        detail=mean_lines,
    )
    steps.add(
        "var",
        f"variance of each {axis.owner} (biased: divided by {axis.letter} = {count})",
        ("x", "mean"),
        lambda x, mean: axis.mean((x - mean) ** 2),
        Template(f"(1/{count})·{sigma} ({{x}} − {{mean}})²"),
        detail=var_lines,
        mistakes=[
            Variant(
                "unbiased_variance",
                f"Normalization divides by {axis.letter}, not {axis.letter} − 1: the biased variance of the batch.",
                lambda x, mean: ((x - mean) ** 2).sum(axis=axis.index, keepdims=True) / max(count - 1, 1),
            )
        ],
    )
    steps.add(
        "x_hat",
        "normalized values",
        ("x", "mean", "var", "eps"),
        normalized,
        Template("({x} − {mean}) / √({var} + {eps})", r"\frac{{x} - {mean}}{\sqrt{{var} + {eps}}}"),
    )
    steps.add(
        "y",
        "output: scaled and shifted",
        ("gamma", "x_hat", "beta"),
        lambda gamma, x_hat, beta: gamma * x_hat + beta,
        Template("{gamma} ⊙ {x_hat} + {beta}"),
    )


def add_backward(steps: ArraySteps, axis: Axis, count: int) -> None:
    """dL/dbeta, dL/dgamma, dL/dx_hat and dL/dx from the given upstream gradient dL/dy."""
    steps.add(
        "dL/dbeta",
        "gradient of {beta} (summed over the batch)",
        ("dL/dy",),
        lambda dy: dy.sum(axis=0, keepdims=True),
        Template("Σ_n {dL/dy}"),
    )
    steps.add(
        "dL/dgamma",
        "gradient of {gamma} (summed over the batch)",
        ("dL/dy", "x_hat"),
        lambda dy, x_hat: (dy * x_hat).sum(axis=0, keepdims=True),
        Template("Σ_n {dL/dy} ⊙ {x_hat}"),
        mistakes=[
            Variant(
                "gamma_gradient_not_summed",
                "γ is shared by every example: its gradient sums dL/dy ⊙ x̂ over the batch.",
                lambda dy, x_hat: (dy * x_hat).mean(axis=0, keepdims=True),
            )
        ],
    )
    steps.add(
        "dL/dx_hat",
        "gradient of the normalized values",
        ("dL/dy", "gamma"),
        lambda dy, gamma: dy * gamma,
        Template("{dL/dy} ⊙ {gamma}"),
    )
    sigma, letter = axis.sigma, axis.letter
    steps.add(
        "dL/dx",
        "gradient of the input, through the mean and the variance too",
        ("dL/dx_hat", "x_hat", "var", "eps"),
        lambda dx_hat, x_hat, var, eps: input_gradient(axis, dx_hat, x_hat, var, eps),
        Template(
            f"({count}·{{dL/dx_hat}} − {sigma} {{dL/dx_hat}} − {{x_hat}} ⊙ {sigma} ({{dL/dx_hat}} ⊙ {{x_hat}}))"
            f" / ({count}·√({{var}} + {{eps}}))",
            rf"\frac{{{count} \, {{dL/dx_hat}} - \sum_{letter.lower()} {{dL/dx_hat}} - {{x_hat}} \odot "
            rf"\sum_{letter.lower()} ({{dL/dx_hat}} \odot {{x_hat}})}}{{{count} \sqrt{{{{var}} + {{eps}}}}}}",
        ),
        mistakes=[
            Variant(
                "statistics_held_constant",
                "The mean and the variance depend on every input: dL/dx has the two extra terms through them, "
                "not just dL/dx̂ / √(σ² + ε).",
                lambda dx_hat, x_hat, var, eps: dx_hat / np.sqrt(var + eps),
            )
        ],
    )


def input_gradient(axis: Axis, dx_hat: np.ndarray, x_hat: np.ndarray, var: np.ndarray, eps: np.ndarray) -> np.ndarray:
    count = dx_hat.shape[axis.index]
    through_statistics = axis.sum(dx_hat) + x_hat * axis.sum(dx_hat * x_hat)
    return (count * dx_hat - through_statistics) / (count * np.sqrt(var + eps))
