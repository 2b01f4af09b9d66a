"""Quick commands for feature maps: conv and pool."""

from __future__ import annotations

from types import ModuleType
from typing import Annotated, Any

import typer

from solver.cli.output import (
    WINDOW_OPTIONS,
    FormatOption,
    FullOption,
    JsonOption,
    OutputFormat,
    chosen_format,
    emit,
    solve_naming_options,
)

MATRIX_HELP = "rows by ';', entries by spaces or commas ('1 0 1; 0 1 0'), JSON, or a .txt/.csv/.npy file"


def _kernels_and_bias(kernels: list[str], bias: list[float] | None) -> dict[str, Any]:
    """One kernel (and bias) as a file writes it, several as lists."""
    return {
        "kernel": kernels[0] if len(kernels) == 1 else None,
        "kernels": kernels if len(kernels) > 1 else None,
        "bias": (bias[0] if len(bias) == 1 else bias) if bias else None,
    }


def _solve_and_emit(kind: ModuleType, given: Any, fmt: str, full: bool) -> None:
    """Solve, naming the option a window error is about, and print the solution."""
    emit(solve_naming_options(kind.solve, given, WINDOW_OPTIONS), fmt, full)


def conv(
    image: Annotated[str, typer.Argument(help=f"The image (H x W, or C x H x W as JSON): {MATRIX_HELP}.")],
    kernels: Annotated[list[str], typer.Argument(help="One or more kernels, written like the image.")],
    stride: Annotated[str, typer.Option("--stride", "-s", help="Stride: 1 or HxW.")] = "1",
    padding: Annotated[str, typer.Option("--padding", "-p", help="Zero padding: 0, HxW, same or valid.")] = "0",
    padding_mode: Annotated[
        str, typer.Option("--padding-mode", help="What fills the padding: zero, reflect or replicate.")
    ] = "zero",
    dilation: Annotated[str, typer.Option("--dilation", "-d", help="Dilation: 1 or HxW.")] = "1",
    bias: Annotated[list[float] | None, typer.Option("--bias", "-b", help="Bias of each kernel (repeat).")] = None,
    groups: Annotated[
        int, typer.Option("--groups", "-g", help="Split the channels into groups; groups = channels is depthwise.")
    ] = 1,
    flip: Annotated[bool, typer.Option("--flip", help="True convolution: rotate the kernel by 180° first.")] = False,
    relu: Annotated[bool, typer.Option("--relu", help="Apply ReLU to each feature map.")] = False,
    pool: Annotated[
        str | None, typer.Option("--pool", help="Pool each map afterwards: MODE:WINDOW[:STRIDE], e.g. max:2.")
    ] = None,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
    full: FullOption = False,
) -> None:
    """Feature maps of an image, cell by cell (cross-correlation, as CNN libraries compute)."""
    from solver.graph.errors import InputError
    from solver.kinds.maps import conv as kind

    if padding_mode not in ("zero", "reflect", "replicate"):
        raise InputError(f"--padding-mode {padding_mode!r}: expected zero, reflect or replicate")

    given = kind.Given(
        image=image,
        **_kernels_and_bias(kernels, bias),
        stride=stride,
        padding=padding,
        padding_mode=padding_mode,  # type: ignore[arg-type]
        dilation=dilation,
        groups=groups,
        flip=flip,
        activation="relu" if relu else None,
        pool=kind.parse_pool_spec(pool) if pool else None,
    )
    _solve_and_emit(kind, given, chosen_format(fmt, as_json), full)


def pool(
    map: Annotated[str, typer.Argument(help=f"The map (H x W, or C x H x W as JSON): {MATRIX_HELP}.")],
    window: Annotated[str, typer.Option("--window", "-w", help="Pooling window: 2 or 2x3.")],
    stride: Annotated[str | None, typer.Option("--stride", "-s", help="Stride (default: the window).")] = None,
    padding: Annotated[str, typer.Option("--padding", "-p", help="Padding on each side.")] = "0",
    mode: Annotated[str, typer.Option("--mode", "-m", help="max, avg or min.")] = "max",
    ceil: Annotated[bool, typer.Option("--ceil", help="Ceil mode, as PyTorch's ceil_mode.")] = False,
    count_include_pad: Annotated[
        bool,
        typer.Option(
            "--count-include-pad/--no-count-include-pad", help="Average pooling: padding zeros count in the divisor."
        ),
    ] = True,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
    full: FullOption = False,
) -> None:
    """Max, average or min pooling of a map, window by window (stride defaults to the window)."""
    from solver.graph.errors import InputError
    from solver.kinds.maps import pool as kind

    if mode not in ("max", "avg", "min"):
        raise InputError(f"--mode {mode!r}: expected max, avg or min")
    given = kind.Given(
        map=map,
        window=window,
        stride=stride,
        padding=padding,
        mode=mode,  # type: ignore[arg-type]
        ceil=ceil,
        count_include_pad=count_include_pad,
    )
    _solve_and_emit(kind, given, chosen_format(fmt, as_json), full)


