"""«Показания» in a real browser: the demo account types a reading, sees «Расход по ПУ» follow it, keeps it
across a filter, and sends it."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import console_errors, downloaded_xlsx, screenshot
from test_contracts import sign_in_as_demo


def test_type_and_send_a_reading(portal, browser):
    base = portal["base"]
    sign_in_as_demo(browser, base)
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
    # The meter's ratio is on its <tbody>, shared by its channels.
    ratio = int(field.find_element(By.XPATH, "./ancestor::tbody[1]").get_attribute("data-ratio"))
    typed = f"{previous // 1000 + 2},5"
    field.send_keys(typed)
    output = browser.find_element(By.CSS_SELECTOR, f'[data-consumption-for="{field_id}"]')
    expected = (((previous // 1000 + 2) * 1000 + 500) - previous) * ratio
    assert output.text == russian_thousandths(expected)

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


def open_readings(browser, base, path):
    """Signs the demo account in, opens `path` of «Показания» and unfolds every energy object."""
    sign_in_as_demo(browser, base)
    WebDriverWait(browser, 15).until(EC.url_to_be(base + "/"))
    browser.get(base + path)
    for summary in browser.find_elements(By.CSS_SELECTOR, "details.eo:not([open]) > summary"):
        summary.click()


def russian_thousandths(value):
    """A value in thousandths as the page's script writes it: «−», narrow spaces between thousands, «,»."""
    whole, fraction = divmod(abs(value), 1000)
    text = f"{whole:,}".replace(",", "\u202f") + ("," + f"{fraction:03d}".rstrip("0") if fraction else "")
    return ("−" if value < 0 else "") + text


def test_a_lower_reading_counts_through_zero_with_the_meters_box(portal, browser):
    """A value below the previous one shows the server's warning next to the field, not a negative «Расход по
    ПУ»; the meter's «Счетчик перешел через ноль» box adds the register's range (10^digits), with the ratio,
    digits and box found on the meter's <tbody>."""
    open_readings(browser, portal["base"], "/readings")
    meter_rows = next(
        rows for rows in browser.find_elements(By.CSS_SELECTOR, "tbody[data-meter]")
        if rows.find_elements(By.CSS_SELECTOR, "input[name^=o_]")
        and any(int(f.get_attribute("data-previous") or 0) >= 2000
                for f in rows.find_elements(By.CSS_SELECTOR, "input[data-previous]") if f.is_enabled()))
    field = next(f for f in meter_rows.find_elements(By.CSS_SELECTOR, "input[data-previous]")
                 if f.is_enabled() and int(f.get_attribute("data-previous") or 0) >= 2000)
    previous = int(field.get_attribute("data-previous"))
    ratio = int(meter_rows.get_attribute("data-ratio"))
    digits = int(meter_rows.get_attribute("data-digits"))
    box = meter_rows.find_element(By.CSS_SELECTOR, "input[name^=o_]")
    assert box.get_attribute("name") == "o_" + meter_rows.get_attribute("data-meter")
    typed = previous // 1000 - 1
    field.clear()  # an earlier test may have sent a value, which the field shows
    field.send_keys(str(typed))
    output = browser.find_element(By.CSS_SELECTOR, f'[data-consumption-for="{field.get_attribute("id")}"]')
    assert typed * 1000 < previous
    assert "−" not in output.text, "no negative consumption"
    warning = browser.find_element(By.ID, field.get_attribute("id") + "-warning")
    assert warning.text == "Меньше предыдущих показаний. Если счетчик перешел через ноль, подтвердите переход"
    assert warning.get_attribute("id") in (field.get_attribute("aria-describedby") or "")
    browser.find_element(By.CSS_SELECTOR, f'label[for="{box.get_attribute("id")}"]').click()
    assert box.is_selected()
    assert output.text == russian_thousandths((typed * 1000 - previous + 10 ** digits * 1000) * ratio)
    assert not browser.find_elements(By.ID, field.get_attribute("id") + "-warning"), "through zero: no warning"
    # «Загрузить файлом» and «Передать показания» stand apart.
    upload = browser.find_element(By.LINK_TEXT, "Загрузить файлом")
    send = browser.find_element(By.XPATH, "//button[text()='Передать показания']")
    gap = send.rect["x"] - (upload.rect["x"] + upload.rect["width"])
    assert gap >= 8 or send.rect["y"] >= upload.rect["y"] + upload.rect["height"], gap
    assert console_errors(browser) == []


