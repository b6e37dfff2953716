"""Files ctdash keeps on disk, readable by their owner only: the SQLite database holds password hashes."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger("ctdash")
OWNER_ONLY = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def restrict_sqlite_files(path: Path) -> None:
    """Make the SQLite file at ``path`` owner-only (0600), creating it empty if missing, before SQLite opens it.

    SQLite creates a new database as 0644 minus the umask, so with the usual umask 022 anyone on the
    machine can read it. It creates ``-wal``, ``-shm`` and ``-journal`` files with the permissions of
    the database file itself (its unix VFS copies them), so a database that is 0600 before SQLite
    first opens it keeps its companions 0600 too. We do not change the umask for this: it belongs to
    the whole process, and Streamlit runs every browser session in a thread of that one process.
    Existing files (a database made by an older version, or companions left by a crash) are set
    to 0600 here. A file owned by someone else cannot be changed; that is logged, not fatal.
    """
    path = Path(path)
    try:
        # O_EXCL: never truncate or race a database another process has just made; 0600 & ~umask
        # is at most 0600, so the file is owner-only from its first moment.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    except FileExistsError:
        pass
    else:
        os.close(descriptor)
    for file in (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)):
        try:
            if file.exists() and file.stat().st_mode & 0o777 != OWNER_ONLY:
                file.chmod(OWNER_ONLY)
        except FileNotFoundError:
            pass  # a companion another process's SQLite removed meanwhile
        except PermissionError:
            log.warning("cannot make %s owner-only: it belongs to another user; check its permissions", file)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it, renamed over ``path`` once complete.

    A failure part way (a full disk, an interrupted command) leaves ``path`` as it was, never half
    written, and removes the temporary file. The file is owner-only (0600), like the database whose
    contents it carries. Raises OSError, such as FileNotFoundError when the folder does not exist.
    """
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
