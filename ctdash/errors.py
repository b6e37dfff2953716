"""The exceptions services raise; each carries a sentence a user can act on."""


class CtdashError(Exception):
    """Base class: ``str(error)`` is safe to show to a user."""


class ConfigError(CtdashError):
    """A setting is missing or malformed."""


class DatabaseUnavailable(CtdashError):
    """The database server cannot be reached or refused the connection.

    ``str()`` is for anyone (it names no host or file); ``detail`` says where to look, for
    administrators, the log and the command line only.
    """

    PUBLIC = (
        "The dashboard cannot reach its database just now. Nothing you typed is lost: try again in a "
        "minute, and if it keeps happening tell the Changing Tracks programme team."
    )

    def __init__(self, detail: str) -> None:
        super().__init__(self.PUBLIC)
        self.detail = detail


class CommitUncertain(DatabaseUnavailable):
    """The database went away while a change was being committed: it may or may not be saved."""

    PUBLIC = (
        "The database stopped answering just as your change was being saved, so it may or may not be "
        "saved. Nothing you typed is lost: in a minute, check whether the change is there before saving again."
    )
    RETRY_SAFE = (
        "The database stopped answering just as your change was being saved, so it may or may not be "
        "saved. Nothing you typed is lost: try again in a minute. Saving again will not make a second copy."
    )


class NotFound(CtdashError):
    """The record asked for does not exist (or the viewer may not see it)."""


class InvalidInput(CtdashError):
    """Something the user typed or uploaded cannot be accepted as it is."""


class PermissionDenied(CtdashError):
    """The viewer's role does not allow this."""


class Conflict(CtdashError):
    """Someone else changed the record since it was read."""
