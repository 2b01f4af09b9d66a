"""The ``nnsolve`` command line: thin commands over the library.

Each module here registers a few commands on ``app``.  ``main`` is the one
place that turns errors into ``nnsolve: error: ...`` lines and exit statuses.
Heavy libraries are imported inside the commands that need them.
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer

from solver.graph.errors import ExitStatus, InputError

app = typer.Typer(
    name="nnsolve",
    help="Work neural-network exercises step by step, write solution sheets, grade answers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _options(
    traceback: Annotated[bool, typer.Option("--traceback", help="Show the Python traceback of an error.")] = False,
) -> None:
    """Work neural-network exercises step by step, write solution sheets, grade answers."""


#: command -> the module that defines it.  ``main`` builds only the command it
#: runs: building a Typer command costs a few milliseconds, and start-up matters.
#: The command line is the one place that joins the solver and the grader.
COMMAND_MODULES: dict[str, str] = {
    "conv-size": "solver.cli.shapes",
    "pool-size": "solver.cli.shapes",
    "conv-stack": "solver.cli.shapes",
    "solve": "solver.cli.files",
    "check": "solver.cli.files",
    "schema": "solver.cli.files",
    "neuron": "solver.cli.dense",
    "mlp": "solver.cli.dense",
    "perceptron": "solver.cli.dense",
    "loss": "solver.cli.dense",
    "softmax": "solver.cli.dense",
    "svm": "solver.cli.dense",
    "conv": "solver.cli.maps",
    "pool": "solver.cli.maps",
    "conv-transpose": "solver.cli.maps",
    "pad": "solver.cli.maps",
    "conv1d": "solver.cli.maps",
    "pool1d": "solver.cli.maps",
    "rnn": "solver.cli.rnn",
    "batchnorm": "solver.cli.norm",
    "layernorm": "solver.cli.norm",
    "dropout": "solver.cli.norm",
    "graph": "solver.cli.circuits",
    "lstm": "solver.cli.rnn",
    "gru": "solver.cli.rnn",
    "grade": "grader.cli",
    "answer-template": "grader.cli",
    "gradescope": "solver.cli.gradescope",
    "variants": "grader.variants_cli",
    "report": "grader.report_cli",
}
_registered: set[str] = set()


def register_commands(args: list[str]) -> None:
    """Add the command named in ``args`` to ``app`` (all of them for help or a typo), once each."""
    command = next((a for a in args if not a.startswith("-")), None)
    wanted = [COMMAND_MODULES[command]] if command in COMMAND_MODULES else COMMAND_MODULES.values()
    for module in dict.fromkeys(wanted):
        if module not in _registered:
            importlib.import_module(module).register(app)
            _registered.add(module)


def error_line(message: str) -> None:
    print(f"nnsolve: error: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = sys.argv[1:] if argv is None else argv
    # --traceback is accepted anywhere on the line, not only before the command.
    show_traceback = "--traceback" in args
    args = [a for a in args if a != "--traceback"]
    register_commands(args)
    try:
        result = app(args=args, prog_name="nnsolve", standalone_mode=False)
        return result if isinstance(result, int) else ExitStatus.OK
    except InputError as error:
        if show_traceback:
            raise
        error_line(str(error))
        return ExitStatus.BAD_INPUT
    except typer.Exit as done:
        return done.exit_code
    except typer.TyperException as error:  # usage errors: unknown option, missing argument, ...
        if type(error).__name__ == "NoArgsIsHelpError":
            print(error.format_message())
            return ExitStatus.OK
        context = getattr(error, "ctx", None)
        command = context.command_path if context is not None else "nnsolve"
        error_line(f"{error.format_message()} (see '{command} --help')")
        return ExitStatus.BAD_INPUT
    except typer.Abort:
        error_line("aborted")
        return ExitStatus.INTERNAL
    except BrokenPipeError:
        return ExitStatus.OK
    except Exception as error:  # the last resort: never a bare traceback for users
        if show_traceback:
            raise
        error_line(f"internal error: {type(error).__name__}: {error} (run again with --traceback for details)")
        return ExitStatus.INTERNAL


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
