"""Time exporting every finding as an administrator: the tables, the XLSX workbook and the CSV.

    python bench/generate.py --url sqlite:////tmp/ctdash-bench.db      # once: 10,000 findings
    python bench/bench_export.py --url sqlite:////tmp/ctdash-bench.db [--repeat 5]

What the findings library's Excel download (``ctdash.ui.exports``) and ``python -m ctdash export
findings`` do for a view of every finding: ``export.findings_tables`` over all their ids, then
``export.to_xlsx`` and ``export.findings_csv``. Prints the best and median seconds of each, as wall
time and as this process's CPU time (steadier on a shared machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``ctdash`` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ctdash import db, export
from ctdash.models import Role
from ctdash.viewer import Viewer

ADMIN = Viewer(role=Role.ADMIN, name="Bench admin")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="a database holding a generated dataset (bench/generate.py)")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    engine = db.make_engine(options.url)
    names = ("findings_tables", "to_xlsx", "findings_csv")
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in names}

    def timed(name, func, *args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = func(*args, **kwargs)
        times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
        return result

    for _ in range(options.repeat):
        with db.session_scope(engine, read_only=True) as session:
            ids = export.all_finding_ids(session)
            tables = timed("findings_tables", export.findings_tables, session, viewer=ADMIN, finding_ids=ids)
        workbook = timed("to_xlsx", export.to_xlsx, tables)
        csv = timed("findings_csv", export.findings_csv, tables)
    engine.dispose()
    print(
        f"{len(tables.findings):,} findings, {len(tables.attachments):,} attachments; "
        f"XLSX {len(workbook) / 1e6:.1f} MB, CSV {len(csv) / 1e6:.1f} MB; load average {os.getloadavg()[0]:.1f}"
    )
    times["tables + xlsx"] = [
        (tables[0] + xlsx[0], tables[1] + xlsx[1])
        for tables, xlsx in zip(times["findings_tables"], times["to_xlsx"], strict=True)
    ]
    print(f"  {'seconds':<16} {'wall best':>9} {'median':>7} {'cpu best':>9} {'median':>7}")
    for name, figures in times.items():
        wall, cpu = [figure[0] for figure in figures], [figure[1] for figure in figures]
        median_wall, median_cpu = statistics.median(wall), statistics.median(cpu)
        print(f"  {name:<16} {min(wall):9.2f} {median_wall:7.2f} {min(cpu):9.2f} {median_cpu:7.2f}")


if __name__ == "__main__":
    main()
