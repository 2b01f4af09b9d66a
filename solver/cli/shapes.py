"""Quick commands for sizes: conv-size, pool-size, conv-stack."""

from __future__ import annotations

from typing import Annotated

import typer

from solver.cli.output import (
    WINDOW_OPTIONS,
    FormatOption,
    JsonOption,
    OutputFormat,
    chosen_format,
    emit,
    solve_naming_options,
)

Input = Annotated[str, typer.Argument(help="Input size: 12, 12x12 or 39x39x3 (height x width x channels).")]


def conv_size(
    input: Input,
    kernel: Annotated[str, typer.Option("--kernel", "-k", help="Kernel size: 3 or 3x5.")],
    stride: Annotated[str, typer.Option("--stride", "-s", help="Stride: 1 or HxW.")] = "1",
    padding: Annotated[str, typer.Option("--padding", "-p", help="Padding: 0, HxW, same or valid.")] = "0",
    dilation: Annotated[str, typer.Option("--dilation", "-d", help="Dilation: 1 or HxW.")] = "1",
    filters: Annotated[int | None, typer.Option("--filters", "-n", help="Number of filters (output channels).")] = None,
    transposed: Annotated[
        bool, typer.Option("--transposed", help="Transposed convolution: (H-1)S - 2P + D(K-1) + output_padding + 1.")
    ] = False,
    output_padding: Annotated[
        str, typer.Option("--output-padding", help="Transposed only: cells added at the end (below the stride).")
    ] = "0",
    groups: Annotated[
        int, typer.Option("--groups", "-g", help="Groups: each filter sees C/groups channels; counts parameters.")
    ] = 1,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
) -> None:
    """Output size of a convolution: floor((H + 2P - D(K-1) - 1)/S) + 1 per axis (or a transposed one's)."""
    from solver.kinds.sizes import conv_size as kind

    given = kind.Given(
        input=input,
        kernel=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        filters=filters,
        transposed=transposed,
        output_padding=output_padding,
        groups=groups,
    )
    options = {**WINDOW_OPTIONS, "kernel": "--kernel", "filters": "--filters"}
    emit(solve_naming_options(kind.solve, given, options), chosen_format(fmt, as_json))


def pool_size(
    input: Input,
    window: Annotated[str, typer.Option("--window", "-w", help="Pooling window: 2 or 2x3.")],
    stride: Annotated[str | None, typer.Option("--stride", "-s", help="Stride (default: the window).")] = None,
    padding: Annotated[str, typer.Option("--padding", "-p", help="Padding on each side.")] = "0",
    ceil: Annotated[bool, typer.Option("--ceil", help="Ceil mode, as PyTorch's ceil_mode.")] = False,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
) -> None:
    """Output size of a pooling layer (stride defaults to the window)."""
    from solver.kinds.sizes import pool_size as kind

    given = kind.Given(input=input, window=window, stride=stride, padding=padding, ceil=ceil)
    emit(kind.solve(given), chosen_format(fmt, as_json))


def conv_stack(
    input: Annotated[
        str,
        typer.Argument(
            help="Input size: 39x39x3 (height x width x channels; 3x39x39 with --layout chw), 28x28 (one "
            "channel), a sequence before a 1-D or recurrent layer (1x8000: channels x length in PyTorch, 8000x1 in "
            "Keras) or a length of token ids."
        ),
    ],
    layers: Annotated[
        list[str],
        typer.Argument(
            help="Layers: 'conv k=3 n=10 s=1 p=0', 'maxpool k=2', 'flatten', 'dense n=10', 'relu', "
            "'conv1d k=7 n=128 s=3', 'maxpool1d k=4', 'globalmaxpool1d', 'embedding v=1000 n=64', 'lstm n=128', "
            "'batchnorm', ..."
        ),
    ],
    framework: Annotated[
        str,
        typer.Option("--framework", help="Count parameters (and lay out sequences) as pytorch or keras does."),
    ] = "pytorch",
    layout: Annotated[
        str | None,
        typer.Option(
            "--layout",
            help="How an image is written and shown: hwc (height x width x channels, the default) or chw "
            "(channels first, as PyTorch: 3x32x32).",
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
) -> None:
    """Shapes and parameter counts through a stack of conv (2-D and 1-D), pooling, dense, recurrent and normalization
    layers."""
    from solver.kinds.sizes import conv_stack as kind
    from solver.kinds.sizes.layers import split_layer_words

    given = kind.Given(input=input, layers=split_layer_words(layers), framework=framework, layout=layout)
    emit(kind.solve(given), chosen_format(fmt, as_json))


def register(app: typer.Typer) -> None:
    app.command("conv-size")(conv_size)
    app.command("pool-size")(pool_size)
    app.command("conv-stack")(conv_stack)
