"""«Уведомления» in real browsers: an operator writes two modal notifications that need confirmation to the
demo account and publishes them; the demo account signs in, sees «1 из 2», goes «Вперед» and «Назад»,
confirms both and finds them read on the bell's page. The screenshots of the modal window and of the page
are the manual's (`Sources/App/Public/images/manual`)."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import axe_violations, console_errors, manual_screenshot, screenshot
from test_appeals import signed_in_operator
from test_contracts import DEMO_EMAIL, sign_in_as_demo


def wait(driver):
    return WebDriverWait(driver, 15)


def publish_to_demo(staff, base, subject, text, kind="Модальное окно", confirm=True):
    staff.get(base + "/admin/notifications/new")
    Select(staff.find_element(By.ID, "f-kind")).select_by_visible_text(kind)
    staff.find_element(By.ID, "f-subject").send_keys(subject)
    staff.find_element(By.ID, "f-body").send_keys(text)
    if confirm:
        staff.find_element(By.CSS_SELECTOR, "label[for='f-needsConfirmation']").click()
    # Only the fields of the chosen audience are shown.
    assert not staff.find_element(By.ID, "f-accounts").is_displayed()
    assert staff.find_element(By.ID, "f-role").is_displayed()
    Select(staff.find_element(By.ID, "f-audience")).select_by_visible_text("Учетные записи")
    assert not staff.find_element(By.ID, "f-contracts").is_displayed()
    assert not staff.find_element(By.ID, "f-role").is_displayed()
    staff.find_element(By.ID, "f-accounts").send_keys(DEMO_EMAIL)
    staff.find_element(By.XPATH, "//button[text()='Предпросмотр']").click()
    wait(staff).until(EC.text_to_be_present_in_element((By.ID, "preview-title"), "Предпросмотр: " + kind))
    assert "Получателей (учетных записей): 1." in staff.page_source
    screenshot(staff, "admin-notification-preview")
    staff.find_element(By.XPATH, "//button[text()='Сохранить черновик']").click()
    wait(staff).until(EC.title_contains("Черновик уведомления"))
    staff.find_element(By.XPATH, "//button[text()='Опубликовать']").click()
    wait(staff).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "dl.details"), "Опубликовано"))


def test_two_modal_notifications_confirmed_one_after_the_other(portal, browser):
    base = portal["base"]
    staff = signed_in_operator(portal, "notifications-operator@energosbyt.example")
    try:
        publish_to_demo(staff, base, "Изменение тарифов с 1 января",
                      "С 1 января 2027 года меняются тарифы на услуги по передаче электроэнергии.\n\n"
                      "Подробности — в разделе «Помощь».")
        publish_to_demo(staff, base, "Плановые работы 20 декабря",
                      "20 декабря с 22:00 до 23:00 личный кабинет может быть недоступен.")
        staff.get(base + "/admin/notifications")
        assert "Изменение тарифов с 1 января" in staff.page_source
        assert axe_violations(staff) == []
        assert console_errors(staff) == []
    finally:
        staff.quit()

    sign_in_as_demo(browser, base)
    wait(browser).until(EC.url_to_be(base + "/notifications/modal"))
    dialog = browser.find_element(By.CSS_SELECTOR, "section.modal[role='dialog']")
    assert dialog.find_element(By.TAG_NAME, "h1").text == "Изменение тарифов с 1 января"
    assert browser.find_element(By.CSS_SELECTOR, ".modal-count").text == "1 из 2"
    manual_screenshot(browser, "notification-modal")
    screenshot(browser, "notification-modal")
    assert axe_violations(browser) == []
    browser.find_element(By.LINK_TEXT, "Вперед ›").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".modal-count"), "2 из 2"))
    assert browser.find_element(By.ID, "modal-title").text == "Плановые работы 20 декабря"
    browser.find_element(By.LINK_TEXT, "‹ Назад").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".modal-count"), "1 из 2"))
    # Confirming moves on to the next; after the last the window closes.
    browser.find_element(By.XPATH, "//button[text()='Подтвердить']").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "modal-title"), "Плановые работы 20 декабря"))
    assert not browser.find_elements(By.CSS_SELECTOR, ".modal-count")
    browser.find_element(By.XPATH, "//button[text()='Подтвердить']").click()
    wait(browser).until(EC.url_to_be(base + "/"))

    # Both are on the bell's page, read (open envelopes), and the bell has no count for them.
    browser.find_element(By.CSS_SELECTOR, "a[aria-label='Уведомления']").click()
    wait(browser).until(EC.title_contains("Уведомления"))
    items = browser.find_elements(By.CSS_SELECTOR, "ul.notices li.notice")
    subjects = [item.find_element(By.CSS_SELECTOR, ".notice-subject").text for item in items]
    assert "Изменение тарифов с 1 января" in subjects and "Плановые работы 20 декабря" in subjects
    published = {"Изменение тарифов с 1 января", "Плановые работы 20 декабря"}
    for item in items:
        if item.find_element(By.CSS_SELECTOR, ".notice-subject").text in published:
            assert "notice-unread" not in item.get_attribute("class")
            assert item.find_elements(By.CSS_SELECTOR, ".envelope:not(.envelope-closed)")
    # «Галочка» unfolds one.
    browser.find_element(By.CSS_SELECTOR, "a.notice-toggle[aria-expanded='false']").click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".notice-body")))
    manual_screenshot(browser, "notifications")
    screenshot(browser, "notifications")
    assert axe_violations(browser) == []
    assert console_errors(browser) == []


def test_a_banner_stays_on_top_until_closed(portal, browser):
    base = portal["base"]
    staff = signed_in_operator(portal, "banner-operator@energosbyt.example")
    try:
        publish_to_demo(staff, base, "Прием показаний до 26 декабря",
                        "Показания за декабрь принимаются до 26 декабря включительно.", kind="Уведомление в топе",
                        confirm=False)
    finally:
        staff.quit()
    sign_in_as_demo(browser, base)
    wait(browser).until(EC.url_to_be(base + "/"))
    for path in ["/payments", "/readings"]:
        browser.get(base + path)
        banner = browser.find_element(By.CSS_SELECTOR, "section.banner[aria-label='Прием показаний до 26 декабря']")
        assert "принимаются до 26 декабря" in banner.text
    screenshot(browser, "banner")
    assert axe_violations(browser) == []
    browser.execute_script("window.scrollTo(0, 0)")
    banner.find_element(By.CSS_SELECTOR, "button.banner-close").click()
    # Closing posts a form that comes back to the same page: wait for the page to be replaced.
    wait(browser).until(EC.staleness_of(banner))
    wait(browser).until(EC.url_to_be(base + "/readings"))
    assert not browser.find_elements(By.CSS_SELECTOR, "section.banner")
    browser.get(base + "/notifications")
    assert "Прием показаний до 26 декабря" in browser.page_source
    assert console_errors(browser) == []
