"""Quick commands ``nnsolve rnn``, ``lstm`` and ``gru``: forward pass and BPTT from the command line.

``lstm`` and ``gru`` take PyTorch's stacked weights (weight_ih, weight_hh and the two
biases); one matrix per gate is written in a problem file.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Annotated, Any

import typer

from solver.cli.output import FormatOption, FullOption, JsonOption, OutputFormat, chosen_format, emit
from solver.graph.errors import InputError

Matrix = Annotated[str, typer.Option(help="A matrix: rows by ';', entries by spaces ('0.5 -0.3; 0.1 0.4'), or a file.")]
ReductionOption = Annotated[
    str, typer.Option("--reduction", help="How --every-step's losses make the loss: mean (PyTorch's default) or sum.")
]
# The options every recurrent command shares: the sequence, the readout, the loss and the update.
TargetOption = Annotated[str, typer.Option("--y", help="Target(s); with --every-step one row per time step.")]
WordsOption = Annotated[str | None, typer.Option("--words", help="Inputs as words: 'Alice likes brownies'.")]
VocabularyOption = Annotated[str | None, typer.Option("--vocabulary", help="Words of the one-hot code, in order.")]
OutputBiasOption = Annotated[str | None, typer.Option("--by", help="Output bias.")]
InitialStateOption = Annotated[str | None, typer.Option("--h0", help="Initial hidden state (default zero).")]
OutputOption = Annotated[str, typer.Option("--out", help="Output activation: linear, sigmoid, softmax, ...")]
EveryStepOption = Annotated[bool, typer.Option("--every-step", help="An output at every step (many-to-many).")]
LossOption = Annotated[str, typer.Option("--loss", help="mse, bce, cross_entropy, ...")]
RateOption = Annotated[float | None, typer.Option("--lr", help="Learning rate: adds the updated weights.")]

#: Given field -> the option that sets it, for error messages.
OPTIONS = {
    "x": "--x",
    "words": "--words",
    "vocabulary": "--vocabulary",
    "W_x": "--wx",
    "W_h": "--wh",
    "W_y": "--wy",
    "b_h": "--bh",
    "b_y": "--by",
    "h0": "--h0",
    "y": "--y",
    "activation": "--act",
    "output": "--out",
    "loss": "--loss",
    "learning_rate": "--lr",
    "weight_ih": "--weight-ih",
    "weight_hh": "--weight-hh",
    "bias_ih": "--bias-ih",
    "bias_hh": "--bias-hh",
    "c0": "--c0",
    "reduction": "--reduction",
}


def _read(text: str | None, option: str, *, matrix: bool = False) -> Any:
    """Text as nested lists; ``matrix`` makes one row a 1×n matrix rather than a vector."""
    if text is None:
        return None
    import numpy as np

    from solver.files.matrices import load_matrix

    array = load_matrix(text, option)
    return (np.atleast_2d(array) if matrix else array).tolist()


def rnn(
    wx: Annotated[str, typer.Option("--wx", help="W_x: inputs × hidden (row convention) or hidden × inputs.")],
    wh: Annotated[str, typer.Option("--wh", help="W_h: hidden × hidden.")],
    wy: Annotated[
        str, typer.Option("--wy", help="W_y: hidden × outputs (row) or outputs × hidden; one row: 1 output.")
    ],
    y: TargetOption,
    x: Annotated[str | None, typer.Option("--x", help="Inputs, one row per time step: '1; 0.5; -0.5'.")] = None,
    words: WordsOption = None,
    vocabulary: VocabularyOption = None,
    bh: Annotated[str | None, typer.Option("--bh", help="Hidden bias.")] = None,
    by: OutputBiasOption = None,
    h0: InitialStateOption = None,
    convention: Annotated[str, typer.Option("--convention", help="row (x_t W_x) or column (W_x x_t).")] = "row",
    act: Annotated[str, typer.Option("--act", help="Hidden activation: tanh, relu, sigmoid, ...")] = "tanh",
    out: OutputOption = "linear",
    every_step: EveryStepOption = False,
    loss: LossOption = "mse",
    reduction: ReductionOption = "mean",
    lr: RateOption = None,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
    full: FullOption = False,
) -> None:
    """A vanilla RNN: hidden states step by step, the loss, and BPTT path by path with the Jacobian products."""
    from solver.kinds.recurrent import rnn as kind

    if convention not in ("row", "column"):
        raise InputError(f"--convention {convention!r}: expected row or column")
    given = kind.Given(
        W_x=_read(wx, "--wx", matrix=True),
        W_h=_read(wh, "--wh", matrix=True),
        W_y=_read(wy, "--wy"),
        convention=convention,  # type: ignore[arg-type]
        activation=act,
        b_h=_read(bh, "--bh"),
        **_shared_fields(y, x, words, vocabulary, by, h0, out, every_step, loss, reduction, lr),
    )
    _solve_and_emit(kind, given, chosen_format(fmt, as_json), full)


def _shared_fields(
    y: str, x: str | None, words: str | None, vocabulary: str | None, by: str | None, h0: str | None,
    out: str, every_step: bool, loss: str, reduction: str, lr: float | None,
) -> dict[str, Any]:  # fmt: skip
    """The given fields every recurrent command reads alike: the sequence, the readout, the loss, the update."""
    return {
        "y": _read(y, "--y"),
        "x": _read(x, "--x", matrix=True),
        "words": words,
        "vocabulary": vocabulary.replace(",", " ").split() if vocabulary else None,
        "b_y": _read(by, "--by"),
        "h0": _read(h0, "--h0"),
        "output": out,
        "outputs": "every_step" if every_step else "last",
        "loss": loss,
        "reduction": reduction,
        "learning_rate": lr,
    }


def _solve_and_emit(kind: ModuleType, given: Any, fmt: OutputFormat, full: bool) -> None:
    """Solve, naming the option an error is about, and print the solution."""
    try:
        solution = kind.solve(given)
    except InputError as error:
        raise error.located(OPTIONS.get((error.field or "").split(".")[0], f"nnsolve {kind.KIND}")) from None
    emit(solution, fmt, full)


def _gated(name: str) -> Callable[..., None]:
    """The quick command of a gated cell (lstm, gru): the same options, PyTorch's stacked weights."""

    def command(
        weight_ih: Annotated[
            str, typer.Option("--weight-ih", help="Input weights of the gates stacked, gates·hidden × inputs.")
        ],
        weight_hh: Annotated[
            str, typer.Option("--weight-hh", help="Recurrent weights stacked, gates·hidden × hidden.")
        ],
        wy: Annotated[str, typer.Option("--wy", help="W_y: outputs × hidden; one row: 1 output.")],
        y: TargetOption,
        x: Annotated[str | None, typer.Option("--x", help="Inputs, one row per time step: '1 0; 0 1'.")] = None,
        words: WordsOption = None,
        vocabulary: VocabularyOption = None,
        bias_ih: Annotated[str | None, typer.Option("--bias-ih", help="Input biases of the gates stacked.")] = None,
        bias_hh: Annotated[str | None, typer.Option("--bias-hh", help="Recurrent biases of the gates stacked.")] = None,
        by: OutputBiasOption = None,
        h0: InitialStateOption = None,
        c0: Annotated[str | None, typer.Option("--c0", help="Initial cell state, LSTM only (default zero).")] = None,
        out: OutputOption = "linear",
        every_step: EveryStepOption = False,
        loss: LossOption = "mse",
        reduction: ReductionOption = "mean",
        lr: RateOption = None,
        fmt: FormatOption = OutputFormat.term,
        as_json: JsonOption = False,
        full: FullOption = False,
    ) -> None:
        from solver.kinds import kind_module

        kind = kind_module(name)
        if c0 is not None and name != "lstm":
            raise InputError(f"--c0: a {name.upper()} has no cell state; expected --h0 alone")
        given = kind.Given(
            weight_ih=_read(weight_ih, "--weight-ih", matrix=True),
            weight_hh=_read(weight_hh, "--weight-hh", matrix=True),
            bias_ih=_read(bias_ih, "--bias-ih"),
            bias_hh=_read(bias_hh, "--bias-hh"),
            W_y=_read(wy, "--wy", matrix=True),
            convention="column",
            **_shared_fields(y, x, words, vocabulary, by, h0, out, every_step, loss, reduction, lr),
            **({"c0": _read(c0, "--c0")} if name == "lstm" else {}),
        )
        _solve_and_emit(kind, given, chosen_format(fmt, as_json), full)

    command.__doc__ = {
        "lstm": "An LSTM: gates, cell and hidden states step by step, the loss, and BPTT through the cell.",
        "gru": "A GRU (PyTorch's form): reset and update gates, candidate and hidden state, the loss, and BPTT.",
    }[name]
    return command


def register(app: typer.Typer) -> None:
    app.command("rnn")(rnn)
    for name in ("lstm", "gru"):
        app.command(name)(_gated(name))
