"""The README's command lines run as written after `make run` or `make test`."""

import re
import shlex

import click
import pytest

from ctdash.cli import main
from ctdash.config import PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
CODE_BLOCKS = re.findall(r"```(?:bash|text)\n(.*?)```", README, flags=re.S)
COMMAND_LINES = [
    line.split("#", 1)[0].strip() for block in CODE_BLOCKS for line in block.splitlines() if "-m ctdash" in line
]


def test_the_readme_shows_command_lines():
    assert len(COMMAND_LINES) >= 5


@pytest.mark.parametrize("line", COMMAND_LINES)
def test_each_command_line_uses_the_projects_virtual_environment(line):
    assert line.startswith(".venv/bin/python -m ctdash ")


@pytest.mark.parametrize("line", COMMAND_LINES)
def test_each_command_line_names_a_real_command_and_its_real_options(line):
    name, *args = shlex.split(line)[3:]
    command = main.commands[name]
    while isinstance(command, click.Group):  # `export findings FILE`: the options are the subcommand's
        name, *args = args
        command = command.commands[name]
    options = {option for param in command.params for option in param.opts}
    assert {arg for arg in args if arg.startswith("--")} <= options
    command.make_context(name, args, resilient_parsing=True)  # values are valid for their options
