"""«Помощь» in a real browser: the demo account searches «Вопрос-ответ» (a word in another form finds the
question, a phrase with no answer offers an appeal) and opens «Контакты» for two contracts. The screenshots
are the manual's."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import axe_violations, console_errors, make_driver, manual_screenshot
from test_contracts import sign_in_as_demo


def test_a_customer_searches_the_questions_and_opens_contacts(portal):
    base = portal["base"]
    browser = make_driver(1200, 800)
    try:
        sign_in_as_demo(browser, base)
        WebDriverWait(browser, 15).until(EC.url_to_be(base + "/"))
        browser.find_element(By.LINK_TEXT, "Помощь").click()
        WebDriverWait(browser, 15).until(EC.title_contains("Помощь"))
        search = browser.find_element(By.ID, "f-q")
        search.send_keys("ПОКАЗАНИЙ")
        browser.find_element(By.XPATH, "//button[text()='Найти']").click()
        WebDriverWait(browser, 15).until(EC.url_contains("q="))
        question = browser.find_element(By.XPATH, "//summary[text()='Можно ли передать показания файлом Excel?']")
        question.click()
        answer = question.find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, ".message-text")
        assert answer.is_displayed() and "Загрузить файлом" in answer.text
        manual_screenshot(browser, "help")
        assert axe_violations(browser) == []

        browser.find_element(By.ID, "f-q").clear()
        browser.find_element(By.ID, "f-q").send_keys("абракадабра")
        browser.find_element(By.XPATH, "//button[text()='Найти']").click()
        WebDriverWait(browser, 15).until(EC.presence_of_element_located((By.LINK_TEXT, "Создать обращение")))
        assert "По этой фразе ничего не найдено." in browser.page_source

        # «Контакты» for two of the account's contracts.
        browser.find_element(By.LINK_TEXT, "Контакты").click()
        WebDriverWait(browser, 15).until(EC.presence_of_element_located((By.CSS_SELECTOR, "fieldset")))
        boxes = browser.find_elements(By.CSS_SELECTOR, "fieldset input[type='checkbox']")
        assert len(boxes) >= 2
        chosen = []
        for box in boxes[:2]:
            if not box.is_selected():
                browser.find_element(By.CSS_SELECTOR, f"label[for='{box.get_attribute('id')}']").click()
            chosen.append(box.get_attribute("value"))
        for box in boxes[2:]:
            if box.is_selected():
                browser.find_element(By.CSS_SELECTOR, f"label[for='{box.get_attribute('id')}']").click()
        browser.find_element(By.XPATH, "//button[text()='Показать']").click()
        WebDriverWait(browser, 15).until(EC.url_contains("contract="))
        titles = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "main section.card h2")]
        assert titles == ["Контакты сбытовой компании"] + [f"Договор № {number}" for number in chosen]
        assert "ФИО куратора" in browser.page_source
        manual_screenshot(browser, "help-contacts")
        assert axe_violations(browser) == []
        assert console_errors(browser) == []
    finally:
        browser.quit()
