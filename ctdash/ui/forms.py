"""Edit forms that never overwrite someone else's change: the version a person saw is the one checked.

Every form that edits a stored record keeps, per browser session, the record's version from the
moment the form was drawn with its values. Saving passes that version to the service, which
refuses with ``Conflict`` if the record has changed since; the form keeps what was typed and offers
to load the newer version. A version re-read in the run that saves would always match, so it is
never used.

A form is cleared (after a save, or to load the newer version) by giving its widgets new keys: the
browser keeps showing what a widget last held for as long as its key lives, whatever the server
forgets, so new widgets are the one way to show the stored values again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import streamlit as st

SEEN = "_ctdash_seen_versions"
GENERATIONS = "_ctdash_form_generations"


@dataclass(frozen=True)
class EditForm:
    """One edit form: its key, and the fields whose widgets it draws (keys from ``widget``)."""

    key: str
    fields: tuple[str, ...]
    prefix: str | None = None  # of the widget keys, when not the form's key
    # Saving again after a commit cut off midway cannot save twice (the form names each save).
    retry_safe: ClassVar[bool] = False

    def widget(self, field: str) -> str:
        """The session-state key of ``field``'s widget: ``<prefix>_<field>``, then a new one after each clear."""
        generation = st.session_state.get(GENERATIONS, {}).get(self.key, 0)
        base = f"{self.prefix or self.key}_{field}"
        return base if generation == 0 else f"{base}_{generation}"

    def seen_version(self, current: int) -> int:
        """The version to check on save: ``current`` when the fields are (re)drawn from the record.

        While any field still holds what the person typed or saw, the version from that first draw
        is kept, however often the page reruns and whatever others save meanwhile.
        """
        seen = st.session_state.setdefault(SEEN, {})
        if self.key not in seen or not any(self.widget(field) in st.session_state for field in self.fields):
            seen[self.key] = current
        return seen[self.key]

    def saved(self) -> None:
        """After a successful save: clear the fields, so the next draw starts from the saved record."""
        st.session_state.get(SEEN, {}).pop(self.key, None)
        for field in self.fields:
            st.session_state.pop(self.widget(field), None)
        generations = st.session_state.setdefault(GENERATIONS, {})
        generations[self.key] = generations.get(self.key, 0) + 1

    def offer_reload(self) -> None:
        """After a conflict: a button that drops the typed values and draws the newer record."""
        st.button(
            "Discard my changes and show the latest version",
            key=f"{self.key}_reload",
            icon=":material/refresh:",
            on_click=self.saved,
        )
