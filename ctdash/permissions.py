"""Who may see and do what: every rule in one place.

- Pages: who may open each file in ``pages/``, checked by the page itself on every run (``ui.guard``).
- Rows: which findings a viewer may see (``visible_findings``, a WHERE clause every read adds).
- Actions: who may manage people, read the audit log, edit partner services, import spreadsheets or
  hide comments (``require``), checked by the services; who may comment, and change their comments.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, true

from ctdash.errors import PermissionDenied
from ctdash.models import Finding, FindingStatus, Role, Visibility
from ctdash.viewer import Viewer

ANONYMOUS = "anonymous"
EVERYONE = frozenset({ANONYMOUS, Role.MEMBER.value, Role.FACILITATOR.value, Role.ADMIN.value})
SIGNED_IN = frozenset({Role.MEMBER.value, Role.FACILITATOR.value, Role.ADMIN.value})
ADMINS = frozenset({Role.ADMIN.value})
STAFF = frozenset({Role.FACILITATOR.value, Role.ADMIN.value})
AUDIENCE_NAMES = {
    SIGNED_IN: "signed-in members of the working group",
    STAFF: "facilitators and administrators",
    ADMINS: "administrators",
}
NOT_SET_UP = "The dashboard is not set up yet: create its first administrator on the First-run setup page."


@dataclass(frozen=True)
class PageRule:
    file: str
    title: str
    icon: str
    audience: frozenset[str]
    only_before_setup: bool = False  # the first-run form: shown only while no account exists
    in_menu: bool = True  # False: reached from other pages (a partner's profile), not listed


PAGES: tuple[PageRule, ...] = (
    PageRule("home.py", "Home", ":material/home:", EVERYONE),
    PageRule("library.py", "Findings library", ":material/local_library:", EVERYONE),
    PageRule("partners.py", "Partner map", ":material/map:", EVERYONE),
    PageRule("partner.py", "Partner profile", ":material/apartment:", EVERYONE, in_menu=False),
    PageRule("research.py", "Research status", ":material/view_kanban:", SIGNED_IN),
    PageRule("project.py", "Research project", ":material/science:", SIGNED_IN, in_menu=False),
    PageRule("share.py", "Share a finding", ":material/upload_file:", SIGNED_IN),
    # Visitors may open a public, published finding: the findings service decides, per finding.
    PageRule("finding.py", "Finding", ":material/lightbulb:", EVERYONE, in_menu=False),
    PageRule("my_findings.py", "My findings", ":material/folder_shared:", SIGNED_IN),
    PageRule("review.py", "Review queue", ":material/rate_review:", STAFF),
    PageRule("sessions.py", "Sessions", ":material/co_present:", SIGNED_IN),
    PageRule("session.py", "Session", ":material/event:", SIGNED_IN, in_menu=False),
    PageRule("present.py", "Present", ":material/slideshow:", STAFF, in_menu=False),
    PageRule("report.py", "Programme report", ":material/summarize:", STAFF),
    PageRule("setup.py", "First-run setup", ":material/rocket_launch:", EVERYONE, only_before_setup=True),
    PageRule("sign_in.py", "Sign in", ":material/login:", frozenset({ANONYMOUS})),
    PageRule("account.py", "My account", ":material/account_circle:", SIGNED_IN),
    PageRule("people.py", "People", ":material/manage_accounts:", ADMINS),
    PageRule("import.py", "Import spreadsheets", ":material/upload_file:", ADMINS),
    PageRule("audit_log.py", "Audit log", ":material/history:", ADMINS),
    # Reached from a session's QR code; it shows only the wall its ?s=CODE names, and only while it is open.
    PageRule("wall.py", "Live wall", ":material/forum:", EVERYONE, in_menu=False),
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
    return [rule for rule in PAGES if rule.in_menu and not rule.only_before_setup and role_of(viewer) in rule.audience]


# --- actions -----------------------------------------------------------------------------------

MANAGE_PEOPLE = "manage people"
READ_AUDIT_LOG = "read the audit log"
EDIT_PARTNERS = "edit partner services"
IMPORT = "import spreadsheets"
REVIEW_FINDINGS = "review findings"  # see the review queue, publish or return submitted findings
MODERATE_COMMENTS = "hide comments"  # hide an inappropriate comment with a reason, or show it again
BUILD_REPORTS = "build the programme report"  # a cycle's report for the funder (ctdash.report)
CHOOSE_HIGHLIGHTS = "choose the report's highlights"  # published findings picked for the programme report
ACTIONS = {
    MANAGE_PEOPLE: ADMINS,
    READ_AUDIT_LOG: ADMINS,
    EDIT_PARTNERS: STAFF,
    IMPORT: ADMINS,
    REVIEW_FINDINGS: STAFF,
    MODERATE_COMMENTS: STAFF,
    BUILD_REPORTS: STAFF,
    CHOOSE_HIGHLIGHTS: STAFF,
}
ACTOR_NAMES = {ADMINS: "administrators", STAFF: "facilitators and administrators"}


def may(viewer: Viewer, action: str) -> bool:
    """Whether ``viewer`` may do ``action`` (one of ``ACTIONS``): for offering it on a page."""
    return role_of(viewer) in ACTIONS[action]


def require(viewer: Viewer, action: str) -> None:
    """Raise PermissionDenied unless ``viewer`` may do ``action`` (one of ``ACTIONS``)."""
    if not may(viewer, action):
        raise PermissionDenied(f"Only {ACTOR_NAMES[ACTIONS[action]]} can {action}.")


def require_own_partner_or_staff(viewer: Viewer, partner_id: int, *, what: str = "profile") -> None:
    """A service's own profile and projects are changed by its members, facilitators and administrators."""
    if viewer.role is None:
        raise PermissionDenied(f"Sign in to change your service's {what}.")
    if role_of(viewer) in STAFF:
        return
    if viewer.role != Role.MEMBER or viewer.partner_id != partner_id:
        raise PermissionDenied(f"You can change the {what} of your own service only.")


