"""The draft page in a real browser: Debian's chromium driven by chromedriver (selenium).

Nothing downloads a browser: the tests use /usr/bin/chromium and /usr/bin/chromedriver,
and skip when they are absent, unless BAOCAO_REQUIRE_BROWSER=1 (CI), which fails instead.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from docx import Document
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from bot.core.clock import now
from bot.texts import t
from tests.support.web import UNIT_NAME, Site, ask_draft, draft_site

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REQUIRE_BROWSER = "BAOCAO_REQUIRE_BROWSER"
# How long a download may take to land in the folder (a loaded machine is slow).
DOWNLOAD_WAIT = 30.0


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        reason = f"not installed: {', '.join(missing)} (apt-get install chromium chromium-driver)"
        if os.environ.get(REQUIRE_BROWSER) == "1":
            pytest.fail(f"{reason}; {REQUIRE_BROWSER}=1 requires the browser tests to run")
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=vi"):
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(180)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with draft_site(tmp_path_factory.mktemp("web")) as served_site:
        yield served_site


def downloaded(folder: Path) -> Path:
    """The file the browser finished downloading into `folder`."""
    deadline = time.monotonic() + DOWNLOAD_WAIT
    while time.monotonic() < deadline:
        done = [path for path in folder.iterdir() if path.suffix == ".docx"]
        if done:
            return done[0]
        time.sleep(0.1)  # polls for a file, not for the clock
    raise AssertionError(f"nothing downloaded into {folder}: {list(folder.iterdir())}")


def test_the_page_renders_and_its_download_works(
    browser: webdriver.Chrome, site: Site, tmp_path: Path
) -> None:
    draft = ask_draft(site.engine)
    browser.get(draft.link or "")
    assert browser.find_element(By.ID, "report").text == "Báo cáo thử nghiệm"
    assert UNIT_NAME in browser.find_element(By.TAG_NAME, "body").text  # shown, not run
    assert browser.find_elements(By.CSS_SELECTOR, "#warnings li")
    assert browser.execute_script("return document.cookie") == ""
    browser.set_window_size(390, 844)  # a phone: nothing wider than the screen
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    browser.find_element(By.ID, "download-docx").click()
    file = downloaded(tmp_path)
    assert file.read_bytes() == draft.data
    assert Document(io.BytesIO(file.read_bytes())).paragraphs


def test_an_expired_link_shows_the_403_page(browser: webdriver.Chrome, site: Site) -> None:
    draft = ask_draft(site.engine)
    with time_machine.travel(now() + timedelta(hours=25)):
        browser.get(draft.link or "")
        title = browser.find_element(By.ID, "refused").text
        reason = browser.find_element(By.ID, "reason").text
    assert title == t("web.refused.title")
    assert reason == t("web.refused.expired")
    assert "/duthao" in browser.find_element(By.TAG_NAME, "body").text
