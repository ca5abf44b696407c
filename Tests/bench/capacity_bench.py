#!/usr/bin/env python3
"""Capacity benchmark: the portal at a real supplier's size, on SQLite and on PostgreSQL.

    scripts/bench [--database-url postgres://…/lkk_bench] [--duration 15] [--connections 64] [--skip-build]

For each data set — small: `lkk demo --contracts 4100` on SQLite in a fresh folder; large: `lkk demo
--contracts 100000` on the given PostgreSQL database, made once and reused — it:
  1. makes 200 accounts `bench-NNNN@lkk.example` («Руководитель», 20 contracts each, and contract
     74070100000100 with its 500 meters) with `lkk demo-accounts`;
  2. starts the release `lkk serve` (jobs worker on, log level warning, 127.0.0.1 trusted as a proxy so each
     account can come from its own address as real accountants do — the per-address limits stay on);
  3. signs the 200 accounts in over HTTP (4 at a time): that rate is bcrypt's, by design;
  4. runs wrk (2 threads, 64 connections) against /ping (no database: the baseline), the sign-in page,
     «Оплата» of an account with 20 contracts, «Показания» of the 500-meter contract and its contract card,
     «История» → «Документы» of the 20 contracts with ten years of monthly documents each;
  5. sends readings from all 200 accounts at once, as on the 1st of the month, and counts the stored rows;
     twice: the first wave right after the pages (the submission's statements not yet run on the server's
     database connections, as after a restart), the second a few seconds later with new values;
  6. reads the server's peak memory (VmHWM).
It prints one table per data set and appends them to bench/results/capacity-<date>.md with the machine.
"""
import argparse
import asyncio
import concurrent.futures
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import ROOT, Browser, Portal, append_results, build_release  # noqa: E402

BIG = "74070100000100"
ACCOUNTS = 200
PASSWORD = "bench-lkk-2026"

LUA = """
wrk.method = "GET"
wrk.headers["Cookie"] = "%(cookie)s"
wrk.headers["X-Forwarded-For"] = "%(address)s"
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration, errors,
    summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
"""


def address(index):
    return f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256 or 1}"


def email(index):
    return f"bench-{index:04d}@lkk.example"


class Client(Browser):
    """A browser that always comes from one address (through the trusted proxy)."""

    def __init__(self, base, index):
        super().__init__(base)
        self.index = index
        self.opener.addheaders = [("X-Forwarded-For", address(index))]

    def without_redirects(self):
        """The same session, answering 303 itself instead of following it (to time the POST alone)."""
        class Stay(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        jar = next(h for h in self.opener.handlers if getattr(h, "cookiejar", None) is not None)
        other = Client(self.base, self.index)
        other.opener = urllib.request.build_opener(jar, Stay())
        other.opener.addheaders = [("X-Forwarded-For", address(self.index))]
        other.csrf = self.csrf
        return other

    def cookie(self):
        for handler in self.opener.handlers:
            jar = getattr(handler, "cookiejar", None)
            if jar is not None:
                return "; ".join(f"{c.name}={c.value}" for c in jar)
        return ""


def wrk(url, seconds, connections, cookie="", index=1):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"cookie": cookie, "address": address(index)})
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name, url],
            check=True, stdout=subprocess.PIPE, text=True).stdout
    finally:
        os.unlink(script.name)
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    requests, duration, errors, status_errors, p50, p99 = (int(x) for x in line.split()[1:])
    return {"rps": requests / (duration / 1e6), "p50": p50 / 1000, "p99": p99 / 1000,
            "errors": errors + status_errors, "requests": requests}


