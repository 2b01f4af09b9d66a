"""Kind ``conv1d``: a 1-D convolution of a sequence (a signal, or embeddings over time), cell by cell.

A sequence of length L (or C channels of it, C x L) and kernels of length K (or
C x K) give one output sequence per kernel: at each position the window under
the kernel is multiplied entry by entry and summed, as PyTorch's Conv1d (cross-
correlation).  Stride, zero padding on both ends ('same' and 'valid' too) and
dilation act along the length: ``floor((L + 2P − D(K − 1) − 1)/S) + 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from solver.files.matrices import MatrixData, matrix_from_data
from solver.graph.blocks import Grid
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Step, Variant
from solver.graph.values import Shape, counted
from solver.kinds import GIVEN_CONFIG
from solver.kinds.maps.cells import conv_cell_lines
from solver.kinds.maps.conv import check_work, numbered, read_biases, read_kernels
from solver.math.sizes import parse_dims, require_positive
from solver.math.sliding import correlate, pad_planes
from solver.math.windows import Axis, add_axis_steps, check_fits, padding_per_axis

KIND = "conv1d"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    sequence: MatrixData
    """The sequence: L numbers, or C rows of L (channels); '1 2 3', nested lists or a .txt/.csv/.npy path."""
    kernel: MatrixData | None = None
    """One kernel: K numbers, or C rows of K for a C-channel sequence."""
    kernels: list[MatrixData] | None = None
    """Several kernels of one length: one output sequence each (feature_map1, feature_map2, ...)."""
    bias: float | list[float] | None = None
    """Bias added to each output: one number per kernel."""
    stride: int = 1
    """Stride along the sequence."""
    padding: int | str = 0
    """Zero padding at both ends: a number, 'same' (stride 1 only) or 'valid'."""
    dilation: int = 1
    """Dilation: the kernel's taps D positions apart; 1 is an ordinary kernel."""


def read_rows(data: MatrixData, what: str) -> np.ndarray:
    """(C, L) from a field: a row of numbers is one channel."""
    try:
        array = matrix_from_data(data, what)
    except InputError as error:
        error.field = error.field or what
        raise
    if array.ndim > 2:
        raise InputError(f"{what} has {array.ndim} axes; expected L numbers or C rows of L", field=what)
    return np.atleast_2d(array)


def _kernel_planes(data: MatrixData, what: str) -> np.ndarray:
    """A kernel as C x 1 x K planes: one row of K taps per channel."""
    return read_rows(data, what)[:, None, :]


