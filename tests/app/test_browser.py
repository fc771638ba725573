"""The app in a real browser: ``streamlit run`` on a free loopback port, headless Chromium.

Uses Debian's ``chromium`` and ``chromium-driver`` (CI installs them); nothing is downloaded:
the driver's path is given, so Selenium Manager never runs. Screenshots of every page go to
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.paths import PROJECT_ROOT
from demo.settings import WORKSPACE_ENV
from demo.walkthrough import STEPS
from tests.app.conftest import APP_SCRIPT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
STEP_SECONDS = 600  # "run all" on a busy CI machine
OVERVIEW_TITLE = "AI/ML Architecture — how it all fits together"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, "
        "/usr/bin/chromedriver); `apt-get install chromium chromium-driver`",
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer on {url} within {timeout} s")


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    """What ``make app`` runs, on a free port, with a temporary workspace."""
    port = free_port()
    env = {**os.environ, WORKSPACE_ENV: str(tmp_path / "workspace"),
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    log = (tmp_path / "streamlit.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP_SCRIPT),
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never download
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", "--disable-sync", "--disable-quic",
                     "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'chromium'}",
                     "--window-size=1440,2200"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for_text(driver: object, text: str, timeout: float = 120) -> None:
    """Wait until ``text`` is on the page and Streamlit has finished running the script."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def ready(d: object) -> bool:
        body = d.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
        busy = d.find_elements(  # type: ignore[attr-defined]
            By.CSS_SELECTOR, '[data-testid="stStatusWidgetRunningIcon"], '
            '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]')
        return text in body and not busy

    WebDriverWait(driver, timeout, poll_frequency=0.3).until(ready)


def no_exception_on_page(driver: object) -> None:
    from selenium.webdriver.common.by import By

    shown = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')  # type: ignore[attr-defined]
    assert not shown, shown[0].text


def click_button(driver: object, label: str, timeout: float = 60) -> None:
    """Click the button labelled ``label``, waiting for it while the page is still rendering."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def clicked(d: object) -> bool:
        # Streamlit re-renders while a script runs: an element found a moment ago can go
        # stale, so finding and clicking are retried together until the click lands.
        for button in d.find_elements(By.TAG_NAME, "button"):  # type: ignore[attr-defined]
            if button.text.strip() == label:
                button.click()
                return True
        return False

    try:
        WebDriverWait(driver, timeout, poll_frequency=0.3,
                      ignored_exceptions=(StaleElementReferenceException,)).until(clicked)
    except TimeoutException:
        raise AssertionError(f"no button labelled {label!r} after {timeout:.0f} s") from None


def open_page(driver: object, title: str, heading: str) -> None:
    """Click the page's link in the sidebar navigation and wait for its heading."""
    from selenium.webdriver.common.by import By

    links = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNavLink"]')  # type: ignore[attr-defined]
    chosen = [link for link in links if link.text.strip() == title]
    assert chosen, f"no navigation link {title!r}"
    chosen[0].click()
    wait_for_text(driver, heading)
    no_exception_on_page(driver)


def screenshot(driver: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
    return path


def test_every_page_in_a_real_browser(app_url: str, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.expected_conditions import presence_of_element_located
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    driver.get(app_url)  # type: ignore[attr-defined]
    wait_for_text(driver, OVERVIEW_TITLE)
    no_exception_on_page(driver)
    screenshot(driver, "00_overview")

    # The workshop's main flow: a smaller raw file, then "Run all steps" from the sidebar.
    rows = WebDriverWait(driver, 60).until(presence_of_element_located(
        (By.CSS_SELECTOR, 'input[aria-label="Customers in the raw file"]')))
    rows.send_keys(Keys.CONTROL, "a")
    rows.send_keys("1500", Keys.ENTER)
    wait_for_text(driver, "Steps done: 0 of 9")
    click_button(driver, "Run all steps")
    wait_for_text(driver, "Steps done: 9 of 9", timeout=STEP_SECONDS)
    no_exception_on_page(driver)
    screenshot(driver, "01_overview_after_run_all")

    titles = [(step.title, step.title) for step in STEPS]
    titles += [("Cloud mapping", "Cloud mapping"), ("Best practices", "Best practices")]
    for number, (link, heading) in enumerate(titles, start=2):
        open_page(driver, link, heading)
        if link == "Serving":
            click_button(driver, "Ask the API")
            wait_for_text(driver, "Customers answered")
        screenshot(driver, f"{number:02d}_{link.lower().replace(' ', '_')}")
    assert len(list(SCREENSHOTS.glob("*.png"))) >= len(titles) + 2
