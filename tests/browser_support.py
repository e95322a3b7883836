"""The `browser` fixture: a headless Chromium under Playwright, for tests that drive the course in a real browser.

The browser is the machine's own (course_lib.tooling.browser finds it; nothing is downloaded).
Where Playwright or Chromium is missing, the browser tests are skipped with the reason and the fix;
under CI (``CI=true``) they fail instead, since CI must run them.
"""

from __future__ import annotations

import os

import pytest


def unavailable(reason: str) -> None:
    """Skip the test with ``reason``, or fail it under CI, where the browser tests must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI installs it in .ci/run")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (a ``playwright.sync_api.Browser``), shared by the session's browser tests."""
    from course_lib.tooling.browser import BrowserUnavailable, check_browser, headless_chromium

    try:
        check_browser()
    except BrowserUnavailable as error:
        unavailable(f"the browser tests cannot run: {error}")
    with headless_chromium() as launched:
        yield launched