def conv_transpose(
    image: Annotated[str, typer.Argument(help=f"The input (H x W, or C x H x W as JSON): {MATRIX_HELP}.")],
    kernels: Annotated[list[str], typer.Argument(help="One or more kernels, written like the input.")],
    stride: Annotated[str, typer.Option("--stride", "-s", help="Stride: 1 or HxW.")] = "1",
    padding: Annotated[str, typer.Option("--padding", "-p", help="Cells cropped from each side: 0 or HxW.")] = "0",
    output_padding: Annotated[
        str, typer.Option("--output-padding", help="Cells kept at the end: below the stride or dilation.")
    ] = "0",
    dilation: Annotated[str, typer.Option("--dilation", "-d", help="Dilation: 1 or HxW.")] = "1",
    bias: Annotated[list[float] | None, typer.Option("--bias", "-b", help="Bias of each kernel (repeat).")] = None,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
    full: FullOption = False,
) -> None:
    """Transposed convolution: each input cell scatters a scaled copy of the kernel; copies add."""
    from solver.kinds.maps import transpose as kind

    given = kind.Given(
        image=image,
        **_kernels_and_bias(kernels, bias),
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    _solve_and_emit(kind, given, chosen_format(fmt, as_json), full)


def pad(
    map: Annotated[str, typer.Argument(help=f"The map (H x W, or C x H x W as JSON): {MATRIX_HELP}.")],
    padding: Annotated[str, typer.Option("--padding", "-p", help="Cells on each side: 1 or HxW.")],
    mode: Annotated[str, typer.Option("--mode", "-m", help="zero, reflect or replicate.")] = "zero",
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
    full: FullOption = False,
) -> None:
    """Pad a map with zeros, its mirror image (reflect) or its edge repeated (replicate)."""
    from solver.graph.errors import InputError
    from solver.kinds.maps import pad as kind

    if mode not in ("zero", "reflect", "replicate"):
        raise InputError(f"--mode {mode!r}: expected zero, reflect or replicate")
    given = kind.Given(map=map, padding=padding, mode=mode)  # type: ignore[arg-type]
    _solve_and_emit(kind, given, chosen_format(fmt, as_json), full)


SEQUENCE_HELP = "numbers by spaces or commas ('1 0 2'), channels as rows ('1 0 2; 3 1 0'), JSON, or a file"


def conv1d(
    sequence: Annotated[str, typer.Argument(help=f"The sequence (L, or C x L): {SEQUENCE_HELP}.")],
    kernels: Annotated[list[str], typer.Argument(help="One or more kernels, written like the sequence.")],
    stride: Annotated[int, typer.Option("--stride", "-s", help="Stride along the sequence.")] = 1,
    padding: Annotated[str, typer.Option("--padding", "-p", help="Zero padding at both ends: 0, same or valid.")] = "0",
    dilation: Annotated[int, typer.Option("--dilation", "-d", help="Dilation of the kernel.")] = 1,
    bias: Annotated[list[float] | None, typer.Option("--bias", "-b", help="Bias of each kernel (repeat).")] = None,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
    full: FullOption = False,
) -> None:
    """1-D convolution of a sequence, position by position (cross-correlation, as Conv1d)."""
    from solver.kinds.maps import conv1d as kind

    given = kind.Given(
        sequence=sequence,
        **_kernels_and_bias(kernels, bias),
        stride=stride,
        padding=int(padding) if padding.strip().lstrip("-").isdigit() else padding,
        dilation=dilation,
    )
    _solve_and_emit(kind, given, chosen_format(fmt, as_json), full)


def pool1d(
    sequence: Annotated[str, typer.Argument(help=f"The sequence (L, or C x L): {SEQUENCE_HELP}.")],
    window: Annotated[int, typer.Option("--window", "-w", help="Pooling window length.")],
    stride: Annotated[int | None, typer.Option("--stride", "-s", help="Stride (default: the window).")] = None,
    padding: Annotated[int, typer.Option("--padding", "-p", help="Padding at both ends.")] = 0,
    mode: Annotated[str, typer.Option("--mode", "-m", help="max, avg or min.")] = "max",
    ceil: Annotated[bool, typer.Option("--ceil", help="Ceil mode, as PyTorch's ceil_mode.")] = False,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
    full: FullOption = False,
) -> None:
    """Max, average or min pooling along a sequence (stride defaults to the window)."""
    from solver.graph.errors import InputError
    from solver.kinds.maps import pool1d as kind

    if mode not in ("max", "avg", "min"):
        raise InputError(f"--mode {mode!r}: expected max, avg or min")
    given = kind.Given(sequence=sequence, window=window, stride=stride, padding=padding, mode=mode, ceil=ceil)  # type: ignore[arg-type]
    _solve_and_emit(kind, given, chosen_format(fmt, as_json), full)


#: Matrices often start with a minus sign ("-1 0; 0 1"): such words are data, not options.
MATRIX_ARGUMENTS = {"ignore_unknown_options": True}


def register(app: typer.Typer) -> None:
    app.command("conv", context_settings=MATRIX_ARGUMENTS)(conv)
    app.command("pool", context_settings=MATRIX_ARGUMENTS)(pool)
    app.command("conv-transpose", context_settings=MATRIX_ARGUMENTS)(conv_transpose)
    app.command("pad", context_settings=MATRIX_ARGUMENTS)(pad)
    app.command("conv1d", context_settings=MATRIX_ARGUMENTS)(conv1d)
    app.command("pool1d", context_settings=MATRIX_ARGUMENTS)(pool1d)