def test_upload_the_integral_template_filled_by_openpyxl_and_saved_by_libreoffice(portal):
    """«Загрузить файлом»: our template opens in openpyxl, is filled there, saved again by LibreOffice, and our
    parser reads it back."""
    import os
    import shutil
    import subprocess
    import tempfile

    import openpyxl

    from conftest import make_driver

    base = portal["base"]
    downloads = tempfile.mkdtemp(prefix="lkk-template-")
    browser = make_driver(1366, 900, download_dir=downloads)
    try:
        sign_in_as_demo(browser, base)
        WebDriverWait(browser, 15).until(EC.url_to_be(base + "/"))
        # The third demo contract: the demo account is its «Энергетик»; category III (hourly meters).
        browser.get(base + "/readings?contract=74070100000003")
        browser.find_element(By.LINK_TEXT, "Загрузить файлом").click()
        WebDriverWait(browser, 15).until(EC.title_contains("Загрузка показаний файлом"))
        assert browser.find_element(By.ID, "f-contract").get_attribute("value") == "74070100000003"
        browser.find_element(By.LINK_TEXT, "Шаблон интегральных показаний").click()
        template = downloaded_xlsx(downloads, "the template")

        book = openpyxl.load_workbook(template)
        sheet = book.worksheets[0]
        assert [c.value for c in sheet[1]][:9] == [
            "Код ЭО", "Наименование ЭО", "Статус ЭО", "Номер ПУ", "Наименование ИК", "Измеряемая величина", "Шкала",
            "Предыдущие показания", "Текущие показания"]
        # Fill every channel of the first meter whose object and meter wait for readings.
        rows = list(sheet.iter_rows(min_row=2))
        first = next(r for r in rows if r[2].value == "Ожидание" and r[7].value is not None)
        meter = first[3].value
        filled = 0
        for row in rows:
            if row[3].value == meter:
                row[8].value = round(row[7].value + 1.5, 3)
                filled += 1
        if shutil.which("soffice"):
            # A formula in a cell: openpyxl writes it without a value, LibreOffice computes and stores it.
            first[8].value = f"=H{first[8].row}+1.5"
        filled_path = os.path.join(downloads, "filled.xlsx")
        book.save(filled_path)

        upload = filled_path
        if shutil.which("soffice"):
            out = os.path.join(downloads, "lo")
            os.makedirs(out, exist_ok=True)
            subprocess.run(
                ["soffice", f"-env:UserInstallation=file://{downloads}/profile", "--headless", "--convert-to", "xlsx",
                 "--outdir", out, filled_path], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                timeout=120)
            upload = os.path.join(out, "filled.xlsx")

        # «Загрузите файл» is the portal's button, not the browser's «Choose File»; the chosen name shows, and
        # «Корзина» takes it away again.
        button = browser.find_element(By.XPATH, "//label[@for='f-file' and text()='Загрузите файл']")
        assert button.is_displayed()
        assert browser.find_element(By.ID, "f-file").rect["width"] <= 1
        chosen = browser.find_element(By.CSS_SELECTOR, "[data-file-name]")
        assert chosen.text == "Файл не выбран"
        browser.find_element(By.ID, "f-file").send_keys(upload)
        assert chosen.text == "filled.xlsx"
        trash = browser.find_element(By.CSS_SELECTOR, "[data-clear-file]")
        assert trash.is_displayed()
        trash.click()
        assert chosen.text == "Файл не выбран" and not trash.is_displayed()
        browser.find_element(By.ID, "f-file").send_keys(upload)
        browser.find_element(By.XPATH, "//button[text()='Передать показания']").click()
        WebDriverWait(browser, 15).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".alert-info")))
        assert "Показания сохранены: приборов учета — 1" in browser.find_element(By.CSS_SELECTOR, ".alert-info").text
        assert not browser.find_elements(By.CSS_SELECTOR, ".upload-problems")
        assert console_errors(browser) == []
    finally:
        browser.quit()


