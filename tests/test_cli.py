"""The command line as a whole: every command is reachable and listed."""

from __future__ import annotations

import importlib

import typer

from solver.cli import COMMAND_MODULES


def test_command_table_matches_what_the_modules_define():
    defined = {}
    for module in set(COMMAND_MODULES.values()):
        scratch = typer.Typer()
        importlib.import_module(module).register(scratch)
        defined.update({command.name: module for command in scratch.registered_commands})
        defined.update({group.name: module for group in scratch.registered_groups})  # e.g. gradescope build|run
    assert defined == COMMAND_MODULES


def test_help_lists_every_command(cli):
    result = cli("--help")
    assert result.code == 0
    for command in COMMAND_MODULES:
        assert command in result.out


def test_unknown_command_is_a_usage_error(cli):
    result = cli("solv", "x.yaml")
    assert result.code == 2 and result.err.startswith("nnsolve: error: No such command 'solv'")


def test_an_unusable_answers_file_is_one_line_and_the_batch_goes_on(cli, tmp_path):
    from conftest import PROBLEMS

    (tmp_path / "broken.yaml").write_text("student: [\n", encoding="utf-8")
    result = cli(
        "grade", PROBLEMS / "homework1.yaml", tmp_path / "broken.yaml", PROBLEMS / "submissions/ada_correct.yaml"
    )
    assert result.code == 0
    assert "broken: 0 / 54 — every item invalid: answers file unusable:" in result.out
    assert "s01 (Ada Lovelace): 54 / 54 (100%)" in result.out
