"""Quick commands ``nnsolve batchnorm``, ``layernorm`` and ``dropout``: a small batch worked from the command line."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from solver.cli.maps import MATRIX_ARGUMENTS
from solver.cli.output import FormatOption, JsonOption, OutputFormat, chosen_format, emit
from solver.graph.errors import InputError

Batch = Annotated[str, typer.Argument(help="The batch, an example per row: '1 2; 3 4; 5 6', or a file.")]
Gamma = Annotated[str | None, typer.Option("--gamma", help="Scale γ, one per feature (default 1).")]
Beta = Annotated[str | None, typer.Option("--beta", help="Shift β, one per feature (default 0).")]
Eps = Annotated[float, typer.Option("--eps", help="ε added to the variance.")]
Upstream = Annotated[
    str | None, typer.Option("--grad", help="Upstream gradient dL/dy, the batch's shape: adds the backward pass.")
]


#: Given field -> the argument or option that sets it, for error messages.
OPTIONS = {"x": "X", "gamma": "--gamma", "beta": "--beta", "eps": "--eps", "dL_dy": "--grad"}
BATCHNORM_OPTIONS = OPTIONS | {
    "running_mean": "--running-mean",
    "running_var": "--running-var",
    "momentum": "--momentum",
    "x_test": "--test",
}


def _row(text: str | None, option: str) -> Any:
    """Per-feature numbers from text ('1.5 0.5'), as the kinds take them."""
    if text is None:
        return None
    from solver.files.matrices import load_matrix

    return load_matrix(text, option).reshape(-1).tolist()


def _solve(kind: Any, given: Any, options: dict[str, str], fmt: OutputFormat, as_json: bool) -> None:
    """Solve and print; an error in a field is placed at the option that gave it."""
    try:
        solution = kind.solve(given)
    except InputError as error:
        raise error.located(options.get(error.field or "", f"nnsolve {kind.KIND}")) from None
    emit(solution, chosen_format(fmt, as_json))


def batchnorm(
    x: Batch,
    gamma: Gamma = None,
    beta: Beta = None,
    eps: Eps = 1e-5,
    grad: Upstream = None,
    running_mean: Annotated[
        str | None, typer.Option("--running-mean", help="Running mean before the batch (default 0).")
    ] = None,
    running_var: Annotated[
        str | None, typer.Option("--running-var", help="Running variance before the batch (default 1).")
    ] = None,
    momentum: Annotated[float, typer.Option("--momentum", help="PyTorch's momentum: the batch's weight.")] = 0.1,
    test: Annotated[
        str | None, typer.Option("--test", help="An input at test time, normalized with the running statistics.")
    ] = None,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
) -> None:
    """Batch normalization: each feature's mean and variance over the batch, x̂, γx̂ + β; gradients; running stats."""
    from solver.kinds.norm import batchnorm as kind

    given = kind.Given(
        x=x,
        gamma=_row(gamma, "--gamma"),
        beta=_row(beta, "--beta"),
        eps=eps,
        dL_dy=grad,
        running_mean=_row(running_mean, "--running-mean"),
        running_var=_row(running_var, "--running-var"),
        momentum=momentum,
        x_test=test,
    )
    _solve(kind, given, BATCHNORM_OPTIONS, fmt, as_json)


def layernorm(
    x: Batch,
    gamma: Gamma = None,
    beta: Beta = None,
    eps: Eps = 1e-5,
    grad: Upstream = None,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
) -> None:
    """Layer normalization: each example's mean and variance over its features, x̂, γx̂ + β; gradients."""
    from solver.kinds.norm import layernorm as kind

    given = kind.Given(x=x, gamma=_row(gamma, "--gamma"), beta=_row(beta, "--beta"), eps=eps, dL_dy=grad)
    _solve(kind, given, OPTIONS, fmt, as_json)


def dropout(
    x: Annotated[str, typer.Argument(help="The input: '1 2 3', '1 2; 3 4', or a file.")],
    mask: Annotated[str, typer.Option("--mask", help="1 for a kept unit, 0 for a dropped one; the shape of X.")],
    p: Annotated[float, typer.Option("--p", "-p", help="Probability of dropping a unit, in [0, 1).")],
    grad: Upstream = None,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
) -> None:
    """Inverted dropout with a given mask: kept units scaled by 1/(1 − p); the gradient through the same mask."""
    from solver.kinds.norm import dropout as kind

    given = kind.Given(x=x, mask=mask, p=p, dL_dy=grad)
    _solve(kind, given, OPTIONS | {"mask": "--mask", "p": "--p"}, fmt, as_json)


def register(app: typer.Typer) -> None:
    app.command("batchnorm", context_settings=MATRIX_ARGUMENTS)(batchnorm)
    app.command("layernorm", context_settings=MATRIX_ARGUMENTS)(layernorm)
    app.command("dropout", context_settings=MATRIX_ARGUMENTS)(dropout)
