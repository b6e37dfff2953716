"""What a benchmark ran on, and where its figures are written: shared by bench/pages.py and bench/concurrency.py."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path

from sqlalchemy import Engine, text

RESULTS = Path(__file__).resolve().parent / "results"


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=RESULTS.parent,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def database_version(engine: Engine) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            return "PostgreSQL " + connection.execute(text("SHOW server_version")).scalar_one()
        return "SQLite " + connection.execute(text("SELECT sqlite_version()")).scalar_one()


def describe(engine: Engine) -> dict:
    """The machine, the software and the database a run measured, as plain values for the results file."""
    import sqlalchemy
    import streamlit

    return {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": platform.machine(),
        "system": platform.platform(),
        "processor": platform.processor() or None,
        "cpus": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "load_average_start": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "database": database_version(engine),
    }


def machine_line(machine: dict) -> str:
    return (
        f"{machine['database']}; Python {machine['python']}, Streamlit {machine['streamlit']}, "
        f"SQLAlchemy {machine['sqlalchemy']}; {machine['cpus']} CPUs, {machine['memory_gb']} GB; "
        f"{machine['system']}; commit {machine['commit']}; load average {machine['load_average_start']} at the start"
    )


def write(name: str, about: dict, args, results: dict, table: str) -> Path:
    """Write the run's figures as JSON (the machine, the options but the URL, ``results``) and ``table`` as
    text under bench/results/ (or ``args.results``), named for the script and the database; returns the JSON path."""
    backend = "postgresql" if about["database"].startswith("PostgreSQL") else "sqlite"
    folder = getattr(args, "results", None) or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    stem = folder / f"{name}-{backend}-{stamp}"
    payload = {
        "about": about,
        "arguments": {key: str(value) for key, value in vars(args).items() if key != "url"},
        **results,
        "load_average_end": round(os.getloadavg()[0], 2),
    }
    stem.with_suffix(".json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    stem.with_suffix(".txt").write_text(table + "\n")
    return stem.with_suffix(".json")


def figure_rows(figures) -> list[dict]:
    """The figures of a run (``bench_home.Figure``) as rows for the results file."""
    return [
        {
            "name": figure.name,
            "samples": len(figure.samples_ms),
            "median_ms": round(figure.median, 2),
            "p95_ms": round(figure.p95, 2),
            "budget_ms": figure.target_ms,
            "verdict": figure.verdict,
            "note": figure.note,
        }
        for figure in figures
    ]
