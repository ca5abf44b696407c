"""Every page, signed out and signed in as the demo account, at a desktop width and at 390 px: axe-core's
WCAG 2 A/AA rules find nothing, nothing is wider than the screen, at 390 px every table row is a card whose
values are not squeezed into a column letter by letter, and a screenshot of each is kept."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import axe_violations, make_driver, screenshot
from test_contracts import sign_in_as_demo

SIGNED_OUT = ["/login", "/register", "/recover", "/manual", "/agreement", "/admin/login"]
SIGNED_IN = ["/", "/payments", "/readings", "/readings/upload", "/profile", "/profile/sessions",
             "/profile/contracts", "/contracts/add", "/contracts/74070100000001", "/history/documents",
             "/history/payments", "/history/readings", "/history/orders", "/appeals", "/appeals/new", "/help",
             "/help?q=%D0%BF%D0%BE%D0%BA%D0%B0%D0%B7%D0%B0%D0%BD%D0%B8%D1%8F", "/help/contacts", "/notifications"]


@pytest.mark.parametrize("width", [1366, 390])
def test_every_page_is_accessible_and_fits(portal, width):
    base = portal["base"]
    driver = make_driver(width, 900)
    try:
        problems = {}

        def check(path, name):
            driver.get(base + path)
            WebDriverWait(driver, 15).until(EC.presence_of_element_located((By.TAG_NAME, "main")))
            found = axe_violations(driver)
            if found:
                problems[f"{path} at {width}"] = found
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 1:
                problems[f"{path} at {width}: wider than the screen"] = overflow
            if width < 700:
                squeezed = driver.execute_script(
                    "return [...document.querySelectorAll('main table td')]"
                    ".filter(td => td.textContent.trim() && td.getBoundingClientRect().width < 200)"
                    ".map(td => td.textContent.trim().slice(0, 30))")
                if squeezed:
                    problems[f"{path} at {width}: narrow cells"] = squeezed[:5]
            screenshot(driver, f"{name}-{width}")

        for path in SIGNED_OUT:
            check(path, "out" + path.replace("/", "-"))
        sign_in_as_demo(driver, base)
        WebDriverWait(driver, 15).until(EC.url_to_be(base + "/"))
        for path in SIGNED_IN:
            check(path, "in" + path.replace("/", "-"))
        assert problems == {}
    finally:
        driver.quit()
