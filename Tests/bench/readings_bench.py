#!/usr/bin/env python3
"""«Показания» benchmark: the page of the 500-meter demo contract, an integral file of 5,000 rows
and an interval file of a contract with 50 hourly meters, each sent through a running release `lkk serve`
on SQLite and, given a URL, on PostgreSQL.

    python3 Tests/bench/readings_bench.py [--database-url postgres://…] [--runs 5] [--page-requests 60]

What it does: builds the release binary; in a fresh data folder (or the given PostgreSQL database, reused
by later runs) migrates, loads `lkk demo --contracts 100 --months 2` (contract 74070100000100 has 50
objects × 10 meters) and, through the billing API, a category II contract 74070199000001 with 2,500
day/night meters (5,000 channels, each with last month's reading) and a category III contract
74070199000002 with 50 hourly meters; makes `bench-0001@lkk.example` with `lkk demo-accounts`; signs in
over HTTP as a browser would; then times
  - GET «Показания» of 74070100000100 (the median and 90th percentile of the requests after 10 warm-up),
  - «Загрузить файлом» of the 5,000-row template filled by openpyxl (new values each run),
  - «Интервальные по договору» of the 50-sheet template filled by openpyxl (a correction each run),
each upload's time being the whole HTTP request: reading the file, validating, saving, rendering the answer.
Prints a table and appends it to bench/results/readings-<date>.md with the machine's description.
"""
import argparse
import io
import os
import re
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import ROOT, Browser, Portal, append_results, build_release  # noqa: E402

INTEGRAL = "74070199000001"
HOURLY = "74070199000002"
BIG = "74070100000100"


def contract(cid, number, category):
    return {
        "id": cid, "number": number, "name": f"Договор энергоснабжения № {number}",
        "customerFullName": "Общество с ограниченной ответственностью «Нагрузка»",
        "customerShortName": "ООО «Нагрузка»", "inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195",
        "legalAddress": "620014, г. Екатеринбург, ул. Ленина, д. 1", "priceCategory": category,
        "contractDate": "2020-03-15", "emails": ["bench@lkk.example"], "supplierName": "АО «Энергосбыт»",
    }


def fixtures(previous, read_on):
    """The two contracts' objects, meters, channels and last month's readings."""
    objects, meters, channels, readings = [], [], [], []
    for o in range(100):
        objects.append({"id": f"B1-O{o}", "contractId": "B1", "code": f"{o:06d}", "name": f"Цех № {o + 1}",
                        "address": f"г. Екатеринбург, ул. Титова, д. {o + 1}", "status": "waiting"})
        for m in range(25):
            mid = f"B1-M{o}-{m}"
            meters.append({"id": mid, "energyObjectId": f"B1-O{o}", "number": f"{20000000 + o * 25 + m}",
                           "model": "Меркурий 230 ART-03", "complexName": f"ИК Цех № {o + 1}", "digits": 7,
                           "ratio": 1, "hourly": False, "status": "waiting"})
            for zone in ("day", "night"):
                cid = f"{mid}-{zone}"
                channels.append({"id": cid, "meterId": mid, "quantity": "activeImport", "zone": zone})
                readings.append({"id": f"R-{cid}", "channelId": cid, "period": previous,
                                 "value": str(1000 + o * 25 + m), "readOn": read_on})
    for o in range(5):
        objects.append({"id": f"B2-O{o}", "contractId": "B2", "code": f"{o:06d}", "name": f"Корпус № {o + 1}",
                        "address": f"г. Екатеринбург, ул. Малышева, д. {o + 1}", "status": "waiting"})
        for m in range(10):
            mid = f"B2-M{o}-{m}"
            meters.append({"id": mid, "energyObjectId": f"B2-O{o}", "number": f"{30000000 + o * 10 + m}",
                           "model": "СЭТ-4ТМ.03М", "complexName": f"ИК Корпус № {o + 1}", "digits": 7,
                           "ratio": 1, "hourly": True, "status": "waiting"})
            channels.append({"id": f"{mid}-ai", "meterId": mid, "quantity": "activeImport", "zone": "allDay"})
    return objects, meters, channels, readings


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def filled_integral(template, run):
    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    rows = 0
    for row in sheet.iter_rows(min_row=2):
        if row[7].value is not None:
            row[8].value = float(row[7].value) + 10 + run
            rows += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), rows


def filled_interval(template, run):
    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(template))
    for sheet in book.worksheets:
        days = sum(1 for cell in sheet[1][1:] if cell.value is not None)
        for row in sheet.iter_rows(min_row=2, max_row=25, min_col=2, max_col=1 + days):
            for cell in row:
                cell.value = 1.5 + run
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), len(book.worksheets)


