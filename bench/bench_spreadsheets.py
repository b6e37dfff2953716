"""Time reading an upload at the row limit: the same projects as a CSV and as an XLSX workbook.

    python bench/bench_spreadsheets.py                        # 50,000 rows, 3 repetitions
    python bench/bench_spreadsheets.py --rows 10000 --repeat 5

Both files are built in memory, as Excel would save them: the CSV in UTF-8 with a byte-order mark
and dates written day first, the workbook (XlsxWriter, from the development requirements) with
shared strings and real date cells. Prints each file's size and the seconds ``read_table`` takes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``ctdash`` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import xlsxwriter

from ctdash.spreadsheets import Column, parse_date, read_table

COLUMNS = [
    Column("partner", "Partner", required=True),
    Column("cycle", "Cycle", required=True),
    Column("title", "Title", required=True),
    Column("stage", "Stage", required=True),
    Column("start", "Start"),
    Column("end", "End"),
    Column("themes", "Themes"),
]
STAGES = ["Idea", "Planning", "Fieldwork", "Analysis", "Done"]
THEMES = ["Belonging", "Routes", "Progression", "Wellbeing", "Identity", "Access", "Place", "Voice"]
WORDS = ["music", "young", "people", "band", "studio", "voice", "routes", "together", "after", "school"]


def project_rows(count: int, seed: int) -> list[list[object]]:
    """Project-like rows: partner, cycle, title, stage, start and end dates, themes."""
    chance = random.Random(seed)
    rows = []
    for _ in range(count):
        year = chance.randint(2018, 2026)
        start = dt.date(year, chance.randint(1, 12), chance.randint(1, 28))
        rows.append(
            [
                f"Example service {chance.randint(1, 200)}",
                f"{year}-{(year + 1) % 100:02d}",
                " ".join(chance.choices(WORDS, k=chance.randint(3, 9))).capitalize(),
                chance.choice(STAGES),
                start,
                start + dt.timedelta(days=chance.randint(30, 700)),
                "; ".join(chance.sample(THEMES, chance.randint(1, 3))),
            ]
        )
    return rows


def as_csv(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(column.label for column in COLUMNS)
    for row in rows:
        writer.writerow([f"{cell:%d/%m/%Y}" if isinstance(cell, dt.date) else cell for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"default_date_format": "dd/mm/yyyy"})
    sheet = book.add_worksheet("Projects")
    sheet.write_row(0, 0, [column.label for column in COLUMNS])
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, row)
    book.close()
    return buffer.getvalue()


def timed(data: bytes, filename: str, rows: list[list[object]], repeat: int) -> list[float]:
    """Seconds per read; stops the run if the rows read are not the rows written."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        table = read_table(data, filename, COLUMNS, max_rows=len(rows))
        samples.append(time.perf_counter() - started)
    last = table.rows[-1].values
    if len(table.rows) != len(rows) or parse_date(last["end"]) != rows[-1][5] or last["title"] != rows[-1][2]:
        raise SystemExit(f"{filename}: read {len(table.rows)} rows, not the {len(rows)} written")
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions per file (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    rows = project_rows(args.rows, args.seed)
    files = {"projects.csv": as_csv(rows), "projects.xlsx": as_xlsx(rows)}
    print(
        f"{args.rows:,} rows of {len(COLUMNS)} columns; Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"{args.repeat} repetitions; load average {os.getloadavg()[0]:.2f} at the start"
    )
    print(f"{'file':<14}  {'size':>8}  {'best':>7}  {'median':>7}")
    for filename, data in files.items():
        samples = timed(data, filename, rows, args.repeat)
        size = f"{len(data) / 1_000_000:.1f} MB"
        print(f"{filename:<14}  {size:>8}  {min(samples):7.2f}  {statistics.median(samples):7.2f}")
    print("(seconds for read_table, the whole file)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
