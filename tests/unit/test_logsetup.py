"""Secrets never reach a log line, a log file or an exception text in the log."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

from xerodesk.logsetup import configure_logging, redact, register_secret, stderr_is_journal
from xerodesk.paths import app_paths


def test_registered_secrets_and_credentials_are_masked() -> None:
    register_secret("s3cr3t-refresh-token-value")
    text = redact(
        "refresh with s3cr3t-refresh-token-value; url postgresql+psycopg://me:pa55word@db/x; "
        "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig; "
        "body client_secret=abc123&refresh_token=zzz999"
    )
    for leaked in (
        "s3cr3t-refresh-token-value",
        "pa55word",
        "eyJhbGciOiJSUzI1NiJ9",
        "abc123",
        "zzz999",
    ):
        assert leaked not in text
    assert "postgresql+psycopg://me:[redacted]@db/x" in text


def test_log_file_and_stderr_are_redacted(tmp_path: Path, capsys: object) -> None:
    log_file = tmp_path / "logs" / "xerodesk.log"
    configure_logging(log_file, debug=True)
    secret = "tok-ABCDEFGHIJKLMNOP"
    register_secret(secret)
    logger = logging.getLogger("xerodesk.test")
    logger.info("token is %s", secret)
    try:
        raise RuntimeError(f"failed with {secret}")
    except RuntimeError:
        logger.exception("refresh failed")
    for handler in logging.getLogger("xerodesk").handlers:
        handler.flush()
    written = log_file.read_text(encoding="utf-8")
    assert "token is [redacted]" in written
    assert "RuntimeError: failed with [redacted]" in written
    assert secret not in written
    captured = capsys.readouterr()  # type: ignore[attr-defined]
    assert secret not in captured.err
    assert "[redacted]" in captured.err
    configure_logging(None)


def test_paths_follow_xdg_and_the_override(tmp_path: Path, monkeypatch: object) -> None:
    paths = app_paths()
    assert "xerodesk" in str(paths.data_dir)
    assert str(paths.data_dir).startswith(str(Path.home()))
    moved = app_paths(tmp_path / "srv").ensure()
    assert moved.default_database == tmp_path / "srv" / "data" / "xerodesk.db"
    assert moved.log_dir.is_dir()


def test_other_libraries_errors_go_to_the_log_file_never_to_stderr(
    tmp_path: Path, capsys: object
) -> None:
    """SQLAlchemy's pool logs a traceback when it cannot reset a connection that was
    cut; Python's last-resort handler used to print it, unredacted, on stderr."""
    log_file = tmp_path / "logs" / "xerodesk.log"
    configure_logging(log_file)
    secret = "pw-ABCDEFGHIJKLMNOP"
    register_secret(secret)
    try:
        raise ConnectionResetError(f"reset while talking to db:{secret}")
    except ConnectionResetError:
        logging.getLogger("sqlalchemy.pool.impl.QueuePool").error(
            "Exception during reset or similar", exc_info=True
        )
    for handler in logging.getLogger("xerodesk").handlers:
        handler.flush()
    captured = capsys.readouterr()  # type: ignore[attr-defined]
    assert captured.err == ""
    written = log_file.read_text(encoding="utf-8")
    assert "sqlalchemy.pool.impl.QueuePool: Exception during reset or similar" in written
    assert "ConnectionResetError: reset while talking to db:[redacted]" in written
    assert secret not in written
    configure_logging(None)


def test_a_service_on_the_journal_logs_its_passes_there_with_priorities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """systemd names the journal's stream in JOURNAL_STREAM; only that stream gets INFO."""
    journal = tmp_path / "journal"
    with journal.open("w", encoding="utf-8") as stream:
        monkeypatch.setattr(sys, "stderr", stream)
        stat = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{stat.st_dev}:{stat.st_ino}")
        assert stderr_is_journal()
        configure_logging(tmp_path / "xerodesk.log")
        logger = logging.getLogger("xerodesk.test")
        logger.info("pass finished")
        logger.warning("Xero answered slowly")
        logger.error("the database went away")
        logger.debug("not for the journal")
        # a stream that is not the one systemd named: the CLI's quiet stderr
        monkeypatch.setenv("JOURNAL_STREAM", f"{stat.st_dev}:{stat.st_ino + 1}")
        assert not stderr_is_journal()
        configure_logging(tmp_path / "xerodesk.log")
        logger.info("quiet again")
        logger.warning("plain warning")
        configure_logging(None)
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert lines == [
        "<6>pass finished",
        "<4>Xero answered slowly",
        "<3>the database went away",
        "WARNING: plain warning",
    ]
