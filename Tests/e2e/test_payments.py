"""«Оплата» in a real browser with the sandbox acquirer: the demo «Бухгалтер» pays one document, is declined
once, then pays the rest of the debt, and sees the documents paid and awaiting crediting. The acquirer's
webhook travels by HTTP from the portal's job worker, as from a real acquirer."""
from datetime import datetime
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import console_errors, screenshot
from test_contracts import sign_in_as_demo

MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
          "ноябрь", "декабрь"]


def previous_month():
    """The month before this one in the portal's time zone (the default, Asia/Yekaterinburg), as the chart
    names it: its last point is this month."""
    now = datetime.now(ZoneInfo("Asia/Yekaterinburg"))
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{MONTHS[month - 1]} {year}"


# The fourth demo contract: the demo account is its «Бухгалтер»; two invoices are partly unpaid.
FOURTH = "74070100000004"


def card_section(browser):
    title = browser.find_element(By.XPATH, f"//h2/a[contains(text(), '{FOURTH}')]")
    return title.find_element(By.XPATH, "./ancestor::section[contains(@class, 'pay-card')]")


def pay_on_sandbox(browser, card, save=False):
    WebDriverWait(browser, 15).until(EC.title_contains("Тестовый платежный шлюз"))
    keep = browser.find_elements(By.NAME, "save")
    if keep:
        assert not keep[0].is_selected(), "saving the card is the person's choice"
        if save:
            keep[0].click()
    browser.find_element(By.ID, "f-card").send_keys(card)
    browser.find_element(By.ID, "f-expiry").send_keys("12/30")
    browser.find_element(By.ID, "f-cvc").send_keys("123")
    browser.find_element(By.XPATH, "//button[starts-with(text(), 'Оплатить')]").click()


def wait_for_outcome(browser):
    """The return page refreshes itself until the webhook has arrived."""
    WebDriverWait(browser, 30).until(
        lambda b: "Оплата прошла успешно" in b.page_source or "Платеж не выполнен" in b.page_source)
    return browser.page_source


def test_pay_a_document_be_declined_and_pay_the_debt(portal, browser):
    base = portal["base"]
    sign_in_as_demo(browser, base)
    WebDriverWait(browser, 15).until(EC.url_to_be(base + "/"))
    browser.find_element(By.LINK_TEXT, "Оплата").click()
    WebDriverWait(browser, 15).until(EC.title_contains("Оплата"))
    assert browser.find_element(By.XPATH, "//h2[text()='График счетов и оплат']")
    assert len(browser.find_elements(By.CSS_SELECTOR, ".chart-point")) == 24
    browser.execute_script("document.getElementById('chart').scrollIntoView()")
    point = browser.find_elements(By.CSS_SELECTOR, ".chart-invoiced .chart-point")[-2]
    from selenium.webdriver.common.action_chains import ActionChains
    ActionChains(browser).move_to_element(point).perform()
    tip = WebDriverWait(browser, 5).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".chart-tip")))
    assert tip.text.startswith(previous_month() + ": "), tip.text
    screenshot(browser, "payments-chart")
    browser.execute_script("window.scrollTo(0, 0)")

    # One document, from its row: the amount is fixed.
    section = card_section(browser)
    section.find_element(By.CSS_SELECTOR, "details.pay-details > summary").click()
    rows = section.find_elements(By.XPATH, ".//tr[.//a[text()='Оплатить']]")
    assert len(rows) == 2, "two documents wait for payment"
    number = rows[0].find_element(By.TAG_NAME, "td").text.split("\n")[0]
    rows[0].find_element(By.LINK_TEXT, "Оплатить").click()
    WebDriverWait(browser, 15).until(EC.title_contains("Оплата документа"))
    assert not browser.find_elements(By.NAME, "amount"), "a document's amount cannot be edited"
    keep = browser.find_element(By.NAME, "save")
    assert not keep.is_selected(), "«Привязать карту» waits for the person's choice"
    browser.find_element(By.XPATH, "//label[@for='f-save']").click()
    browser.find_element(By.XPATH, "//button[text()='Перейти к оплате']").click()
    pay_on_sandbox(browser, "4242 4242 4242 4242", save=True)
    assert "Оплата прошла успешно" in wait_for_outcome(browser)
    screenshot(browser, "payment-succeeded")

    browser.find_element(By.LINK_TEXT, "Вернуться к оплате").click()
    WebDriverWait(browser, 15).until(EC.title_contains("Оплата"))
    section = card_section(browser)
    section.find_element(By.CSS_SELECTOR, "details.pay-details > summary").click()
    paid_row = section.find_element(By.XPATH, f".//tr[td[contains(., '{number}')]]")
    assert "Оплачен, ожидает зачисления" in paid_row.text

    # The whole debt in the window: declined first.
    section.find_element(By.XPATH, ".//a[text()='Оплатить' and @data-pay-window]").click()
    dialog = WebDriverWait(browser, 10).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, f"dialog#pay-{FOURTH}-dialog")))
    amount = dialog.find_element(By.NAME, "amount")
    assert amount.get_attribute("value") not in ("", "0,00")
    Select(dialog.find_element(By.NAME, "method")).select_by_visible_text("новой картой")
    dialog.find_element(By.XPATH, ".//button[text()='Перейти к оплате']").click()
    pay_on_sandbox(browser, "4000 0000 0000 0002")
    page = wait_for_outcome(browser)
    assert "Платеж не выполнен" in page and "Банк отклонил платеж" in page

    browser.find_element(By.LINK_TEXT, "Вернуться к оплате").click()
    WebDriverWait(browser, 15).until(EC.title_contains("Оплата"))
    section = card_section(browser)
    section.find_element(By.XPATH, ".//a[text()='Оплатить' and @data-pay-window]").click()
    dialog = WebDriverWait(browser, 10).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, f"dialog#pay-{FOURTH}-dialog")))
    # The first payment saved its card («Привязать карту» was ticked): it is offered first now.
    method = Select(dialog.find_element(By.NAME, "method"))
    assert method.first_selected_option.text.startswith("привязанной картой Карта •••• 4242")
    dialog.find_element(By.XPATH, ".//button[text()='Перейти к оплате']").click()
    WebDriverWait(browser, 15).until(EC.title_contains("Тестовый платежный шлюз"))
    assert "Оплата сохраненной картой" in browser.page_source
    browser.find_element(By.XPATH, "//button[starts-with(text(), 'Оплатить')]").click()
    assert "Оплата прошла успешно" in wait_for_outcome(browser)

    browser.find_element(By.LINK_TEXT, "Вернуться к оплате").click()
    WebDriverWait(browser, 15).until(EC.title_contains("Оплата"))
    section = card_section(browser)
    assert section.find_element(By.CSS_SELECTOR, "[data-due-total]").text.startswith("0,00")
    section.find_element(By.CSS_SELECTOR, "details.pay-details > summary").click()
    assert len(section.find_elements(By.XPATH, ".//td[contains(., 'Оплачен, ожидает зачисления')]")) == 2
    screenshot(browser, "payments-paid")
    assert console_errors(browser) == []
