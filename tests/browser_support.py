"""The `browser` fixture: a headless Chromium under Playwright, for tests that drive the course in a real browser.

The browser is the machine's own (course_lib.tooling.browser finds it; nothing is downloaded).
Where Playwright or Chromium is missing, the browser tests are skipped with the reason and the fix;
under CI (``CI=true``) they fail instead, since CI must run them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

TOUR_VARIABLE = "COURSE_TOUR_DIR"  # where the README's screenshot tour is refreshed from a test run (docs/tour)


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


def keep_for_tour(screenshot: Path) -> None:
    """Copy a test's screenshot into the README's tour, when COURSE_TOUR_DIR names its folder.

    The tour is refreshed with:
    ``COURSE_TOUR_DIR=docs/tour .venv/bin/python -m pytest tests/test_browser_lab.py tests/test_site.py -k "presenting or 06_fgsm or in_a_browser"``
    """
    folder = os.environ.get(TOUR_VARIABLE)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(folder) / screenshot.name)
