"""The local-file store: Xero sign-ins in a file of the user's, when no keyring exists.

Some computers (a Linux desktop without GNOME Keyring or KWallet, a remote
session) have no system keyring. Rather than leave such a user unable to
connect, the app offers to keep the sign-ins in a file readable by the user
alone (mode 0600, in the app's data folder), once the user has accepted in
plain words that anyone who can read their files could use their Xero
organisation. The file is not encrypted: it is as safe as the user account.

It is a ``keyring`` backend, named through ``PYTHON_KEYRING_BACKEND`` so the
runner process the app starts uses the same file; ``keyring_problem`` calls
it unprotected, so ``XERODESK_ALLOW_INSECURE_KEYRING`` must accept it.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from xerodesk.paths import app_paths

__all__ = ["BACKEND_NAME", "FILE_NAME", "LocalFileKeyring", "use_local_file"]

BACKEND_NAME = "xerodesk.credentials_file.LocalFileKeyring"
FILE_NAME = "sign-ins.json"
_LOCK = threading.Lock()


class LocalFileKeyring(KeyringBackend):
    """Secrets as JSON in one file only its owner may read or write."""

    priority = 0.1  # never chosen unless named

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.path = path or app_paths().data_dir / FILE_NAME

    def _entries(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _store(self, entries: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(entries, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, self.path)

    def get_password(self, service: str, username: str) -> str | None:
        with _LOCK:
            return self._entries().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        with _LOCK:
            entries = self._entries()
            entries.setdefault(service, {})[username] = password
            self._store(entries)

    def delete_password(self, service: str, username: str) -> None:
        with _LOCK:
            entries = self._entries()
            if username not in entries.get(service, {}):
                raise PasswordDeleteError("no such entry")
            del entries[service][username]
            self._store(entries)


def use_local_file() -> LocalFileKeyring:
    """Keep sign-ins in the local file from now on, in this process and the ones it starts."""
    import keyring

    from xerodesk.credentials import ALLOW_INSECURE_ENV

    backend = LocalFileKeyring()
    keyring.set_keyring(backend)
    os.environ["PYTHON_KEYRING_BACKEND"] = BACKEND_NAME
    os.environ[ALLOW_INSECURE_ENV] = "1"
    return backend