def run(label, portal, runs, page_requests):
    portal.command("migrate", "--yes")
    print(f"[{label}] loading demo data (100 contracts) …", flush=True)
    portal.command("demo", "--contracts", "100", "--months", "2")
    portal.start()
    try:
        browser = Browser(portal.base)
        token = portal.billing_token()
        print(f"[{label}] loading the 5,000-channel and 50-hourly-meter contracts …", flush=True)
        portal.api_put(token, "contracts", [contract("B1", INTEGRAL, 2), contract("B2", HOURLY, 3)])
        portal.command("demo-accounts", "--count", "1", "--also", f"{BIG},{INTEGRAL},{HOURLY}")
        browser.sign_in("bench-0001@lkk.example", "bench-lkk-2026")
        # The open period decides which month the fixtures' readings close and which month is interval-sent.
        periods = re.findall(r'<option value="(\d{4}-\d{2})"', browser.get(
            f"/readings/upload?contract={HOURLY}&kind=interval-contract")[2])
        if len(periods) < 2:
            sys.exit("no months offered for interval readings")
        open_period, previous = periods[0], periods[1]
        objects, meters, channels, readings = fixtures(previous, open_period + "-01")
        for path, items in (("energy-objects", objects), ("meters", meters), ("meter-channels", channels),
                            ("readings", readings)):
            portal.api_put(token, path, items)

        results = []
        # «Показания» of the 500-meter contract.
        times = []
        for i in range(page_requests + 10):
            start = time.perf_counter()
            status, _, text = browser.get(f"/readings?contract={BIG}")
            elapsed = time.perf_counter() - start
            if status != 200 or "Передать показания" not in text:
                sys.exit(f"«Показания» answered {status}")
            if i >= 10:
                times.append(elapsed * 1000)
        results.append(("«Показания», 500 ПУ (GET)", len(times), statistics.median(times), percentile(times, 0.9),
                        "100 мс медиана"))

        # The integral file of 5,000 rows.
        status, template, _ = browser.get(f"/readings/template?contract={INTEGRAL}")
        assert status == 200, status
        browser.get(f"/readings/upload?contract={INTEGRAL}")
        times = []
        for r in range(runs):
            content, rows = filled_integral(template, r)
            start = time.perf_counter()
            status, _, text = browser.upload("/readings/upload", {"contract": INTEGRAL, "kind": "integral"},
                                             "integral.xlsx", content)
            times.append((time.perf_counter() - start) * 1000)
            if status != 200 or "приборов учета — 2500" not in text:
                sys.exit(f"integral upload answered {status}: {re.findall(r'<li>(.*?)</li>', text)[:5]}")
        results.append((f"Интегральный файл, {rows} строк", runs, statistics.median(times), max(times), "2 с"))

        # The interval file of 50 hourly meters.
        status, template, _ = browser.get(f"/readings/interval-template?contract={HOURLY}&period={previous}")
        assert status == 200, status
        browser.get(f"/readings/upload?contract={HOURLY}&kind=interval-contract&period={previous}")
        times = []
        for r in range(runs):
            content, sheets = filled_interval(template, r)
            start = time.perf_counter()
            status, _, text = browser.upload(
                "/readings/upload", {"contract": HOURLY, "kind": "interval-contract", "period": previous},
                "interval.xlsx", content)
            times.append((time.perf_counter() - start) * 1000)
            if status != 200 or f"приборов учета — {sheets}" not in text:
                sys.exit(f"interval upload answered {status}: {re.findall(r'<li>(.*?)</li>', text)[:5]}")
        results.append((f"Интервальный файл, {sheets} ПУ (лист на ПУ)", runs,
                        statistics.median(times), max(times), "2 с"))
        return results, portal.peak_memory_mb()
    finally:
        portal.stop()


def table(label, results, memory):
    lines = [f"### {label}", "", "| Что | Запросов | Медиана, мс | p90 / худший, мс | Цель |", "|---|---|---|---|---|"]
    for name, count, median, worst, goal in results:
        lines.append(f"| {name} | {count} | {median:.1f} | {worst:.1f} | {goal} |")
    lines.append(f"\nПиковая память сервера: {memory:.0f} МБ\n")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (reused between runs)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--page-requests", type=int, default=60)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true", help="only the PostgreSQL run")
    args = parser.parse_args()
    binary = os.path.join(ROOT, ".build", "release", "lkk") if args.skip_build else build_release()
    sections = []
    with tempfile.TemporaryDirectory(prefix="lkk-readings-bench-") as folder:
        if not args.skip_sqlite:
            results, memory = run("SQLite", Portal(binary, os.path.join(folder, "sqlite")), args.runs,
                                  args.page_requests)
            sections.append(table("SQLite", results, memory))
            print(sections[-1], flush=True)
        if args.database_url:
            results, memory = run("PostgreSQL", Portal(binary, os.path.join(folder, "pg"), args.database_url),
                                  args.runs, args.page_requests)
            sections.append(table("PostgreSQL", results, memory))
            print(sections[-1], flush=True)
    append_results(
        "readings", "Показания",
        f"python3 Tests/bench/readings_bench.py{' --database-url …' if args.database_url else ''} "
        f"--runs {args.runs} --page-requests {args.page_requests}", sections)

if __name__ == "__main__":
    main()
