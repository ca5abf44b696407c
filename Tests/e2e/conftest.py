"""Fixtures for the end-to-end tests: a real `lkk serve` on a temporary SQLite file and headless Chromium."""
import email
import email.policy
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ARTIFACTS = os.environ.get("LKK_E2E_ARTIFACTS", os.path.join(ROOT, ".build", "e2e-artifacts"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_portal(extra_env=None):
    """Starts the built binary from an unrelated working directory, as an operator would; yields its base
    address and working folder, and stops it afterwards."""
    binary = os.environ.get("LKK_BIN", os.path.join(ROOT, ".build", "debug", "lkk"))
    if not os.path.exists(binary):
        pytest.fail(f"{binary} is missing: run `swift build` first")
    workdir = tempfile.mkdtemp(prefix="lkk-e2e-")
    port = free_port()
    env = dict(os.environ, PORT=str(port), PORTAL_DATA_DIR=os.path.join(workdir, "data"), PORTAL_BCRYPT_COST="6")
    env.pop("DATABASE_URL", None)
    env.pop("SMTP_URL", None)
    env.update(extra_env or {})
    log = open(os.path.join(workdir, "serve.log"), "w")
    process = subprocess.Popen([binary, "serve"], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.time() > deadline:
            log.flush()
            pytest.fail("lkk serve did not start:\n" + open(os.path.join(workdir, "serve.log")).read())
        time.sleep(0.2)
    yield {"base": base, "workdir": workdir}
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def portal():
    """The portal with the file mailer: its letters are read at /dev/mail."""
    yield from start_portal()


@pytest.fixture(scope="module")
def smtp_portal():
    """The portal sending its letters over SMTP to an aiosmtpd sink (Tests/support/smtp_sink.py); yields the
    portal's base address and `letters()`, the messages the sink received so far."""
    folder = tempfile.mkdtemp(prefix="lkk-sink-")
    ready = os.path.join(folder, "ready.json")
    sink = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "Tests", "support", "smtp_sink.py"), "--dir", folder, "--ready-file",
         ready, "--exit-on-stdin-eof"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while not os.path.exists(ready):
        if sink.poll() is not None or time.time() > deadline:
            pytest.fail("the SMTP sink did not start: is aiosmtpd installed (pip install aiosmtpd)?")
        time.sleep(0.1)
    with open(ready) as f:
        plain = json.load(f)["ports"]["plain"]

    def letters():
        found = []
        for name in sorted(os.listdir(folder), key=lambda n: (len(n), n)):
            if name.endswith(".eml"):
                with open(os.path.join(folder, name), "rb") as f:
                    found.append(email.message_from_bytes(f.read(), policy=email.policy.default))
        return found

    for running in start_portal({"SMTP_URL": f"smtp+plain://127.0.0.1:{plain}"}):
        yield dict(running, letters=letters)
    sink.stdin.close()
    sink.wait(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


def make_driver(width, height, download_dir=None):
    options = Options()
    if download_dir:
        options.add_experimental_option("prefs", {
            "download.default_directory": download_dir, "download.prompt_for_download": False})
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}"]:
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = shutil.which("chromedriver")
    if not options.binary_location or not driver_path:
        pytest.fail("chromium and chromium-driver are needed: apt-get install chromium chromium-driver")
    return webdriver.Chrome(service=Service(driver_path), options=options)


@pytest.fixture
def browser():
    driver = make_driver(1366, 900)
    yield driver
    driver.quit()


@pytest.fixture
def phone():
    driver = make_driver(360, 740)
    yield driver
    driver.quit()


def console_errors(driver, expected_statuses=()):
    """Console messages of level SEVERE (script errors, CSP violations, failed loads). A form refused on
    purpose answers 422, which Chrome also logs: pass its status in `expected_statuses`."""
    errors = []
    for entry in driver.get_log("browser"):
        if entry["level"] != "SEVERE":
            continue
        if entry.get("source") == "network" and any(
                f"status of {status} " in entry["message"] for status in expected_statuses):
            continue
        errors.append(entry)
    return errors


def screenshot(driver, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    driver.save_screenshot(os.path.join(ARTIFACTS, name + ".png"))


MANUAL = os.path.join(ROOT, "Sources", "App", "Public", "images", "manual")


def manual_screenshot(driver, name):
    """A screenshot for «Инструкция пользователя»: the visible part of the page as JPEG in `Public/images/manual`,
    so the manual's figures follow the pages. Chromium encodes it (DevTools), so nothing else is needed."""
    import base64

    os.makedirs(MANUAL, exist_ok=True)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "jpeg", "quality": 70})
    with open(os.path.join(MANUAL, name + ".jpg"), "wb") as f:
        f.write(base64.b64decode(shot["data"]))


def downloaded_xlsx(folder, what, seconds=20):
    """The path of the first `.xlsx` the browser saved into `folder` (waits for it)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        files = [f for f in os.listdir(folder) if f.endswith(".xlsx")]
        if files:
            return os.path.join(folder, files[0])
        time.sleep(0.3)
    raise AssertionError(f"{what} was not downloaded")


def axe_violations(driver):
    """axe-core's WCAG 2 A and AA rules on the page now in `driver`: (rule, help, first elements) of each
    violation. axe-core comes with axe-selenium-python from PyPI; it is run here through its promise."""
    from axe_selenium_python import Axe

    Axe(driver).inject()
    driver.set_script_timeout(60)
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
        ".then(r => done(r.violations.map(v => [v.id, v.help, v.nodes.slice(0, 3).map(n => n.target.join(' '))])))"
        ".catch(e => done([['axe', String(e), []]]));")