def burst(base, requests):
    """Sends every `(cookie, address, body)` POST /readings at the same moment, each on its own connection,
    and returns `(status, milliseconds)` per request, timed from its send to its status line.

    asyncio on raw sockets, not 200 Python threads: with threads the client's own scheduling (one GIL,
    2 shared cores) was part of the latency measured, and the server sat half idle waiting for requests."""
    url = urllib.parse.urlsplit(base)

    async def one(connection, cookie, address, body, start):
        reader, writer = connection
        await start.wait()
        began = time.perf_counter()
        writer.write((f"POST /readings HTTP/1.1\r\nHost: {url.netloc}\r\nCookie: {cookie}\r\n"
                      f"X-Forwarded-For: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                      f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
        await writer.drain()
        line = await reader.readline()
        elapsed = (time.perf_counter() - began) * 1000
        writer.close()
        parts = line.split()
        return (int(parts[1]) if len(parts) > 1 else 0), elapsed

    async def run():
        connections = [await asyncio.open_connection(url.hostname, url.port) for _ in requests]
        start = asyncio.Event()
        tasks = [asyncio.create_task(one(c, *r, start)) for c, r in zip(connections, requests)]
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        start.set()
        results = await asyncio.gather(*tasks)
        return results, time.perf_counter() - started

    return asyncio.run(run())


def count_contracts(portal, database_url):
    try:
        if database_url:
            out = subprocess.run(["psql", database_url, "-tAc", "SELECT count(*) FROM contracts"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            return int(out.stdout.strip() or 0)
        with sqlite3.connect(os.path.join(portal.data_dir, "lkk.sqlite")) as db:
            return db.execute("SELECT count(*) FROM contracts").fetchone()[0]
    except Exception:
        return 0


def run_sql(portal, database_url, statements):
    """Runs SQL on the data set's database: psql for PostgreSQL, the sqlite3 module for SQLite."""
    if database_url:
        subprocess.run(["psql", "-q", database_url], input="BEGIN;\n" + ";\n".join(statements) + ";\nCOMMIT;\n",
                       text=True, check=True, stdout=subprocess.DEVNULL)
    else:
        with sqlite3.connect(os.path.join(portal.data_dir, "lkk.sqlite")) as db:
            for statement in statements:
                db.execute(statement)


def ten_years_of_documents(portal, database_url):
    """Gives the first bench account's 20 contracts (c1…c20) monthly documents of the four types for the ten
    years before the demo's own year of them: «История» → «Документы» then lists 20 × 10 × 12 × 4 rows."""
    statements = []
    for contract in range(1, 21):
        values = []
        for back in range(13, 121):
            year, month = divmod(2026 * 12 + 10 - back, 12)
            period = f"{year:04d}-{month + 1:02d}"
            for kind, prefix in [("acceptanceAct", "АП"), ("invoiceFacture", "СФ"), ("paymentInvoice", "СЧ"),
                                 ("acceptanceStatement", "ВП")]:
                values.append(f"('c{contract}-{kind}-{period}', 'c{contract}', '{kind}', '{prefix}-{contract}/{period}',"
                              f" '{period}-28', '{period}')")
        statements.append("INSERT INTO documents (id, contract_id, type, number, issued_on, period) VALUES "
                          + ", ".join(values) + " ON CONFLICT (id) DO NOTHING")
    run_sql(portal, database_url, statements)


def stored_matching(portal, database_url, expected):
    """How many of `expected` (channel id → thousandths) the database holds with exactly that value."""
    ids = ",".join("'" + c.replace("'", "''") + "'" for c in expected)
    query = f"SELECT channel_id, value_milli FROM submitted_readings WHERE channel_id IN ({ids})"
    if database_url:
        out = subprocess.run(["psql", database_url, "-tAF", "|", "-c", query], stdout=subprocess.PIPE, text=True,
                             check=True).stdout
        rows = [line.split("|") for line in out.splitlines() if line]
    else:
        with sqlite3.connect(os.path.join(portal.data_dir, "lkk.sqlite")) as db:
            rows = db.execute(query).fetchall()
    return sum(1 for channel, value in rows if expected.get(channel) == int(value))


def reading_form(client, number):
    """The fields «Передать показания» would send for every open input of the first page of `number`."""
    status, _, text = client.get(f"/readings?contract={number}")
    if status != 200:
        return None, 0
    fields = {"contract": number, "status": "", "q": "", "page": "1"}
    count = 0
    # A meter's digits are on its <tbody>, its channels' inputs inside it.
    digits = 0
    for match in re.finditer(r'<tbody data-meter="[0-9a-f]+"[^>]* data-digits="(\d+)"|'
                             r'<input id="[^"]+" name="(v_[0-9a-f]+)"([^>]*)>', text):
        if match.group(1):
            digits = int(match.group(1))
            continue
        attributes = match.group(3)
        if " disabled" in attributes:
            continue
        previous = re.search(r'data-previous="(\d*)"', attributes)
        if not previous or not previous.group(1):
            continue
        # A new value each run (the same value again would be «unchanged» and not stored).
        value = int(previous.group(1)) // 1000 + 7 + int(time.time()) % 997
        if value >= 10 ** digits:
            value = 1  # a register near its maximum: a rollover would need the box; send it below instead
            continue
        fields[match.group(2)] = str(value)
        count += 1
    return fields, count


def peak(portal, database_url, clients, numbers, wave):
    """Every client sends the readings of its contract in `numbers` at the same moment; the row of the table,
    with the values stored afterwards counted against those sent."""
    time.sleep(1.1)  # the values depend on the second (`reading_form`): each wave sends new ones
    forms = []
    for client, number in zip(clients, numbers):
        fields, count = reading_form(client, number)
        if fields and count:
            forms.append((client, fields, count))
    expected = {}
    for _, fields, _ in forms:
        for name, value in fields.items():
            if name.startswith("v_"):
                expected[bytes.fromhex(name[2:]).decode()] = int(value) * 1000

    requests = [(client.cookie(), address(client.index),
                 urllib.parse.urlencode(dict(fields, _csrf=client.csrf)).encode()) for client, fields, _ in forms]
    outcomes, elapsed = burst(portal.base, requests)
    latencies = sorted(ms for _, ms in outcomes)
    errors = sum(1 for status, _ in outcomes if status != 303)
    sent = sum(count for _, _, count in forms)
    stored = stored_matching(portal, database_url, expected)
    return (f"Передача показаний: {len(forms)} учетных записей разом, {sent} значений, {wave}", {
        "rps": len(forms) / elapsed, "p50": latencies[len(latencies) // 2],
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], "errors": errors,
        "requests": len(forms), "stored": f"{stored} из {sent}"})


def run(label, portal, database_url, contracts, seconds, connections):
    results = []
    portal.command("migrate", "--yes")
    have = count_contracts(portal, database_url)
    if have < contracts:
        print(f"[{label}] loading {contracts} demo contracts (had {have}) …", flush=True)
        started = time.time()
        portal.command("demo", "--contracts", str(contracts), capture=False)
        print(f"[{label}] loaded in {time.time() - started:.0f} s", flush=True)
    portal.command("demo-accounts", "--count", str(ACCOUNTS), "--contracts", "20", "--also", BIG)
    ten_years_of_documents(portal, database_url)
    portal.env.update({"PORTAL_TRUSTED_PROXIES": "127.0.0.1", "PORTAL_SANDBOX_WEBHOOK_COPIES": "1"})
    portal.start()
    try:
        # Sign-ins, four at a time, each from its own address.
        clients = [Client(portal.base, i) for i in range(1, ACCOUNTS + 1)]
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda c: c.sign_in(email(c.index), PASSWORD), clients))
        signin_rate = ACCOUNTS / (time.perf_counter() - started)
        first = clients[0]
        cookie = first.cookie()

        baseline = wrk(portal.base + "/ping", seconds, connections)
        results.append(("/ping (без базы данных, база сравнения)", baseline))
        for name, path, with_cookie in [
            ("Страница входа", "/login", False),
            ("«Оплата», 20 договоров", "/payments", True),
            ("«Показания», договор на 500 ПУ", f"/readings?contract={BIG}", True),
            ("Карточка договора на 500 ПУ", f"/contracts/{BIG}", True),
            ("«История» → «Документы», 20 договоров × 10 лет", "/history/documents", True),
        ]:
            if with_cookie:
                status, _, _ = first.get(path)
                assert status == 200, f"{path}: {status}"
            results.append((name, wrk(portal.base + path, seconds, connections, cookie if with_cookie else "",
                                      index=1 if with_cookie else 9999)))

        # The 1st of the month: every account sends the readings of its first contract at once. Twice: the
        # first wave meets a portal whose database connections have not yet run a submission (statements
        # prepared, caches of each PostgreSQL backend filled on first use), as after a restart; the second,
        # a few seconds later with new values, meets it as the morning of the 1st would, already serving.
        numbers = [f"740701{(i - 1) * 20 + 1:08d}" for i in range(1, ACCOUNTS + 1)]
        for wave in ("первая волна после запуска", "вторая волна"):
            results.append(peak(portal, database_url, clients, numbers, wave))
        return results, baseline["rps"], signin_rate, portal.peak_memory_mb()
    finally:
        portal.stop()


def table(label, results, baseline, signin_rate, memory):
    lines = [f"### {label}", "",
             "| Что | Запросов/с | p50, мс | p99, мс | Ошибки | Доля от /ping |", "|---|---|---|---|---|---|"]
    for name, r in results:
        extra = f" (сохранено {r['stored']})" if "stored" in r else ""
        lines.append(f"| {name}{extra} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | "
                     f"{r['rps'] / baseline:.3f} |")
    lines.append("")
    lines.append(f"Вход (bcrypt, стоимость 12, по 4 одновременно): {signin_rate:.1f} входов/с. "
                 f"Пиковая память сервера: {memory:.0f} МБ.")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("LKK_BENCH_DATABASE_URL"),
                        help="the large data set's PostgreSQL database (made once, then reused)")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--small-contracts", type=int, default=4100)
    parser.add_argument("--large-contracts", type=int, default=100000)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--binary", help="an lkk binary to use instead of building one")
    parser.add_argument("--skip-small", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    binary = args.binary or (os.path.join(ROOT, ".build", "release", "lkk") if args.skip_build else build_release())
    sections = []
    folder = tempfile.mkdtemp(prefix="lkk-capacity-")
    try:
        if not args.skip_small:
            outcome = run("SQLite, демо-данные", Portal(binary, os.path.join(folder, "small")), None,
                          args.small_contracts, args.duration, args.connections)
            sections.append(table(f"SQLite, {args.small_contracts} договоров", *outcome))
            print(sections[-1], flush=True)
        if args.database_url:
            outcome = run("PostgreSQL", Portal(binary, os.path.join(folder, "large"), args.database_url),
                          args.database_url, args.large_contracts, args.duration, args.connections)
            sections.append(table(f"PostgreSQL, {args.large_contracts} договоров", *outcome))
            print(sections[-1], flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    append_results(
        "capacity", "Нагрузка",
        f"scripts/bench{' --database-url …' if args.database_url else ''} --duration {args.duration} "
        f"--connections {args.connections}", sections)

if __name__ == "__main__":
    main()
