"""Quick commands for dense networks: neuron and loss."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from solver.cli.output import FormatOption, JsonOption, OutputFormat, chosen_format, emit
from solver.graph.errors import InputError

Numbers = Annotated[str, typer.Option(help="A number or a comma-separated list: 0.2,0.3,0.9")]


def parse_numbers(text: str, option: str) -> float | list[float]:
    """``"0.2, 0.3"`` -> [0.2, 0.3]; ``"1"`` -> 1.0."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a number or a comma-separated list of numbers") from None
    if not values:
        raise InputError(f"{option}: empty; expected a number or a comma-separated list")
    return values[0] if len(values) == 1 else values


def _solve(solve: Callable[[Any], Any], given: Any, options: dict[str, str]) -> Any:
    """Solve, naming the command-line option an error is about."""
    try:
        return solve(given)
    except InputError as error:
        option = options.get((error.field or "").split(".")[0])
        raise (error.located(option) if option else error) from None


def neuron(
    w: Annotated[str | None, typer.Option("--w", help="Weight(s): 0.2,0.3,0.9 (not with --symbolic).")] = None,
    x: Annotated[str | None, typer.Option("--x", help="Input(s): 0.5,0.6,0.1 (not with --symbolic).")] = None,
    b: Annotated[float, typer.Option("--b", help="Bias.")] = 0.0,
    act: Annotated[str, typer.Option("--act", help="Not softmax: linear, relu, sigmoid, tanh, ...")] = "linear",
    y: Annotated[float | None, typer.Option("--y", help="Target: adds the loss and the gradients.")] = None,
    loss: Annotated[
        str | None, typer.Option("--loss", help="Any loss: mse (default), sse, half_squared, bce, ...")
    ] = None,
    lr: Annotated[float | None, typer.Option("--lr", help="Learning rate: adds the updated w and b.")] = None,
    upstream: Annotated[
        float | None, typer.Option("--upstream", help="dL/da given instead of --y and --loss: backpropagate it.")
    ] = None,
    input_gradients: Annotated[
        bool, typer.Option("--input-gradients", help="Add dL/dx, the gradient with respect to the input.")
    ] = False,
    symbolic: Annotated[bool, typer.Option("--symbolic", help="Derive with symbols w, x, b, y.")] = False,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
) -> None:
    """One neuron a = f(w·x + b): forward pass, loss, chain rule factor by factor, update."""
    from solver.kinds.dense import neuron as kind

    given = kind.Given(
        w=None if w is None else parse_numbers(w, "--w"),
        x=None if x is None else parse_numbers(x, "--x"),
        b=b,
        activation=act,
        y=y,
        loss=loss,
        learning_rate=lr,
        upstream=upstream,
        input_gradients=input_gradients,
        symbolic=symbolic,
    )
    options = {
        "w": "--w",
        "x": "--x",
        "b": "--b",
        "activation": "--act",
        "y": "--y",
        "loss": "--loss",
        "learning_rate": "--lr",
        "upstream": "--upstream",
    }
    emit(_solve(kind.solve, given, options), chosen_format(fmt, as_json))


def loss_table(
    y: Annotated[str, typer.Option("--y", help="Target(s): 1 or 0,1,0 (one-hot for cross_entropy, nll).")],
    y_hat: Annotated[str, typer.Option("--y-hat", help="Prediction(s), as many as targets.")],
    losses: Annotated[
        str | None, typer.Option("--losses", help="Comma-separated: mse,mae,huber,bce,cross_entropy,hinge,nll,...")
    ] = None,
    delta: Annotated[float, typer.Option("--delta", help="δ of the Huber loss.")] = 1.0,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
) -> None:
    """The loss table of seed 002: each loss and its derivative for given y and ŷ."""
    from solver.kinds.dense import loss as kind

    names = [n.strip() for n in losses.split(",") if n.strip()] if losses else list(kind.TABLE_LOSSES)
    given = kind.Given(
        y=parse_numbers(y, "--y"), y_hat=parse_numbers(y_hat, "--y-hat"), losses=names, huber_delta=delta
    )
    options = {"y": "--y", "y_hat": "--y-hat", "losses": "--losses", "huber_delta": "--delta"}
    emit(_solve(kind.solve, given, options), chosen_format(fmt, as_json))


def register(app: typer.Typer) -> None:
    app.command("neuron")(neuron)
    app.command("loss")(loss_table)
