"""Browser tests' parts: the CRM served on a loopback port with demo data, and Debian's chromium via Playwright.

Playwright's own browser download cannot work here, so the tests drive /usr/bin/chromium (``make browser``
installs it). Under CI a missing browser fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page

from huitong.config import Settings
from huitong.demo import load_demo
from huitong.engine.api.app import create_app
from huitong.engine.platform import Platform
from huitong.modules import MODULES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
PASSWORD = "huitong2026"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}
SCRIPT_ERRORS: list[str] = []  # what watch_scripts saw; the no_script_errors fixture fails the test that caused any


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"chromium is required under CI and missing at {CHROMIUM}; run `make browser`")
        pytest.skip("chromium is not installed (make browser)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """The whole application in a thread of the test process, on its own database."""

    def __init__(self, database_url: str, accounts: int = 40) -> None:
        self.platform = Platform(Settings(database_url=database_url), MODULES)
        self.platform.migrate()
        load_demo(self.platform, accounts)
        self.port = free_port()
        config = uvicorn.Config(create_app(self.platform), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.platform.close()


def open_page(browser: Browser, server: LiveServer, width: int = DESKTOP["width"], locale: str = "zh-CN") -> Page:
    """A new browser context (its own cookies) at ``width`` pixels, speaking ``locale``, on the test server."""
    viewport = PHONE if width == PHONE["width"] else {"width": width, "height": DESKTOP["height"]}
    context = browser.new_context(viewport=viewport, locale=locale, base_url=server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return watch_scripts(page)


def watch_scripts(page: Page) -> Page:
    """Record the page's uncaught script errors and Alpine's expression errors, which Alpine only logs as warnings:
    a broken handler (a confirm that never asks, say) otherwise passes every assertion about what it left alone."""
    page.on("pageerror", lambda error: SCRIPT_ERRORS.append(f"{page.url}: {error}"))
    page.on("console", lambda message: _console(page, message.text))
    return page


def _console(page: Page, text: str) -> None:
    if text.startswith("Alpine Expression Error"):
        SCRIPT_ERRORS.append(f"{page.url}: {text}")


def take_script_errors() -> list[str]:
    errors = SCRIPT_ERRORS[:]
    SCRIPT_ERRORS.clear()
    return errors


def sign_in(page: Page, username: str = "admin") -> None:
    page.goto("/login")
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("密码|Password")).fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot a reviewer can open: artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
