"""`xerodesk login` end to end: the sandbox's consent, a scripted browser, the keyring."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.support.sandbox import RunningSandbox


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_login_then_sync_with_the_keyring_tokens(sandbox: RunningSandbox, tmp_path: Path) -> None:
    browser = tmp_path / "browser.py"
    # the "browser" follows the consent redirect back to the loopback listener
    browser.write_text(
        "import sys, httpx\nhttpx.get(sys.argv[1], follow_redirects=True, timeout=30)\n",
        encoding="utf-8",
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("XERODESK_CLIENT_ID", "XERODESK_CLIENT_SECRET")
    }
    env.update(
        XERODESK_HOME=str(tmp_path / "home"),
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        BROWSER=f"{sys.executable} {browser} %s",
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XERODESK_ALLOW_INSECURE_KEYRING="1",
    )
    login = subprocess.run(
        [
            sys.executable,
            "-m",
            "xerodesk",
            "login",
            "--xero",
            sandbox.base_url,
            "--client-id",
            "desktop-app",
            "--port",
            str(_free_port()),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert login.returncode == 0, login.stderr
    assert "Signed in to Xero:" in login.stdout
    keyring_file = tmp_path / "xdg" / "python_keyring" / "keyring_pass.cfg"
    assert keyring_file.exists()
    db = f"sqlite:///{tmp_path / 'crm.db'}"
    sync = subprocess.run(
        [
            sys.executable,
            "-m",
            "xerodesk",
            "sync",
            "--db",
            db,
            "--xero",
            sandbox.base_url,
            "--only",
            "contacts",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert sync.returncode == 0, sync.stderr
    assert "contacts" in sync.stdout
    log = (tmp_path / "home" / "logs" / "xerodesk.log").read_text(encoding="utf-8")
    stored = keyring_file.read_text(encoding="utf-8")
    assert "access_token" not in log and 'refresh_token"' not in log
    assert len(stored) > 100  # the tokens live in the keyring file, not in the log


def test_login_without_an_app_is_a_clear_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "XERODESK_CLIENT_ID"}
    env["XERODESK_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "xerodesk", "login"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--client-id" in result.stderr and "Traceback" not in result.stderr
