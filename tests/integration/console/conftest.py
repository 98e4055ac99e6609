"""Browser fixtures: Playwright driving the system's chromium (/usr/bin/chromium; it
cannot download its own browsers here). Without chromium or playwright the browser tests
are skipped, unless CONNECTOR_TEST_BROWSER=required (CI), which makes that a failure."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CONNECTOR_TEST_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CONNECTOR_TEST_BROWSER") == "required":
        pytest.fail(f"browser required (CONNECTOR_TEST_BROWSER=required): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is absent (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def served(stack):
    """The foundation stack's app over HTTP on loopback."""
    from connector.loopback import LoopbackServer

    server = LoopbackServer(stack.app).start()
    try:
        yield stack, server.url
    finally:
        server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
