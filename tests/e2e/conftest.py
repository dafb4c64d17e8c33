"""Browser tests: Debian's headless Chromium driven by Playwright (``../shared/notes/browser.md``).

* ``browser``: one Chromium per session, launched with the flags this machine needs.
* ``page``: a fresh context per test that refuses every request to a host other than the
  app's (no CDN, no internet) and fails the test if the page tried one or logged a
  JavaScript error.
* ``shot(page, name)``: saves a numbered PNG under ``var/test-artifacts/<test>/``.
* ``web_only``: the dashboard alone (seeded SQLite store, uvicorn in a thread) for pages that
  need no call; full flows start the real stack (``tests.support.stack``).
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright

from dashboard.app import create_app
from dashboard.settings import WebSettings
from tests.support.stack import free_port
from tests.support.store import seeded_store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Playwright gives each launch a fresh temporary profile (the notes' --user-data-dir).
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    foreign: list[str] = []
    js_errors: list[str] = []

    def only_local(route: Route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if host in LOCAL_HOSTS or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            js_errors.append(message.text)

    context.route("**/*", only_local)
    new_page = context.new_page()
    new_page.on("console", on_console)
    new_page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    yield new_page
    context.close()
    assert not foreign, f"the page asked for assets outside the app: {foreign}"
    # Failed API calls the test provokes on purpose show as console errors of the fetch;
    # anything else (a script error, a missing asset) fails the test.
    unexpected = [e for e in js_errors if not re.search(r"status of 4\d\d", e)]
    assert not unexpected, f"JavaScript errors: {unexpected}"


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    count = 0

    def take(page: Page, name: str) -> Path:
        nonlocal count
        count += 1
        path = folder / f"{count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="module")
def web_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on a seeded SQLite store in this process; yields its base URL."""
    folder = tmp_path_factory.mktemp("web-only")
    db = folder / "store.sqlite3"
    seeded_store(f"sqlite:///{db}", db).engine.dispose()
    settings = WebSettings(db_url=f"sqlite:///{db}")
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the dashboard did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
