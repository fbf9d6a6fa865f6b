"""The warehouse's own error: its message is the one line a command prints.

(Whether an error is a full disk is ``khabar.disk.is_no_space``: the flow asks too.)
"""

from __future__ import annotations


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened, migrated or written; the message says what to do."""
