"""Test-wide set-up: offscreen Qt, private folders and keyring, database fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from xerodesk.logsetup import forget_secrets

_SUPPORT = Path(__file__).parent / "support"
pytest_plugins = [
    f"tests.support.{name}"
    for name in ("databases", "sandbox")
    if (_SUPPORT / f"{name}.py").exists()
]


@pytest.fixture(autouse=True)
def private_user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test sees its own home, XDG folders and keyring file, never the user's."""
    home = tmp_path / "home"
    for variable, sub in (
        ("HOME", ""),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        folder = home / sub
        folder.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(variable, str(folder))
    monkeypatch.delenv("XERODESK_HOME", raising=False)
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    backend.file_path = str(home / "data" / "keyring.cfg")
    keyring.set_keyring(backend)
    yield home
    keyring.set_keyring(previous)
    forget_secrets()
