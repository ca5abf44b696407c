"""The portal's shell in a real browser: home page, menu, footer, error page, phone width."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import console_errors, screenshot


def wait(driver):
    return WebDriverWait(driver, 10)


def test_home_page_opens_without_console_errors(portal, browser):
    browser.get(portal["base"] + "/")
    assert browser.title == "Вход — Личный кабинет клиента"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Вход в личный кабинет"
    # The stylesheet applied: the header is laid out as a flex row.
    header = browser.find_element(By.CSS_SELECTOR, "header.topbar")
    assert header.value_of_css_property("display") == "flex"
    screenshot(browser, "home")
    assert console_errors(browser) == []


def test_menu_more_leads_to_manual_and_agreement(portal, browser):
    browser.get(portal["base"] + "/")
    more = browser.find_element(By.CSS_SELECTOR, "[data-more] > summary")
    assert more.text.strip() == "Ещё"
    more.click()
    link = wait(browser).until(EC.element_to_be_clickable((By.LINK_TEXT, "Инструкция пользователя")))
    link.click()
    wait(browser).until(EC.title_contains("Инструкция пользователя"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Инструкция пользователя"
    assert browser.current_url.endswith("/manual")
    current = browser.find_element(By.CSS_SELECTOR, "#site-menu a[aria-current=page]")
    assert current.get_attribute("textContent") == "Инструкция пользователя"

    browser.find_element(By.CSS_SELECTOR, "[data-more] > summary").click()
    wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#site-menu a[href='/agreement']"))).click()
    wait(browser).until(EC.title_contains("Пользовательское соглашение"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Пользовательское соглашение"
    # Escape closes the drop-down (our script runs: the CSP allows only /js/portal.js).
    browser.find_element(By.CSS_SELECTOR, "[data-more] > summary").click()
    assert browser.find_element(By.CSS_SELECTOR, "[data-more]").get_attribute("open") is not None
    browser.find_element(By.TAG_NAME, "body").send_keys("\ue00c")
    wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-more]").get_attribute("open") is None)
    assert console_errors(browser) == []


def test_footer_links(portal, browser):
    browser.get(portal["base"] + "/agreement")
    footer = browser.find_element(By.CSS_SELECTOR, "footer")
    footer.find_element(By.LINK_TEXT, "Инструкция пользователя").click()
    wait(browser).until(EC.url_contains("/manual"))
    assert console_errors(browser) == []


def test_unknown_page_is_a_russian_404_in_the_shell(portal, browser):
    browser.get(portal["base"] + "/no/such/page")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Страница не найдена"
    browser.find_element(By.LINK_TEXT, "На главную").click()
    wait(browser).until(EC.title_is("Вход — Личный кабинет клиента"))


def test_phone_width_has_a_menu_button_and_no_sideways_scroll(portal, phone):
    phone.get(portal["base"] + "/manual")
    toggle = phone.find_element(By.CSS_SELECTOR, "[data-menu-toggle]")
    assert toggle.is_displayed()
    menu = phone.find_element(By.ID, "site-menu")
    assert not menu.is_displayed()
    toggle.click()
    wait(phone).until(lambda d: d.find_element(By.ID, "site-menu").is_displayed())
    assert toggle.get_attribute("aria-expanded") == "true"
    width = phone.execute_script("return document.documentElement.scrollWidth")
    viewport = phone.execute_script("return window.innerWidth")
    assert width <= viewport, f"page is {width}px wide in a {viewport}px window"
    screenshot(phone, "phone-manual")
    assert console_errors(phone) == []
