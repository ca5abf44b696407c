"""Contracts in a real browser: the demo account signs in, opens a contract, downloads its card, adds a
contract through the e-mailed link (read from the dev mailbox) and removes it again."""
import os
import re
import tempfile
import time

import openpyxl
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import console_errors, downloaded_xlsx, make_driver, screenshot

DEMO_EMAIL = "demo@lkk.example"
DEMO_PASSWORD = "demo-lkk-2026"
# The sixth demo contract is not linked to the demo account; its e-mails are «info@», «energo@» and «buh@»
# at the company's domain, which the demo generator makes from its name (index 5: «Заречный хлебокомбинат»).
SIXTH = "74070100000006"
SIXTH_EMAIL = "energo@zarechny-hleb.example"


def wait(driver, seconds=15):
    return WebDriverWait(driver, seconds)


def fill(driver, field_id, text):
    field = driver.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)


def sign_in_as_demo(driver, base):
    """Signs the demo account in through the sign-in page."""
    driver.get(base + "/login")
    fill(driver, "f-email", DEMO_EMAIL)
    fill(driver, "f-password", DEMO_PASSWORD)
    driver.find_element(By.XPATH, "//button[text()='Войти']").click()


def letter_link(driver, base, subject_start):
    """Opens the newest letter whose subject starts with `subject_start`; returns the link in it."""
    deadline = time.time() + 20
    while time.time() < deadline:
        driver.get(base + "/dev/mail")
        links = [a for a in driver.find_elements(By.CSS_SELECTOR, "table a") if a.text.startswith(subject_start)]
        if links:
            links[0].click()
            match = re.search(r"https?://\S+/contracts/confirm\?token=[0-9a-f]+", driver.page_source)
            assert match, "no link in the letter"
            return match.group(0)
        time.sleep(0.5)
    raise AssertionError(f"no letter «{subject_start}…» arrived")


def test_demo_account_opens_downloads_adds_and_removes_contracts(portal):
    base = portal["base"]
    downloads = tempfile.mkdtemp(prefix="lkk-downloads-")
    browser = make_driver(1366, 900, download_dir=downloads)
    try:
        sign_in_as_demo(browser, base)
        wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".account-icons, [href='/profile']")))

        browser.get(base + "/profile")
        browser.find_element(By.LINK_TEXT, "Договоры").click()
        wait(browser).until(EC.title_contains("Договоры"))
        rows = browser.find_elements(By.CSS_SELECTOR, "table.contracts tbody tr")
        roles = [row.find_elements(By.TAG_NAME, "td")[3].text for row in rows]
        assert roles == ["Руководитель", "Администратор", "Энергетик", "Бухгалтер", "Энергетик"]

        browser.find_element(By.LINK_TEXT, "74070100000001").click()
        wait(browser).until(EC.title_contains("74070100000001"))
        headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "h2")]
        assert headings[:4] == ["Договор", "Реквизиты и контакты", "Банковские реквизиты", "Приборы учета"]
        assert browser.find_elements(By.CSS_SELECTOR, "table.meters tbody tr")
        screenshot(browser, "contract-page")

        browser.find_element(By.PARTIAL_LINK_TEXT, "Скачать").click()
        book = openpyxl.load_workbook(downloaded_xlsx(downloads, "the card"))
        assert book.sheetnames == ["Договор", "Приборы учета"]
        values = [cell.value for row in book["Договор"].iter_rows() for cell in row]
        assert "74070100000001" in values
        assert book["Приборы учета"].max_row >= 2

        # «Добавить договор» with an e-mail of the contract, then the link from the letter.
        browser.get(base + "/profile/contracts")
        browser.find_element(By.LINK_TEXT, "Добавить договор").click()
        wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".modal")))
        fill(browser, "f-number", "7407010000000")  # 13 digits first
        fill(browser, "f-email", SIXTH_EMAIL)
        browser.find_element(By.XPATH, "//button[text()='Сохранить']").click()
        wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".field-error")))
        assert "14 цифр" in browser.find_element(By.CSS_SELECTOR, ".field-error").text
        assert browser.find_element(By.ID, "f-email").get_attribute("value") == SIXTH_EMAIL
        fill(browser, "f-number", SIXTH)
        browser.find_element(By.XPATH, "//button[text()='Сохранить']").click()
        wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".alert-info")))
        assert "Если адрес указан в договоре" in browser.find_element(By.CSS_SELECTOR, ".alert-info").text

        link = letter_link(browser, base, f"Добавление договора {SIXTH}")
        browser.get(link)
        browser.find_element(By.XPATH, "//button[text()='Подтвердить']").click()
        wait(browser).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Договор добавлен"))
        browser.find_element(By.LINK_TEXT, "Перейти к договору").click()
        wait(browser).until(EC.title_contains(SIXTH))
        assert "Руководитель" in browser.page_source

        # «Удалить договор» → «Удалить».
        browser.find_element(By.LINK_TEXT, "Удалить договор").click()
        wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".modal")))
        browser.find_element(By.XPATH, "//button[text()='Удалить']").click()
        wait(browser).until(EC.title_contains("Договоры"))
        assert SIXTH not in browser.find_element(By.CSS_SELECTOR, "table.contracts").text
        assert console_errors(browser, expected_statuses=(422,)) == []
    finally:
        browser.quit()
