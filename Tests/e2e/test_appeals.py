"""«Обращения» in real browsers: the demo customer writes an appeal with a file; an operator made with
`lkk staff create` enrols (the QR code's key read from the page, TOTP codes computed here with pyotp),
signs in with both factors and answers; the customer sees the menu counter and the reply."""
import os
import re
import subprocess
import tempfile
import time

import pyotp
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import ROOT, axe_violations, console_errors, make_driver, screenshot
from test_contracts import sign_in_as_demo

OPERATOR = "operator@energosbyt.example"
PASSWORD = "Пароль оператора 2026!"


def make_operator(portal, email=OPERATOR, role="operator"):
    binary = os.environ.get("LKK_BIN", os.path.join(ROOT, ".build", "debug", "lkk"))
    env = dict(os.environ, PORTAL_DATA_DIR=os.path.join(portal["workdir"], "data"))
    env.pop("DATABASE_URL", None)
    out = subprocess.run([binary, "staff", "create", email, "--role", role, "--name", "Петрова А. С."],
                         cwd=portal["workdir"], env=env, check=True, capture_output=True, text=True).stdout
    token = re.search(r"/admin/setup\?token=([A-Za-z0-9_-]+)", out)
    assert token, out
    return token.group(1)


def signed_in_operator(portal, email=OPERATOR, role="operator"):
    """A browser of a new operator: enrolled from `lkk staff create`'s link (the QR code's key read from the
    page, codes computed with pyotp, ten recovery codes shown), then signed in with the password and a code."""
    base = portal["base"]
    token = make_operator(portal, email, role)
    staff = make_driver(1366, 900)
    staff.get(base + "/admin/setup?token=" + token)
    secret = staff.find_element(By.CSS_SELECTOR, "code.secret").text.replace(" ", "")
    assert staff.find_element(By.CSS_SELECTOR, ".qr svg")
    totp = pyotp.TOTP(secret)
    staff.find_element(By.ID, "f-password").send_keys(PASSWORD)
    staff.find_element(By.ID, "f-repeat").send_keys(PASSWORD)
    staff.find_element(By.ID, "f-code").send_keys(totp.now())
    screenshot(staff, "admin-setup")
    staff.find_element(By.XPATH, "//button[text()='Сохранить']").click()
    WebDriverWait(staff, 15).until(EC.presence_of_element_located((By.CSS_SELECTOR, "ul.recovery-codes")))
    assert len(staff.find_elements(By.CSS_SELECTOR, "ul.recovery-codes li")) == 10
    staff.find_element(By.LINK_TEXT, "Войти").click()
    staff.find_element(By.ID, "f-email").send_keys(email)
    staff.find_element(By.ID, "f-password").send_keys(PASSWORD)
    staff.find_element(By.XPATH, "//button[text()='Дальше']").click()
    WebDriverWait(staff, 15).until(EC.url_contains("/admin/login/code"))
    # The enrolment used this step's code: the next step's is still within the accepted window.
    staff.find_element(By.ID, "f-code").send_keys(totp.at(time.time() + 30))
    staff.find_element(By.XPATH, "//button[text()='Войти']").click()
    WebDriverWait(staff, 15).until(EC.url_to_be(base + "/admin"))
    return staff


def axe_problems(driver, base, paths):
    """axe-core's findings on each page of `paths` that has any (each page must have its heading)."""
    problems = {}
    for path in paths:
        driver.get(base + path)
        assert driver.find_element(By.TAG_NAME, "h1").text, path
        found = axe_violations(driver)
        if found:
            problems[path] = found
    return problems


