"""The warehouse's own error: its message is the one line a command prints."""

from __future__ import annotations

import errno


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened, migrated or written; the message says what to do."""


def no_space(exc: BaseException) -> bool:
    """Whether ``exc`` (or an error it came from) is a full disk (ENOSPC), as Python or DuckDB
    report it: DuckDB's "Could not write file …: No space left on device", or a FATAL error
    wrapping it."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        if "No space left on device" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