def require_own_or_admin(viewer: Viewer, user_id: int) -> None:
    """An account is seen by its owner and by administrators."""
    if viewer.role != Role.ADMIN and viewer.user_id != user_id:
        raise PermissionDenied("You can only see your own account.")


def sees_working_group_work(viewer: Viewer) -> bool:
    """Research projects and contacts are the working group's: visitors see names, places, roles and
    public findings only."""
    return viewer.signed_in


# --- findings ----------------------------------------------------------------------------------
#
# Members share findings for their own service; facilitators and administrators for any. A finding is
# changed only while it is a draft or has been returned, by its author or by a facilitator or
# administrator, and only if they can see it (so facilitators never touch other people's drafts).
# Nobody edits a submitted finding: a reviewer who wants changes returns it with a reason, so what is
# reviewed stays fixed and every change passes the safeguarding check again when it is resubmitted.
# Colleagues in the same service see each other's drafts but do not change them.

EDITABLE = frozenset({FindingStatus.DRAFT, FindingStatus.RETURNED})


def may_share_findings(viewer: Viewer) -> bool:
    """Whether ``viewer`` may start a finding: staff, and members who belong to a service."""
    return role_of(viewer) in STAFF or (viewer.role == Role.MEMBER and viewer.partner_id is not None)


def require_share_findings(viewer: Viewer) -> None:
    if viewer.role is None:
        raise PermissionDenied("Sign in to share a finding.")
    if not may_share_findings(viewer):
        raise PermissionDenied(
            "Your account is not linked to a partner service yet, so it cannot share findings; "
            "ask the programme team to link it to yours."
        )


def may_share_for(viewer: Viewer, partner_id: int | None) -> bool:
    """Whether ``viewer`` may share a finding on behalf of the service ``partner_id``."""
    if role_of(viewer) in STAFF:
        return True
    return viewer.role == Role.MEMBER and partner_id is not None and viewer.partner_id == partner_id


def may_edit_finding(viewer: Viewer, *, author_id: int | None, status: FindingStatus) -> bool:
    """Whether ``viewer`` may change (and submit) a finding they can see: see the rules above."""
    if viewer.role is None or status not in EDITABLE:
        return False
    return role_of(viewer) in STAFF or (author_id is not None and author_id == viewer.user_id)


def require_edit_finding(viewer: Viewer, *, author_id: int | None, status: FindingStatus) -> None:
    if viewer.role is None:
        raise PermissionDenied("Sign in to change a finding.")
    if role_of(viewer) not in STAFF and (author_id is None or author_id != viewer.user_id):
        raise PermissionDenied(
            "Only the person who wrote this finding, or a facilitator, can change it; "
            "if something needs fixing, tell them or the programme team."
        )
    if status not in EDITABLE:
        raise PermissionDenied(
            f"This finding has been {status.value}, so it can no longer be changed; "
            "if something needs fixing, ask a facilitator to return it to its author."
        )


