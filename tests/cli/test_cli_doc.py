"""docs/cli.md lists every command and flag the parser has: the contract and the
code cannot drift apart."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from xerodesk.cli import build_parser

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    return [
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    ]


COMMANDS = list(_commands(build_parser()))


@pytest.mark.parametrize(
    ("path", "parser"), COMMANDS, ids=[" ".join(path) or "top" for path, _ in COMMANDS]
)
def test_every_command_and_flag_is_in_the_contract(
    path: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    doc = DOC.read_text()
    if path:
        assert f"`xerodesk {' '.join(path)}" in doc, f"xerodesk {' '.join(path)} is not documented"
    for flag in _flags(parser):
        assert re.search(rf"`{re.escape(flag)}\b", doc), f"{flag} of {path} is not documented"
