"""What the connection tests share: a browser that plays the user, clicks, questions."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.gui.conftest import wait_until

#: a client id of the form Xero issues (the sandbox accepts any)
CLIENT_ID = "0123456789ABCDEF0123456789ABCDEF"


class Browser:
    """Plays the system browser: follows the consent page's redirect to the loopback listener.

    With ``decision`` ("allow" or "deny") it asks for the sandbox's consent page
    and presses that button, as a person would.
    """

    def __init__(self, decision: str | None = None, act: bool = True) -> None:
        self.opened: list[str] = []
        self.status: int | None = None
        self.decision = decision
        self.act = act

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        if not self.act:
            return True
        if self.decision is None:
            response = httpx.get(url, follow_redirects=True, timeout=20)
        else:
            page = httpx.get(url + "&sandbox_consent=page", timeout=20)
            fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
            form = {k: unescape(v) for k, v in fields.items()}
            form["decision"] = self.decision
            action = str(page.url.copy_with(query=None))
            response = httpx.post(action, data=form, follow_redirects=True, timeout=20)
        self.status = response.status_code
        return True


def click(qtbot: Any, button: Any) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def question(name: str) -> QMessageBox | None:
    shown = [
        w for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.objectName() == name and w.isVisible()
    ]  # fmt: skip
    return shown[0] if shown else None


async def answer(qtbot: Any, name: str, button: QMessageBox.StandardButton) -> None:
    """Wait for the question called ``name`` and click ``button``."""
    await wait_until(lambda: question(name) is not None, 20, f"the question {name}")
    box = question(name)
    assert box is not None
    qtbot.mouseClick(box.button(button), Qt.MouseButton.LeftButton)