def sees_return_reason(viewer: Viewer, *, author_id: int | None) -> bool:
    """Why a finding was returned is for its author and the reviewers, not everyone who can see it."""
    if role_of(viewer) in STAFF:
        return True
    return viewer.role is not None and author_id is not None and author_id == viewer.user_id


# --- rows --------------------------------------------------------------------------------------


def visible_findings(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause for the findings ``viewer`` may see.

    Visitors: published and public. Members: everything published, plus all of their own
    service's work. Facilitators: everything except other people's drafts. Admins: everything.
    Everyone signed in sees what they wrote themselves (so the clause depends on the person, and
    a cache of its results is keyed by the whole viewer).
    """
    published = Finding.status == FindingStatus.PUBLISHED
    if viewer.role is None:
        return and_(published, Finding.visibility == Visibility.PUBLIC)
    if viewer.role == Role.ADMIN:
        return true()
    own = Finding.author_id == viewer.user_id if viewer.user_id is not None else false()
    if viewer.role == Role.FACILITATOR:
        return or_(Finding.status != FindingStatus.DRAFT, own)
    if viewer.partner_id is None:
        return or_(published, own)
    return or_(published, Finding.partner_id == viewer.partner_id, own)


# --- comments ----------------------------------------------------------------------------------
#
# Support and challenge is the working group's conversation: every signed-in person may read and add
# comments on the findings they may see; visitors see none. Authors edit and delete their own
# comments, while they are not hidden (a hidden comment is kept as it was, for the record).
# Facilitators and administrators hide an inappropriate comment with a reason, and show it again.


def may_comment(viewer: Viewer) -> bool:
    """Whether ``viewer`` may read and add comments (on the findings they may see)."""
    return viewer.signed_in


def require_comments(viewer: Viewer) -> None:
    if not may_comment(viewer):
        raise PermissionDenied("Sign in to read and add comments on findings.")


def may_moderate_comments(viewer: Viewer) -> bool:
    return may(viewer, MODERATE_COMMENTS)


def _own_comment(viewer: Viewer, author_id: int | None) -> bool:
    return viewer.signed_in and viewer.user_id is not None and author_id == viewer.user_id


def may_edit_comment(viewer: Viewer, *, author_id: int | None, hidden: bool) -> bool:
    return _own_comment(viewer, author_id) and not hidden


def may_delete_comment(viewer: Viewer, *, author_id: int | None, hidden: bool) -> bool:
    return _own_comment(viewer, author_id) and not hidden


def _require_own_comment(viewer: Viewer, *, author_id: int | None, hidden: bool, doing: str, done: str) -> None:
    require_comments(viewer)
    if not _own_comment(viewer, author_id):
        raise PermissionDenied(
            f"Only the person who wrote a comment can {doing} it; add a comment of your own instead."
        )
    if hidden:
        raise PermissionDenied(
            f"A facilitator has hidden this comment, so it can no longer be {done}; "
            "ask them or the programme team if you think it should be shown again."
        )


def require_edit_comment(viewer: Viewer, *, author_id: int | None, hidden: bool) -> None:
    _require_own_comment(viewer, author_id=author_id, hidden=hidden, doing="change", done="changed")


def require_delete_comment(viewer: Viewer, *, author_id: int | None, hidden: bool) -> None:
    _require_own_comment(viewer, author_id=author_id, hidden=hidden, doing="delete", done="deleted")


# --- working-group sessions ---------------------------------------------------------------------
#
# Facilitators and administrators prepare, change and present sessions. Members of the working group
# read the agendas of sessions already held (an upcoming one may still be in preparation); visitors
# see none. Anonymous attendees reach only a session's live wall, through its join code.


def may_run_sessions(viewer: Viewer) -> bool:
    """Whether ``viewer`` may create, change, duplicate and present sessions."""
    return role_of(viewer) in STAFF


def require_run_sessions(viewer: Viewer) -> None:
    if viewer.role is None:
        raise PermissionDenied("Sign in as a facilitator to prepare sessions.")
    if not may_run_sessions(viewer):
        raise PermissionDenied(
            "Only facilitators and administrators can prepare sessions; ask one of them if a session needs changing."
        )


def may_see_session(viewer: Viewer, *, upcoming: bool) -> bool:
    """Whether ``viewer`` may read a session's details and agenda: members only once it has been held."""
    return may_run_sessions(viewer) or (viewer.signed_in and not upcoming)


def require_see_sessions(viewer: Viewer) -> None:
    if not viewer.signed_in:
        raise PermissionDenied("Sign in to see the working group's sessions.")
