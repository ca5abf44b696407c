"""«Показания» in a real browser: the demo account types a reading, sees «Расход по ПУ» follow it, keeps it
across a filter, and sends it."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import console_errors, screenshot
from test_contracts import DEMO_EMAIL, DEMO_PASSWORD, fill


def test_type_and_send_a_reading(portal, browser):
    base = portal["base"]
    browser.get(base + "/login")
    fill(browser, "f-email", DEMO_EMAIL)
    fill(browser, "f-password", DEMO_PASSWORD)
    browser.find_element(By.XPATH, "//button[text()='Войти']").click()
    WebDriverWait(browser, 15).until(EC.url_to_be(base + "/"))

    browser.find_element(By.LINK_TEXT, "Показания").click()
    WebDriverWait(browser, 15).until(EC.title_contains("Показания"))
    # The first demo contract is category I: one A+ channel per meter. Open every object and take the first
    # input that accepts readings and has a previous value.
    for summary in browser.find_elements(By.CSS_SELECTOR, "details.eo:not([open]) > summary"):
        summary.click()
    inputs = [i for i in browser.find_elements(By.CSS_SELECTOR, "input[data-previous]")
              if i.is_enabled() and i.get_attribute("data-previous")]
    assert inputs, "no meter waits for readings in the first demo contract"
    field = inputs[0]
    field_id = field.get_attribute("id")
    previous = int(field.get_attribute("data-previous"))
    ratio = int(field.get_attribute("data-ratio"))
    typed = f"{previous // 1000 + 2},5"
    field.send_keys(typed)
    output = browser.find_element(By.CSS_SELECTOR, f'[data-consumption-for="{field_id}"]')
    expected = (((previous // 1000 + 2) * 1000 + 500) - previous) * ratio
    whole, fraction = divmod(expected, 1000)
    text = f"{whole:,}".replace(",", "\u202f") + ("," + f"{fraction:03d}".rstrip("0") if fraction else "")
    assert output.text == text

    # A filter round trip keeps what was typed.
    browser.find_element(By.XPATH, "//button[text()='Применить']").click()
    WebDriverWait(browser, 15).until(EC.presence_of_element_located((By.ID, field_id)))
    assert browser.find_element(By.ID, field_id).get_attribute("value") == typed

    browser.find_element(By.XPATH, "//button[text()='Передать показания']").click()
    WebDriverWait(browser, 15).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".alert-info")))
    assert "Показания сохранены" in browser.find_element(By.CSS_SELECTOR, ".alert-info").text
    assert browser.find_element(By.ID, field_id).get_attribute("value").replace(" ", "") == typed
    screenshot(browser, "readings-saved")
    assert console_errors(browser, expected_statuses=(422,)) == []
