"""«История» in a real browser, with letters going over SMTP to a sink: the demo account — «Бухгалтер» on
contract 74070100000004 — filters the documents, opens a PDF in a new tab, sends one by e-mail (the letter
with the PDF arrives), downloads a meter's reading history as Excel and orders an акт сверки that becomes
ready and arrives by letter."""
import os
import tempfile
import time
import urllib.request

import openpyxl
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import console_errors, downloaded_xlsx, make_driver, screenshot
from test_contracts import sign_in_as_demo

ACCOUNTANT = "74070100000004"
MANAGER = "74070100000001"
SENT = ("Документ будет отправлен на ваш электронный адрес после формирования. "
        "Время подготовки может составить до 10 минут.")


def wait_for_letter(letters, subject_start, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        for letter in letters():
            if letter["Subject"].startswith(subject_start):
                return letter
        time.sleep(0.5)
    raise AssertionError(f"no letter «{subject_start}…» arrived at the sink")


def fetch(driver, url):
    """GETs `url` with the browser's session cookie: (content type, body)."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=20) as answer:
        return answer.headers.get("Content-Type"), answer.read()


def test_history_journey(smtp_portal):
    base = smtp_portal["base"]
    downloads = tempfile.mkdtemp(prefix="lkk-history-")
    browser = make_driver(1366, 900, download_dir=downloads)
    try:
        sign_in_as_demo(browser, base)
        WebDriverWait(browser, 15).until(EC.url_to_be(base + "/"))
        browser.find_element(By.LINK_TEXT, "История").click()
        WebDriverWait(browser, 15).until(EC.url_to_be(base + "/history/documents"))

        # «Документы»: the accountant's contract, счета-фактуры only.
        Select(browser.find_element(By.ID, "f-contract")).select_by_value(ACCOUNTANT)
        Select(browser.find_element(By.ID, "f-type")).select_by_value("invoiceFacture")
        browser.find_element(By.XPATH, "//button[text()='Применить']").click()
        WebDriverWait(browser, 15).until(EC.url_contains("type=invoiceFacture"))
        rows = browser.find_elements(By.CSS_SELECTOR, "table.history-documents tbody tr")
        assert rows, "the demo contract has invoices-facture"
        assert all("Счет-фактура №" in row.text and ACCOUNTANT in row.text for row in rows)
        screenshot(browser, "history-documents")

        # The download icon opens the PDF in a new tab.
        first = rows[0]
        title = first.find_element(By.CSS_SELECTOR, "td").text
        link = first.find_element(By.CSS_SELECTOR, "a[title='Скачать']")
        assert link.get_attribute("target") == "_blank"
        link.click()
        WebDriverWait(browser, 15).until(lambda d: len(d.window_handles) == 2)
        browser.switch_to.window(browser.window_handles[1])
        WebDriverWait(browser, 15).until(EC.url_contains("/history/documents/file?id="))
        kind, body = fetch(browser, browser.current_url)
        assert kind == "application/pdf" and body.startswith(b"%PDF-1.7")
        browser.close()
        browser.switch_to.window(browser.window_handles[0])

        # The send icon: «E-mail» holds the account's address; another one is allowed.
        first = browser.find_elements(By.CSS_SELECTOR, "table.history-documents tbody tr")[0]
        first.find_element(By.CSS_SELECTOR, "a[title='Отправить на e-mail']").click()
        WebDriverWait(browser, 15).until(EC.title_contains("Отправка файла"))
        field = browser.find_element(By.ID, "f-email")
        assert field.get_attribute("value") == "demo@lkk.example"
        field.clear()
        field.send_keys("glavbuh@example.ru")
        browser.find_element(By.XPATH, "//button[text()='Отправить']").click()
        WebDriverWait(browser, 15).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".alert-success")))
        assert browser.find_element(By.CSS_SELECTOR, ".alert-success").text == SENT
        letter = wait_for_letter(smtp_portal["letters"], title)
        assert letter["To"] == "glavbuh@example.ru"
        assert f"направляем документ «{title}»" in letter.get_body(preferencelist=("plain",)).get_content()
        attachments = list(letter.iter_attachments())
        assert len(attachments) == 1 and attachments[0].get_content_type() == "application/pdf"
        assert attachments[0].get_content().startswith(b"%PDF-1.7")

        # «Показания»: a meter of the manager's contract, then its history as Excel.
        browser.find_element(By.CSS_SELECTOR, "nav.tabs a[href='/history/readings']").click()
        WebDriverWait(browser, 15).until(EC.url_contains("/history/readings"))
        Select(browser.find_element(By.ID, "f-contract")).select_by_value(MANAGER)
        browser.find_element(By.XPATH, "//button[text()='Применить']").click()
        WebDriverWait(browser, 15).until(EC.url_contains("contract=" + MANAGER))
        energy_object = browser.find_element(By.CSS_SELECTOR, "details.eo")
        if energy_object.get_attribute("open") is None:
            energy_object.find_element(By.TAG_NAME, "summary").click()  # the «клювик»
        energy_object.find_element(By.CSS_SELECTOR, "ul.meters a").click()
        WebDriverWait(browser, 15).until(EC.url_contains("meter="))
        table = browser.find_element(By.CSS_SELECTOR, "details.eo[open] table")
        assert "Принято к расчету" in table.text
        screenshot(browser, "history-readings")
        download = browser.find_element(By.CSS_SELECTOR, "a[title='Скачать в Excel']")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", download)  # below the sticky header
        download.click()
        workbook = openpyxl.load_workbook(downloaded_xlsx(downloads, "the reading history"))
        sheet = workbook.active
        assert [c.value for c in sheet[1]] == [
            "Энергообъект", "Номер ПУ", "Шкала", "Период", "Показания", "Дата", "Источник"]
        assert sheet.max_row > 1

        # «Заказы»: an акт сверки for the accountant's contract, ready a moment later.
        browser.find_element(By.CSS_SELECTOR, "nav.tabs a[href='/history/orders']").click()
        WebDriverWait(browser, 15).until(EC.title_contains("История"))
        Select(browser.find_element(By.ID, "f-contract")).select_by_value(ACCOUNTANT)
        browser.find_element(By.XPATH, "//button[text()='Запросить акт сверки']").click()
        WebDriverWait(browser, 15).until(EC.url_contains("ordered="))
        assert "принят" in browser.find_element(By.CSS_SELECTOR, ".alert-success").text
        def act_row():
            return next(row for row in browser.find_elements(By.CSS_SELECTOR, "main table tbody tr")
                        if "Акт сверки взаиморасчетов" in row.text)

        assert "В работе" in act_row().text or "Готов" in act_row().text
        deadline = time.time() + 30
        while "Готов" not in act_row().text:
            assert time.time() < deadline, "the акт сверки did not become ready"
            time.sleep(0.5)
            browser.refresh()
        ready = act_row().find_element(By.CSS_SELECTOR, "a[title='Скачать']")
        kind, body = fetch(browser, ready.get_attribute("href"))
        assert kind == "application/pdf" and body.startswith(b"%PDF-1.7")
        act = wait_for_letter(smtp_portal["letters"], f"Акт сверки по договору {ACCOUNTANT} готов")
        assert act["To"] == "demo@lkk.example"
        screenshot(browser, "history-orders")
        assert console_errors(browser) == []
    finally:
        browser.quit()
        for name in os.listdir(downloads):
            os.remove(os.path.join(downloads, name))
        os.rmdir(downloads)