def test_a_day_night_meter_is_sent_with_both_zones(portal, browser):
    """The second demo contract (category II, the demo account its «Администратор») has day/night meters:
    one zone alone is refused with «Заполните поле», both together are saved."""
    open_readings(browser, portal["base"], "/readings?contract=74070100000002")
    by_meter = {}
    for meter_rows in browser.find_elements(By.CSS_SELECTOR, "tbody[data-meter]"):
        for field in meter_rows.find_elements(By.CSS_SELECTOR, "input[data-previous]"):
            if field.is_enabled() and field.get_attribute("data-previous"):
                by_meter.setdefault(meter_rows.get_attribute("data-meter"), []).append(field.get_attribute("id"))
    meter, ids = next((m, ids) for m, ids in by_meter.items() if len(ids) == 2)

    def field(field_id):
        return browser.find_element(By.ID, field_id)

    def value_for(field_id):
        return str(int(field(field_id).get_attribute("data-previous")) // 1000 + 3)

    first, second = ids
    day_value = value_for(first)
    field(first).send_keys(day_value)
    browser.find_element(By.XPATH, "//button[text()='Передать показания']").click()
    WebDriverWait(browser, 15).until(EC.presence_of_element_located((By.ID, second + "-error")))
    assert field(second + "-error").text == "Заполните поле"
    assert field(first).get_attribute("value") == day_value, "the typed zone is kept"

    field(second).send_keys(value_for(second))
    browser.find_element(By.XPATH, "//button[text()='Передать показания']").click()
    WebDriverWait(browser, 15).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".alert-info")))
    assert "Показания сохранены" in browser.find_element(By.CSS_SELECTOR, ".alert-info").text
    assert not browser.find_elements(By.CSS_SELECTOR, ".field-error")
    assert console_errors(browser, expected_statuses=(422,)) == []


def test_an_hourly_profile_for_the_whole_contract(portal):
    """«Интервальные по договору»: the template has a sheet per hourly meter; one sheet filled by openpyxl
    becomes that meter's «Первичный акт», the empty sheets are skipped."""
    import os
    import tempfile

    import openpyxl
    from selenium.webdriver.support.ui import Select

    from conftest import make_driver

    base = portal["base"]
    downloads = tempfile.mkdtemp(prefix="lkk-interval-")
    browser = make_driver(1366, 900, download_dir=downloads)
    try:
        sign_in_as_demo(browser, base)
        WebDriverWait(browser, 15).until(EC.url_to_be(base + "/"))
        browser.get(base + "/readings/upload?contract=74070100000003")
        assert not browser.find_element(By.CSS_SELECTOR, "[data-choose]").is_displayed(), \
            "with scripts the choice needs no button"
        browser.find_element(By.CSS_SELECTOR, "input[name=kind][value=interval-contract]").click()
        WebDriverWait(browser, 15).until(EC.presence_of_element_located((By.LINK_TEXT, "Скачать шаблон")))
        # The previous month: every day of it has passed.
        month = Select(browser.find_element(By.ID, "f-period"))
        previous = month.options[1].get_attribute("value")
        month.select_by_value(previous)
        WebDriverWait(browser, 15).until(lambda b: f"period={previous}" in b.current_url)
        browser.find_element(By.LINK_TEXT, "Скачать шаблон").click()
        book = openpyxl.load_workbook(downloaded_xlsx(downloads, "the template"))
        assert len(book.worksheets) >= 2, "the third demo contract has several hourly meters"
        sheet = book.worksheets[0]
        assert sheet["A2"].value == "00-01" and sheet["A25"].value == "23-24"
        days = sum(1 for cell in sheet[1][1:] if cell.value is not None)
        for row in sheet.iter_rows(min_row=2, max_row=25, min_col=2, max_col=1 + days):
            for cell in row:
                cell.value = 1.25
        filled = os.path.join(downloads, "filled.xlsx")
        book.save(filled)

        browser.find_element(By.ID, "f-file").send_keys(filled)
        browser.find_element(By.XPATH, "//button[text()='Передать показания']").click()
        WebDriverWait(browser, 15).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".alert-info")))
        text = browser.find_element(By.CSS_SELECTOR, ".alert-info").text
        assert "Показания сохранены: приборов учета — 1" in text
        assert "Не заполнены листы приборов учета" in text
        assert sheet.title in browser.find_element(By.CSS_SELECTOR, "table.acts").text
        assert "Первичный акт" in browser.find_element(By.CSS_SELECTOR, "table.acts").text
        assert console_errors(browser) == []
    finally:
        browser.quit()
