"""A guard against a reference-count bug of PySide6 6.12 on Python 3.11.

Under 6.12 every call of a binding that returns nothing (``setText``,
``setValue``, ``processEvents``…), and some that return a bool, hands back
``None``/``True``/``False`` without the reference it owes. Python 3.12 made
those objects immortal, so there it is harmless; on 3.11 each call takes one
reference away, and after some thousands of calls the interpreter aborts
("deallocating None"), at exit or mid-session. Until the dependency is pinned
below 6.12 or Python 3.12 is required, the window's process gives the three
singletons references enough for any session: what 3.12 does by design.
"""

from __future__ import annotations

import ctypes
import sys

_SPARE_REFERENCES = 1 << 40
_guarded = False


def guard_singletons() -> None:
    """Make ``None``, ``True`` and ``False`` effectively immortal (no-op on 3.12+)."""
    global _guarded
    if _guarded or sys.version_info >= (3, 12):
        return
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _SPARE_REFERENCES
    _guarded = True
