"""End to end in a real browser: headless Debian chromium driven by Playwright against the app
served on 127.0.0.1. A reviewer signs in, takes the next item, decides with the keyboard, sees
the decision in the history and undoes it; two reviewers never get the same item; crawled
markup stays text; the Content Security Policy blocks nothing the pages need."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from claimwatch.settings import Settings
from claimwatch.web import create_app
from tests.factories import ALLIANCE, Occurrence, flagged_item
from tests.web_helpers import PASSWORDS, add_people, live_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE = "Vietnam <img src=x onerror=alert(1)> <script>alert(2)</script> left ASEAN"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Debian's chromium is not installed (setup.sh --dev installs it)",
)


@pytest.fixture
def base_url(settings: Settings, session: Session) -> Iterator[str]:
    add_people(session)
    flagged_item(session, priority=0.9)
    flagged_item(session, [Occurrence("wire", "en", HOSTILE, ALLIANCE[0].published)], priority=0.8)
    flagged_item(session, [ALLIANCE[2]], priority=0.1)
    session.commit()
    with live_server(create_app(settings)) as base:
        yield base


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def signed_in(browser: object, base_url: str, username: str):  # type: ignore[no-untyped-def]
    page = browser.new_context().new_page()  # type: ignore[attr-defined]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.console = console
    page.goto(f"{base_url}/queue")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")
    return page


def test_a_reviewer_decides_with_the_keyboard_and_undoes(browser: object, base_url: str) -> None:
    page = signed_in(browser, base_url, "rev1")
    page.keyboard.press("n")
    page.wait_for_url("**/items/1")
    page.keyboard.press("1")  # choose the first suggested snippet
    assert page.locator(".snippet-choice input").first.is_checked()
    page.keyboard.press("m")
    page.wait_for_selector("text=Item #1: misleading")
    history = page.locator("table.history tbody tr")
    assert history.count() == 1
    assert "rev1" in history.first.inner_text() and "decide" in history.first.inner_text()
    assert "misleading" in page.locator("h1 .status").inner_text()
    page.keyboard.press("u")
    page.wait_for_selector("text=Your decision on item #1 was undone.")
    assert "undo" in page.locator("table.history tbody tr").nth(1).inner_text()
    assert "new" in page.locator("h1 .status").inner_text()
    page.keyboard.press("n")  # the item is held by rev1 again: still the same one
    page.wait_for_url("**/items/1")
    page.keyboard.press("o")
    page.wait_for_selector("text=Item #1: out of scope")
    page.keyboard.press("p")  # back to the item decided last, from any page
    page.wait_for_url("**/items/1")
    assert page.context.request.get(f"{base_url}/login").headers["content-security-policy"]
    blocked = [text for text in page.console if "Content Security Policy" in text]
    assert blocked == []


def test_two_reviewers_never_get_the_same_item(browser: object, base_url: str) -> None:
    first = signed_in(browser, base_url, "rev1")
    second = signed_in(browser, base_url, "rev2")
    first.keyboard.press("n")
    second.keyboard.press("n")
    first.wait_for_url("**/items/*")
    second.wait_for_url("**/items/*")
    assert first.url != second.url
    assert "taken by rev2" in second.locator("p.meta").inner_text()


def test_crawled_markup_is_shown_as_text(browser: object, base_url: str) -> None:
    page = signed_in(browser, base_url, "rev1")
    page.goto(f"{base_url}/items/2")
    assert page.locator("#claim-text").inner_text() == HOSTILE
    assert page.locator("img[src=x]").count() == 0
    page.goto(f"{base_url}/queue")
    assert HOSTILE in page.locator("table.queue").inner_text()
    assert page.dialogs == []  # type: ignore[attr-defined]
