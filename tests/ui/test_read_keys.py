"""Which arguments ``ui.read`` may key its cache by their repr: only values the repr spells out in full."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ctdash.library import Query
from ctdash.models import Role
from ctdash.ui.database import _plain
from ctdash.viewer import ANONYMOUS, Viewer


@dataclass(frozen=True)
class _HandWritten:
    secret: str

    def __repr__(self) -> str:
        return "_HandWritten()"


@dataclass(frozen=True)
class _Hidden:
    shown: int
    hidden: int = field(repr=False)


@dataclass
class _Mutable:
    value: int


def test_viewers_queries_and_plain_values_are_keyed_by_their_repr():
    member = Viewer(user_id=3, role=Role.MEMBER, partner_id=7, name="Kit")
    assert _plain(ANONYMOUS) and _plain(member)
    assert _plain((("query", Query(text="famil", themes=("rural",), years=(2024,))),))
    assert _plain(("a", 1, 2.5, True, None, b"x", dt.datetime(2025, 3, 3, tzinfo=dt.UTC), Role.ADMIN))


def test_anything_a_repr_could_leave_out_or_that_can_change_is_hashed_as_before():
    for value in (
        [1, 2],
        {"a": 1},
        {1, 2},
        pd.DataFrame({"a": [1]}),
        float("nan"),
        _HandWritten("a"),
        _Hidden(1, 2),
        _Mutable(1),
        (("rows", [1]),),
        object(),
    ):
        assert not _plain(value), value
