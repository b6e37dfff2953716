"""Who may open which page: one rule per file in ``pages/``, checked by the page itself on every run."""

from __future__ import annotations

from dataclasses import dataclass

from ctdash.models import Role
from ctdash.viewer import Viewer

ANONYMOUS = "anonymous"
EVERYONE = frozenset({ANONYMOUS, Role.MEMBER.value, Role.FACILITATOR.value, Role.ADMIN.value})
SIGNED_IN = frozenset({Role.MEMBER.value, Role.FACILITATOR.value, Role.ADMIN.value})
ADMINS = frozenset({Role.ADMIN.value})
AUDIENCE_NAMES = {SIGNED_IN: "signed-in members of the working group", ADMINS: "administrators"}
NOT_SET_UP = "The dashboard is not set up yet: create its first administrator on the First-run setup page."


@dataclass(frozen=True)
class PageRule:
    file: str
    title: str
    icon: str
    audience: frozenset[str]
    only_before_setup: bool = False  # the first-run form: shown only while no account exists


PAGES: tuple[PageRule, ...] = (
    PageRule("home.py", "Home", ":material/home:", EVERYONE),
    PageRule("setup.py", "First-run setup", ":material/rocket_launch:", EVERYONE, only_before_setup=True),
    PageRule("sign_in.py", "Sign in", ":material/login:", frozenset({ANONYMOUS})),
    PageRule("account.py", "My account", ":material/account_circle:", SIGNED_IN),
    PageRule("people.py", "People", ":material/manage_accounts:", ADMINS),
    PageRule("audit_log.py", "Audit log", ":material/history:", ADMINS),
)
RULES = {rule.file: rule for rule in PAGES}


def role_of(viewer: Viewer) -> str:
    return viewer.role.value if viewer.role else ANONYMOUS


def rule_for(file: str) -> PageRule:
    """The rule for a page file; a page without one is a programming error, refused everywhere."""
    return RULES[file]


def refusal(viewer: Viewer, file: str, *, setup_needed: bool) -> str | None:
    """Why ``viewer`` may not open ``file`` now, as a sentence, or None if they may."""
    rule = RULES.get(file)
    if rule is None:
        return "This page is not available."
    if setup_needed and not rule.only_before_setup and rule.audience != EVERYONE:
        # No account exists, so "sign in" would be advice no one can follow.
        return NOT_SET_UP
    role = role_of(viewer)
    if rule.only_before_setup:
        if setup_needed:
            return None
        if role == ANONYMOUS:
            return "Setup is complete: the first administrator exists. Sign in to go on."
        return "Setup is complete; carry on from the Home page."
    if role in rule.audience:
        return None
    if role != ANONYMOUS and rule.audience == frozenset({ANONYMOUS}):
        return f"You are already signed in as {viewer.name}."
    if role == ANONYMOUS:
        return f"This page is for {AUDIENCE_NAMES.get(rule.audience, 'signed-in people')}. Sign in to see it."
    return (
        f"This page is for {AUDIENCE_NAMES.get(rule.audience, 'other roles')}. If you need it, ask the programme team."
    )


def menu(viewer: Viewer, *, setup_needed: bool) -> list[PageRule]:
    """The pages to list in the sidebar for this viewer."""
    if setup_needed:
        return [rule for rule in PAGES if rule.file in ("home.py", "setup.py")]
    return [rule for rule in PAGES if not rule.only_before_setup and role_of(viewer) in rule.audience]
