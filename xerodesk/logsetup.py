"""Logging to a rotating file and stderr, with secrets redacted everywhere.

Any code that handles a token, a client secret or a password registers the
value with ``register_secret``; the redaction filter then replaces it in every
record (message, arguments and exception text) before any handler sees it.
Database URLs have their passwords masked too.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
import threading
import time
from pathlib import Path

REDACTED = "[redacted]"
_MIN_SECRET_LENGTH = 4
_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]+)(?P<at>@)")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
_FORM_SECRET = re.compile(
    r"(?i)\b(access_token|refresh_token|id_token|client_secret|code_verifier|password)"
    r"(\"?\s*[=:]\s*\"?)([^\s&\",}]+)"
)


def register_secret(value: str | None) -> None:
    """Make ``value`` unprintable in logs from now on."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(value)


def forget_secrets() -> None:
    """Drop every registered secret (tests use it between cases)."""
    with _secrets_lock:
        _secrets.clear()


def redact(text: str) -> str:
    """``text`` with every registered secret and recognisable credential masked."""
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _URL_PASSWORD.sub(lambda m: m["head"] + REDACTED + m["at"], text)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    return _FORM_SECRET.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message and exception text with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _NotFileOnly(logging.Filter):
    """Keeps records marked ``extra={"file_only": True}`` (tracebacks) off stderr."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "file_only", False)


#: pass as ``extra=`` to log a record (e.g. a traceback) to the log file only
FILE_ONLY = {"file_only": True}

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Libraries(logging.Handler):
    """Other libraries' warnings and errors (SQLAlchemy's connection pool logs a
    traceback when a connection it resets was cut): on the root logger, so that
    Python's last-resort handler never prints them, traceback and all, unredacted
    on stderr. They go to the log file (redacted, like every record there), and
    to stderr too only with ``--debug``; xerodesk's own records have their handlers."""

    def __init__(self, targets: list[logging.Handler]) -> None:
        super().__init__(logging.WARNING)
        self.targets = targets

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "xerodesk" or record.name.startswith("xerodesk."):
            return
        for target in self.targets:
            if record.levelno >= target.level:
                target.handle(record)


def configure_logging(
    log_file: Path | None, *, debug: bool = False, stderr_level: int | None = None
) -> None:
    """Send xerodesk's logs to a rotating file and to stderr, redacted.

    The file gets INFO (DEBUG with ``debug``); stderr gets WARNING unless told
    otherwise, so the CLI stays quiet and readable. A service whose stderr is
    systemd's journal gets INFO there too, each line with its priority.
    """
    root = logging.getLogger("xerodesk")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    top = logging.getLogger()
    for handler in list(top.handlers):
        if isinstance(handler, _Libraries):
            top.removeHandler(handler)
    targets: list[logging.Handler] = []
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    root.propagate = True
    redactor = RedactingFilter()
    formatter = logging.Formatter(_FORMAT)
    formatter.converter = _utc_converter
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
        )
        file_handler.setFormatter(formatter)
        file_handler.addFilter(redactor)
        root.addHandler(file_handler)
        targets.append(file_handler)
    err = logging.StreamHandler()
    journal = stderr_is_journal()
    default_level = logging.DEBUG if debug else logging.INFO if journal else logging.WARNING
    err.setLevel(stderr_level if stderr_level is not None else default_level)
    err.setFormatter(_JournalFormatter() if journal else logging.Formatter(_STDERR_FORMAT))
    err.addFilter(_NotFileOnly())
    err.addFilter(redactor)
    root.addHandler(err)
    if debug:
        targets.append(err)
    top.addHandler(_Libraries(targets))


_STDERR_FORMAT = "%(levelname)s: %(message)s"
#: syslog priorities (sd-daemon(3)'s "<N>" line prefixes) by logging level
_PRIORITIES = ((logging.ERROR, 3), (logging.WARNING, 4), (logging.INFO, 6))


def stderr_is_journal(environ: dict[str, str] | None = None) -> bool:
    """Whether stderr is systemd's journal: ``JOURNAL_STREAM`` names its device and inode.

    systemd sets ``JOURNAL_STREAM`` to ``device:inode`` of the stream it connects
    a service's output to; a program compares it with its own stderr, as
    systemd.exec(5) says, so that a shell or pipe started from the service
    is not mistaken for the journal.
    """
    named = (os.environ if environ is None else environ).get("JOURNAL_STREAM", "")
    try:
        stat = os.fstat(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return named == f"{stat.st_dev}:{stat.st_ino}"


class _JournalFormatter(logging.Formatter):
    """``<6>message``: the journal reads the priority from the prefix and adds its own time."""

    def __init__(self) -> None:
        super().__init__("%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        priority = next((p for level, p in _PRIORITIES if record.levelno >= level), 7)
        return f"<{priority}>{super().format(record)}"


def _utc_converter(seconds: float | None) -> time.struct_time:
    return time.gmtime(seconds)


def current_log_file() -> Path | None:
    """The file xerodesk logs to now (``configure_logging``'s), or None when it logs to none."""
    for handler in logging.getLogger("xerodesk").handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename)
    return None
