"""The exceptions services raise; each carries a sentence a user can act on."""


class CtdashError(Exception):
    """Base class: ``str(error)`` is safe to show to a user."""


class ConfigError(CtdashError):
    """A setting is missing or malformed."""


class DatabaseUnavailable(CtdashError):
    """The database server cannot be reached or refused the connection."""


class NotFound(CtdashError):
    """The record asked for does not exist (or the viewer may not see it)."""


class InvalidInput(CtdashError):
    """Something the user typed or uploaded cannot be accepted as it is."""


class PermissionDenied(CtdashError):
    """The viewer's role does not allow this."""


class Conflict(CtdashError):
    """Someone else changed the record since it was read."""