def test_an_appeal_answered_by_an_operator(portal, browser):
    base = portal["base"]
    sign_in_as_demo(browser, base)
    WebDriverWait(browser, 15).until(EC.url_to_be(base + "/"))

    # The customer: «Обращения» → «Создать обращение» → раздел and договор → «Дальше» → text and a file.
    browser.find_element(By.LINK_TEXT, "Обращения").click()
    WebDriverWait(browser, 15).until(EC.title_contains("Обращения"))
    browser.find_element(By.LINK_TEXT, "Создать обращение").click()
    Select(browser.find_element(By.ID, "f-section")).select_by_visible_text("Прочие вопросы")
    Select(browser.find_element(By.ID, "f-contract")).select_by_index(0)
    browser.find_element(By.XPATH, "//button[text()='Дальше']").click()
    WebDriverWait(browser, 15).until(EC.title_contains("Информация по обращению"))
    browser.find_element(By.ID, "f-text").send_keys("Прошу прислать копию договора.")
    folder = tempfile.mkdtemp(prefix="lkk-appeal-")
    attachment = os.path.join(folder, "письмо.pdf")
    with open(attachment, "wb") as f:
        f.write(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    browser.find_element(By.ID, "f-files").send_keys(attachment)
    browser.find_element(By.XPATH, "//button[text()='Отправить']").click()
    WebDriverWait(browser, 15).until(EC.url_contains("/appeals?sent="))
    number = re.search(r"sent=(\d+)", browser.current_url).group(1)
    assert f"Обращение № {number} отправлено." in browser.find_element(By.CSS_SELECTOR, ".alert-success").text
    screenshot(browser, "appeals-list")

    # The operator: enrolment from the link, then sign-in with the password and a code.
    staff = signed_in_operator(portal)
    try:

        staff.find_element(By.LINK_TEXT, "Обращения").click()
        staff.find_element(By.LINK_TEXT, number).click()
        WebDriverWait(staff, 15).until(EC.title_contains(f"Обращение № {number}"))
        assert "Прошу прислать копию договора." in staff.page_source
        assert "письмо.pdf" in staff.page_source
        staff.find_element(By.ID, "f-text").send_keys("Копия договора направлена на вашу почту.")
        staff.find_element(By.XPATH, "//button[text()='Ответить']").click()
        WebDriverWait(staff, 15).until(EC.url_contains("done=1"))
        screenshot(staff, "admin-appeal")
        # The staff's pages pass axe-core's WCAG 2 A/AA rules too.
        assert axe_problems(staff, base, ["/admin", "/admin/appeals", f"/admin/appeals/{number}",
                                          "/admin/customers?q=demo%40lkk.example", "/admin/outbox",
                                          "/admin/audit"]) == {}
        assert console_errors(staff) == []
    finally:
        staff.quit()

    # The customer: the counter beside «Обращения», the reply, the counter gone once read.
    browser.get(base + "/payments")
    badge = browser.find_element(By.XPATH, "//nav[@id='site-menu']//a[starts-with(normalize-space(.), 'Обращения')]/span[@class='badge']")
    assert badge.text == "1"
    browser.get(base + "/appeals")
    browser.find_element(By.LINK_TEXT, f"Обращение № {number}").click()
    WebDriverWait(browser, 15).until(EC.title_contains(f"Обращение № {number}"))
    assert "Копия договора направлена на вашу почту." in browser.page_source
    assert not browser.find_elements(By.XPATH, "//nav[@id='site-menu']//span[@class='badge']")
    screenshot(browser, "appeal-card")
    assert console_errors(browser) == []
    os.remove(attachment)
    os.rmdir(folder)


def test_the_system_administrators_pages_pass_axe(portal):
    """The pages only a system administrator opens pass axe-core's WCAG 2 A/AA rules too."""
    base = portal["base"]
    staff = signed_in_operator(portal, "boss@energosbyt.example", role="admin")
    try:
        assert axe_problems(staff, base, ["/admin/staff", "/admin/catalogue", "/admin/faq", "/admin/notifications/new",
                                          "/admin/agreement", "/admin/contacts", "/admin/manual"]) == {}
        assert console_errors(staff) == []
    finally:
        staff.quit()
