#!/usr/bin/env python3
"""XLSX benchmark: our library (release build) against openpyxl, reading and writing the same
100,000-row x 10-column workbook, in one run on one machine.

    python3 Tests/bench/xlsx_bench.py [--rows 100000] [--runs 5]

Every measurement is a separate process, timed by wall clock, its peak memory taken from wait4().
Prints medians of both sides and the ratios, and writes them to bench/results/xlsx-<date>.md.
"""
import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.abspath(__file__)


def measure(command):
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    out = process.stdout.read().decode()
    err = process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed: {err}")
    return elapsed, usage.ru_maxrss / 1024.0, out.strip()


def openpyxl_read(path):
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True)
    rows = cells = 0
    for row in book.worksheets[0].iter_rows(values_only=True):
        rows += 1
        cells += sum(1 for value in row if value is not None)
    print(f"rows={rows} cells={cells}")


def openpyxl_write(path, rows):
    import openpyxl
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("data")
    for r in range(rows):
        sheet.append([f"ПУ-{r}", r, r * 1.5, f"Объект {r % 100}", r % 7, r * 0.001, "А+", "Круглосуточно", r + 0.25, "x"])
    book.save(path)
    print(f"rows={rows}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    print("building the release binary…", flush=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "xlsx-bench"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    binary = os.path.join(ROOT, ".build", "release", "xlsx-bench")
    work = tempfile.mkdtemp(prefix="xlsx-bench-")
    source = os.path.join(work, "openpyxl.xlsx")
    subprocess.run([sys.executable, HERE, "_openpyxl_write", source, str(args.rows)], check=True, stdout=subprocess.DEVNULL)

    cases = {
        "read: openpyxl read_only": [sys.executable, HERE, "_openpyxl_read", source],
        "read: ours": [binary, "read", source],
        "write: openpyxl write_only": [sys.executable, HERE, "_openpyxl_write", os.path.join(work, "w1.xlsx"), str(args.rows)],
        "write: ours": [binary, "write", os.path.join(work, "w2.xlsx"), str(args.rows)],
    }
    results = {name: [] for name in cases}
    outputs = {}
    for _ in range(args.runs):
        for name, command in cases.items():  # interleaved, so both sides see the same machine state
            elapsed, peak, out = measure(command)
            results[name].append((elapsed, peak))
            outputs[name] = out
    if outputs["read: ours"] != outputs["read: openpyxl read_only"]:
        sys.exit(f"the two readers disagree: {outputs['read: ours']} vs {outputs['read: openpyxl read_only']}")
    # Our file must be readable by openpyxl with the same counts.
    _, _, check = measure([sys.executable, HERE, "_openpyxl_read", os.path.join(work, "w2.xlsx")])
    if check != outputs["read: ours"]:
        sys.exit(f"openpyxl reads our file differently: {check}")

    def median(name, index):
        return statistics.median(run[index] for run in results[name])

    lines = [
        f"# XLSX benchmark, {datetime.date.today()}",
        "",
        f"{args.rows} rows x 10 columns ({outputs['read: ours']}), median of {args.runs} runs; machine: "
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "",
        "| case | time, s | peak memory, MB |",
        "| --- | ---: | ---: |",
    ]
    for name in cases:
        lines.append(f"| {name} | {median(name, 0):.2f} | {median(name, 1):.0f} |")
    lines += [
        "",
        f"read: ours is {median('read: openpyxl read_only', 0) / median('read: ours', 0):.1f}x faster, "
        f"memory {median('read: ours', 1):.0f} MB vs {median('read: openpyxl read_only', 1):.0f} MB",
        f"write: ours is {median('write: openpyxl write_only', 0) / median('write: ours', 0):.1f}x faster, "
        f"memory {median('write: ours', 1):.0f} MB vs {median('write: openpyxl write_only', 1):.0f} MB",
        "",
        "Command: `python3 Tests/bench/xlsx_bench.py`",
    ]
    report = "\n".join(lines)
    print(report)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", f"xlsx-{datetime.date.today()}.md"), "w") as f:
        f.write(report + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_openpyxl_read":
        openpyxl_read(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "_openpyxl_write":
        openpyxl_write(sys.argv[2], int(sys.argv[3]))
    else:
        main()