def solve(given: Given, title: str | None = None) -> Solution:
    sequence = read_rows(given.sequence, "sequence")
    kernels = [
        planes[:, 0]
        for planes in read_kernels(
            given.kernel, given.kernels, sequence.shape[0], read=_kernel_planes, input_word="sequence", kernel_shape="K"
        )
    ]
    biases = read_biases(given.bias, len(kernels))
    (stride,) = parse_dims(given.stride, "stride", max_dims=1)
    (dilation,) = parse_dims(given.dilation, "dilation", max_dims=1)
    require_positive((stride,), "stride")
    require_positive((dilation,), "dilation")
    length, kernel_length = sequence.shape[1], kernels[0].shape[1]
    (_, (before, after)) = padding_per_axis(given.padding, (1, kernel_length), (1, dilation), (1, stride))
    axis = Axis(length, kernel_length, stride, before, after, dilation)
    check_work([axis], sequence.shape[0], len(kernels))
    check_fits(axis, "kernel", "length")

    count = len(kernels)
    shown = "×".join(map(str, sequence.shape)) if sequence.shape[0] > 1 else f"{length}-long"
    solution = Solution(
        KIND,
        title or f"1-D convolution of a {shown} sequence with {counted(count, 'kernel')} of length {kernel_length}",
    )
    flat = sequence.shape[0] == 1
    solution.given("sequence", "the sequence", sequence[0] if flat else sequence)
    for n, (kernel, bias) in enumerate(zip(kernels, biases, strict=True), 1):
        solution.given(
            numbered("kernel", n, count), f"kernel {n}" if count > 1 else "the kernel", kernel[0] if flat else kernel
        )
        if bias is not None:
            solution.given(numbered("bias", n, count), "bias", bias)
    out = add_axis_steps(solution, axis, "", sequence=True)
    deps: tuple[str, ...] = (out,)
    if count > 1:
        solution.given("n_kernels", "number of kernels: one output sequence each", count)
        deps += ("n_kernels",)
    solution.add(
        Step(
            "output_size",
            "output length" + (" × number of kernels" if count > 1 else ""),
            deps=deps,
            compute=lambda *sizes: Shape(sizes),
            formula=Template(" × ".join(f"{{{d}}}" for d in deps), r" \times ".join(f"{{{d}}}" for d in deps)),
        )
    )
    source = "sequence"
    if before or after:
        source = "padded_sequence"
        pads = ((0, 0), (before, after))
        solution.add(
            Step(
                source,
                f"zero padding: {before} zero(s) before, {after} after",
                deps=("sequence",),
                compute=lambda seq: pad_planes(np.atleast_2d(np.asarray(seq, dtype=float)), pads)[
                    0 if flat else slice(None)
                ],
                formula=Template("pad({sequence})"),
            )
        )
    for n, bias in enumerate(biases, 1):
        _add_output(solution, source, n, count, bias, stride, dilation, flat)
    return solution


def _add_output(
    solution: Solution, source: str, n: int, count: int, bias: float | None, stride: int, dilation: int, flat: bool
) -> None:
    """Output sequence ``n``: at each position the window times the kernel, summed over the channels."""
    kernel_name, name = numbered("kernel", n, count), numbered("feature_map", n, count)
    bias_name = numbered("bias", n, count) if bias is not None else None

    def convolved(seq: Any, kernel: Any, *b: float, reverse: bool = False) -> np.ndarray:
        planes = np.atleast_2d(np.asarray(seq, dtype=float))[:, None, :]  # (C, 1, L)
        weights = np.atleast_2d(np.asarray(kernel, dtype=float))[None, :, None, :]  # (1, C, 1, K)
        if reverse:
            weights = weights[..., ::-1]
        result = correlate(planes, weights, np.array(b) if b else None, stride=(1, stride), dilation=(1, dilation))
        return result[0, 0]

    plus_bias = f" + {{{bias_name}}}" if bias_name else ""
    value = solution.add(
        Step(
            name,
            f"output{f' {n}' if count > 1 else ''}: at each position, the window times the kernel, summed",
            deps=(source, kernel_name) + ((bias_name,) if bias_name else ()),
            compute=convolved,
            formula=Template(
                f"{{{source}}} ⋆ {{{kernel_name}}}{plus_bias}", rf"{{{source}}} \star {{{kernel_name}}}{plus_bias}"
            ),
            variants=(
                Variant(
                    "flipped_kernel",
                    "A 1-D convolution layer computes cross-correlation: slide the kernel as given, not reversed.",
                    lambda seq, kernel, *b: convolved(seq, kernel, *b, reverse=True),
                ),
            ),
        )
    )
    padded = np.atleast_2d(np.asarray(solution[source].value, dtype=float))[:, None, :]
    kernel = np.atleast_2d(np.asarray(solution[kernel_name].value, dtype=float))[:, None, :]
    step = solution[name]
    step.detail = conv_cell_lines(name, padded, kernel, bias, value[None], (1, stride), (1, dilation), sequence=True)
    window = tuple((0, c) for c in range(0, dilation * (kernel.shape[-1] - 1) + 1, dilation))
    step.views = (
        Grid(f"{{{source}}}", np.atleast_2d(solution[source].value), window, f"[ ] the window of {{{name}}}[1]"),
        Grid(f"{{{name}}}", value[None], ((0, 0),), "[ ] the cell being computed"),
    )
