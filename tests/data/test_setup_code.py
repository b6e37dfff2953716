"""The first-run setup code: made once per process, printed once, compared loosely but in constant time."""

import re

import pytest

from ctdash import setup_code
from ctdash.errors import ConfigError


@pytest.fixture
def fresh_process(monkeypatch):
    """As if ctdash had just started: no code made or printed yet."""
    monkeypatch.setattr(setup_code, "_code", None)
    monkeypatch.setattr(setup_code, "_announced", False)


def test_a_generated_code_is_three_groups_of_four_unambiguous_characters(fresh_process):
    code = setup_code.current()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert not set(code) & set("01ILO")


def test_the_code_stays_the_same_for_the_life_of_the_process(fresh_process):
    assert setup_code.current() == setup_code.current()


def test_the_code_matches_ignoring_case_spaces_and_dashes(fresh_process):
    code = setup_code.current()
    assert setup_code.matches(code)
    assert setup_code.matches(f"  {code.lower().replace('-', ' ')} ")
    assert setup_code.matches(code.replace("-", ""))


def test_a_different_or_empty_code_does_not_match(fresh_process):
    code = setup_code.current()
    other = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert not setup_code.matches(other)
    assert not setup_code.matches("")


def test_the_code_is_printed_once_with_the_command_line_alternative(fresh_process, capsys):
    setup_code.announce()
    setup_code.announce()
    printed = capsys.readouterr().err
    assert printed.count("Setup code:") == 1
    assert f"Setup code: {setup_code.current()}" in printed
    assert "python -m ctdash create-user --role admin" in printed


def test_a_configured_code_is_used_and_not_printed(fresh_process, monkeypatch, capsys):
    monkeypatch.setenv("CTDASH_SETUP_CODE", "pick-this-code-1234")
    assert setup_code.matches("PICK THIS CODE 1234")
    setup_code.announce()
    assert "pick-this-code-1234" not in capsys.readouterr().err


def test_a_configured_code_shorter_than_a_generated_one_stops_the_app(fresh_process, monkeypatch):
    monkeypatch.setenv("CTDASH_SETUP_CODE", "abc")
    with pytest.raises(ConfigError, match="CTDASH_SETUP_CODE is shorter than 12 characters"):
        setup_code.current()
