"""«Инструкция пользователя»: the browser takes the manual's screenshots of the real pages on demo data
(`Sources/App/Public/images/manual`), then the guide is read at /manual with every figure loaded, and its PDF
passes `qpdf --check` with its text extractable."""
import os
import re
import subprocess
import tempfile
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import console_errors, make_driver, manual_screenshot
from test_contracts import sign_in_as_demo

PAGES = [
    ("home", "/"), ("payments", "/payments"), ("readings", "/readings"), ("readings-upload", "/readings/upload"),
    ("history-documents", "/history/documents"), ("appeal-new", "/appeals/new"), ("profile", "/profile"),
    ("profile-contracts", "/profile/contracts"),
]


def test_the_manual_shows_the_real_pages_and_downloads_as_pdf(portal):
    base = portal["base"]
    browser = make_driver(1200, 800)
    try:
        browser.get(base + "/login")
        # The guide is linked from the sign-in page.
        assert browser.find_element(By.LINK_TEXT, "Инструкция пользователя").get_attribute("href") == base + "/manual"
        manual_screenshot(browser, "login")
        browser.get(base + "/register")
        manual_screenshot(browser, "register")
        sign_in_as_demo(browser, base)
        WebDriverWait(browser, 15).until(EC.url_to_be(base + "/"))
        for name, path in PAGES:
            browser.get(base + path)
            WebDriverWait(browser, 15).until(EC.presence_of_element_located((By.CSS_SELECTOR, "main h1")))
            manual_screenshot(browser, name)
        browser.get(base + "/profile/contracts")
        links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "main a[href^='/contracts/']")]
        browser.get(next(link for link in links if re.search(r"/contracts/\d{14}$", link)))
        manual_screenshot(browser, "contract")

        # «Ещё» → «Инструкция пользователя»: every figure is there and loads.
        browser.get(base + "/")
        browser.find_element(By.CSS_SELECTOR, "details[data-more] summary").click()
        browser.find_element(By.CSS_SELECTOR, ".submenu a[href='/manual']").click()
        WebDriverWait(browser, 15).until(EC.title_contains("Инструкция пользователя"))
        images = browser.find_elements(By.CSS_SELECTOR, "figure.manual-figure img")
        figures = len(images)
        assert figures == 15
        for image in images:
            browser.execute_script("arguments[0].scrollIntoView()", image)
            WebDriverWait(browser, 10).until(
                lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image))
        for section in ["2. Вход, регистрация и восстановление пароля", "6. История", "10. Уведомления", "11. Профиль"]:
            assert section in browser.page_source
        assert console_errors(browser) == []
    finally:
        browser.quit()

    # The PDF: valid, with its text, a figure per page it promises.
    with urllib.request.urlopen(base + "/manual.pdf", timeout=60) as answer:
        assert answer.headers.get("Content-Type") == "application/pdf"
        data = answer.read()
    folder = tempfile.mkdtemp(prefix="lkk-manual-")
    path = os.path.join(folder, "manual.pdf")
    with open(path, "wb") as f:
        f.write(data)
    subprocess.run(["qpdf", "--check", path], check=True, capture_output=True)
    text = subprocess.run(["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True).stdout
    for phrase in ["Инструкция пользователя", "5. Показания", "Рисунок 1 – Окно входа", "Модальное окно"]:
        assert phrase in text, phrase
    listed = subprocess.run(["pdfimages", "-list", path], check=True, capture_output=True, text=True).stdout
    assert len([line for line in listed.splitlines()[2:] if " jpeg " in line]) == figures
    os.remove(path)
    os.rmdir(folder)
