"""Roles in real browsers: the demo customer asks for «Администратор» on a contract that has none, an operator
grants it in the admin module, the new administrator gives «Бухгалтер» to a new address, that person signs
in with the letter's login and password, fills «Давайте познакомимся», sets a password, accepts the
agreement, sees the contract on «Оплата» and not on «Показания», and loses it when the administrator removes
the role."""
import re
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import console_errors, make_driver, screenshot
from test_appeals import signed_in_operator
from test_contracts import fill, sign_in_as_demo

CONTRACT = "74070100000001"
COLLEAGUE = "glavbuh@uralhleb.example"
NEW_PASSWORD = "Свой-пароль-бухгалтера-2026"


def wait(driver, seconds=15):
    return WebDriverWait(driver, seconds)


def letter_text(driver, base, subject):
    """The text of the newest letter with this subject at /dev/mail."""
    deadline = time.time() + 20
    while time.time() < deadline:
        driver.get(base + "/dev/mail")
        links = [a for a in driver.find_elements(By.CSS_SELECTOR, "table a") if a.text == subject]
        if links:
            links[0].click()
            return driver.find_element(By.TAG_NAME, "main").text
        time.sleep(0.5)
    raise AssertionError(f"no letter «{subject}» arrived")


def test_roles_journey(portal, browser):
    base = portal["base"]
    sign_in_as_demo(browser, base)
    wait(browser).until(EC.url_to_be(base + "/"))

    # «Запросить доступ» beside the contract that has no administrator.
    browser.get(base + "/profile/contracts")
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "table.contracts tbody tr") if CONTRACT in r.text)
    row.find_element(By.LINK_TEXT, "Запросить доступ").click()
    wait(browser).until(EC.title_contains("Направить обращение"))
    assert Select(browser.find_element(By.ID, "f-section")).first_selected_option.text == "Права доступа"
    assert Select(browser.find_element(By.ID, "f-contract")).first_selected_option.get_attribute("value") == CONTRACT
    browser.find_element(By.XPATH, "//button[text()='Дальше']").click()
    wait(browser).until(EC.title_contains("Информация по обращению"))
    browser.find_element(By.ID, "f-text").send_keys("Прошу назначить меня администратором договора.")
    browser.find_element(By.XPATH, "//button[text()='Отправить']").click()
    wait(browser).until(EC.url_contains("/appeals?sent="))
    number = re.search(r"sent=(\d+)", browser.current_url).group(1)

    # An operator grants «Администратор» from the appeal.
    staff = signed_in_operator(portal, "roles-operator@energosbyt.example")
    try:
        staff.get(base + f"/admin/appeals/{number}")
        staff.find_element(By.XPATH, "//button[text()='Назначить «Администратор»']").click()
        wait(staff).until(EC.url_contains("done=1"))
        assert console_errors(staff) == []
    finally:
        staff.quit()

    # The new administrator gives «Бухгалтер» to a colleague's new address.
    browser.get(base + "/profile/contracts")
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "table.contracts tbody tr") if CONTRACT in r.text)
    assert "Администратор" in row.text
    browser.get(base + f"/contracts/{CONTRACT}/roles/new")
    Select(browser.find_element(By.ID, "f-role")).select_by_visible_text("Бухгалтер")
    fill(browser, "f-email", COLLEAGUE)
    browser.find_element(By.XPATH, "//button[text()='Выдать доступ']").click()
    wait(browser).until(EC.url_contains("given=1"))
    screenshot(browser, "contract-roles")
    text = letter_text(browser, base, "Роль на договоре: Бухгалтер")
    assert "Вам назначена роль Бухгалтер." in text
    login = re.search(r"Логин: (\S+)", text).group(1)
    password = re.search(r"Пароль: (\S+)", text).group(1)

    colleague = make_driver(1366, 900)
    try:
        colleague.get(base + "/login")
        fill(colleague, "f-email", login)
        fill(colleague, "f-password", password)
        colleague.find_element(By.XPATH, "//button[text()='Войти']").click()
        wait(colleague).until(EC.title_contains("Давайте познакомимся"))
        for field, value in [("f-lastName", "Сидорова"), ("f-firstName", "Мария"), ("f-organization", "ООО «Хлеб»"),
                             ("f-position", "Главный бухгалтер"), ("f-address", "г. Екатеринбург")]:
            fill(colleague, field, value)
        colleague.find_element(By.XPATH, "//button[text()='Сохранить']").click()
        wait(colleague).until(EC.title_contains("Номер телефона"))
        fill(colleague, "f-phone", "8 (343) 765-43-21")
        colleague.find_element(By.CSS_SELECTOR, "button[aria-label='Сохранить']").click()
        wait(colleague).until(EC.url_contains("/profile?password=required"))
        fill(colleague, "f-current", password)
        fill(colleague, "f-password", NEW_PASSWORD)
        fill(colleague, "f-repeat", NEW_PASSWORD)
        colleague.find_element(By.XPATH, "//button[text()='Изменить пароль']").click()
        wait(colleague).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".alert-info"), "Пароль изменен"))
        # Nobody accepted the agreement for this address: the colleague does before going on.
        colleague.get(base + "/payments")
        wait(colleague).until(EC.url_contains("/agreement/accept"))
        colleague.find_element(By.CSS_SELECTOR, "label[for='f-agree']").click()
        colleague.find_element(By.XPATH, "//button[text()='Принять']").click()
        wait(colleague).until(EC.url_to_be(base + "/"))
        colleague.get(base + "/payments")
        assert CONTRACT in colleague.page_source
        colleague.get(base + "/readings")
        assert CONTRACT not in colleague.page_source

        # The administrator removes the role: the contract is gone for the colleague.
        browser.get(base + f"/contracts/{CONTRACT}/roles")
        row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "main table tbody tr") if COLLEAGUE in r.text)
        row.find_element(By.XPATH, ".//button[text()='Удалить роль']").click()
        wait(browser).until(EC.url_contains("removed=1"))
        colleague.get(base + "/payments")
        assert CONTRACT not in colleague.page_source
        assert console_errors(colleague) == []
    finally:
        colleague.quit()
    assert console_errors(browser) == []
