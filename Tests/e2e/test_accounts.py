"""The accounts journey in a real browser: register with the e-mailed code, «Давайте познакомимся», the
phone, the portal; sign out and in; recover the password. Codes are read from the dev mailbox."""
import re
import time
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import console_errors, screenshot


def wait(driver, seconds=15):
    return WebDriverWait(driver, seconds)


def fill(driver, label_for, text):
    field = driver.find_element(By.ID, label_for)
    field.clear()
    field.send_keys(text)


def latest_code(driver, base, subject_start):
    """Opens /dev/mail until a letter whose subject starts with `subject_start` arrives; returns its code."""
    deadline = time.time() + 20
    while time.time() < deadline:
        driver.get(base + "/dev/mail")
        for link in driver.find_elements(By.CSS_SELECTOR, "table a"):
            match = re.match(re.escape(subject_start) + r".*: (\d{6})$", link.text)
            if match:
                return match.group(1)
        time.sleep(0.5)
    raise AssertionError(f"no letter «{subject_start}…» arrived")


def test_register_sign_out_sign_in_and_recover(portal, browser):
    base = portal["base"]
    email = f"buh-{uuid.uuid4().hex[:8]}@romashka.ru"
    password = "Зимний-вечер-2026"

    browser.get(base + "/")
    browser.find_element(By.LINK_TEXT, "Регистрация").click()
    wait(browser).until(EC.title_contains("Регистрация"))
    fill(browser, "f-email", email)
    fill(browser, "f-password", password)
    browser.find_element(By.ID, "f-agree").click()
    browser.find_element(By.XPATH, "//button[text()='Зарегистрироваться']").click()
    wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".modal")))
    assert email in browser.find_element(By.CSS_SELECTOR, ".modal").text
    screenshot(browser, "register-code")

    code = latest_code(browser, base, "Код подтверждения регистрации")
    browser.get(base + "/register/code")
    fill(browser, "f-code", code)
    browser.find_element(By.XPATH, "//button[text()='Подтвердить']").click()
    wait(browser).until(EC.title_contains("Давайте познакомимся"))

    for field, value in [("f-lastName", "Иванова"), ("f-firstName", "Анна"), ("f-middleName", "Петровна"),
                         ("f-organization", "ООО «Ромашка»"), ("f-position", "Главный бухгалтер"),
                         ("f-address", "г. Екатеринбург, ул. Ленина, 1")]:
        fill(browser, field, value)
    browser.find_element(By.XPATH, "//button[text()='Сохранить']").click()
    wait(browser).until(EC.title_contains("Номер телефона"))
    fill(browser, "f-phone", "8 (343) 123-45-67")
    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Сохранить']").click()
    wait(browser).until(EC.title_contains("Главная"))
    assert "Иванова А. П." in browser.find_element(By.CSS_SELECTOR, "header").text
    screenshot(browser, "portal-home")

    browser.find_element(By.XPATH, "//button[text()='Выйти']").click()
    wait(browser).until(EC.title_contains("Вход"))

    fill(browser, "f-email", email)
    fill(browser, "f-password", "не тот пароль")
    browser.find_element(By.XPATH, "//button[text()='Войти']").click()
    wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".alert-error")))
    assert "Неверный e-mail (логин) или пароль" in browser.find_element(By.CSS_SELECTOR, ".alert-error").text
    fill(browser, "f-password", password)
    browser.find_element(By.XPATH, "//button[text()='Войти']").click()
    wait(browser).until(EC.title_contains("Главная"))

    browser.find_element(By.XPATH, "//button[text()='Выйти']").click()
    wait(browser).until(EC.title_contains("Вход"))
    browser.find_element(By.LINK_TEXT, "Вспомнить пароль").click()
    fill(browser, "f-email", email)
    browser.find_element(By.XPATH, "//button[text()='Восстановить']").click()
    wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".modal")))
    code = latest_code(browser, base, "Код для смены пароля")
    browser.get(base + "/recover/code")
    fill(browser, "f-code", code)
    fill(browser, "f-password", "Весенний-день-2027")
    fill(browser, "f-repeat", "Весенний-день-2027")
    browser.find_element(By.XPATH, "//button[text()='Сохранить пароль']").click()
    wait(browser).until(EC.title_contains("Главная"))
    password = "Весенний-день-2027"

    # Change the password in the profile.
    browser.find_element(By.CSS_SELECTOR, "a[aria-label='Профиль']").click()
    wait(browser).until(EC.title_contains("Профиль"))
    fill(browser, "f-current", password)
    fill(browser, "f-password", "Летний-вечер-2028")
    fill(browser, "f-repeat", "Летний-вечер-2028")
    browser.find_element(By.XPATH, "//button[text()='Изменить пароль']").click()
    wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".alert-info")))
    password = "Летний-вечер-2028"

    # A second browser signs in; the first sees two sessions and ends the other one.
    from conftest import make_driver
    second = make_driver(1366, 900)
    try:
        second.get(base + "/login")
        fill(second, "f-email", email)
        fill(second, "f-password", password)
        second.find_element(By.XPATH, "//button[text()='Войти']").click()
        wait(second).until(EC.title_contains("Главная"))

        browser.get(base + "/profile/sessions")
        rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
        assert len(rows) == 2
        assert sum("Текущая" in row.text for row in rows) == 1
        other = next(row for row in rows if "Текущая" not in row.text)
        other.find_element(By.XPATH, ".//button[text()='Завершить']").click()
        wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "tbody tr")) == 1)
        screenshot(browser, "sessions")

        second.get(base + "/profile")
        wait(second).until(EC.title_contains("Вход"))
    finally:
        second.quit()

    # Delete the account; it can no longer sign in.
    browser.get(base + "/profile")
    browser.find_element(By.LINK_TEXT, "Удалить аккаунт").click()
    fill(browser, "f-password", password)
    browser.find_element(By.XPATH, "//button[text()='Удалить']").click()
    wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".alert-info")))
    assert "Аккаунт удален." in browser.find_element(By.CSS_SELECTOR, ".alert-info").text
    fill(browser, "f-email", email)
    fill(browser, "f-password", password)
    browser.find_element(By.XPATH, "//button[text()='Войти']").click()
    wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".alert-error")))
    assert console_errors(browser, expected_statuses=(422,)) == []
