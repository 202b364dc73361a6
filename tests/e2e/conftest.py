"""A live site served by daphne and a real Chromium driving it."""

import os

import pytest

from tests.support.live import LiveSite
from tests.support.prerequisites import missing

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def live_site(tmp_path_factory, redis_url):
    """The project served by daphne on a free port: .url, .publish(*events), .restart()."""
    site = LiveSite(tmp_path_factory.mktemp("live-site"), redis_url)
    site.prepare()
    site.start()
    yield site
    site.close()


# Per module: Playwright's sync API keeps an event loop running in the main thread while it
# is open, which asyncio tests of later modules cannot share.
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        missing(f"{CHROMIUM} missing (scripts/ensure-chromium.sh installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser page recording script errors, dialogs and CSP violations in .errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(f"script error: {error}"))
    page.on("dialog", lambda dialog: _record_dialog(page, dialog))
    page.on("console", lambda message: _record_csp_violation(page, message))
    yield page
    context.close()


def _record_csp_violation(page, message):
    if message.type == "error" and "Content Security Policy" in message.text:
        page.errors.append(f"csp: {message.text}")


def _record_dialog(page, dialog):
    page.errors.append(f"dialog: {dialog.message}")
    dialog.dismiss()
