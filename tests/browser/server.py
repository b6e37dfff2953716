"""Start ``streamlit run app.py`` (or another script of the project) on a free port against a given database,
for browser tests and screenshots."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def log_path(base: str) -> Path:
    """Where the server at ``base`` writes its terminal output (stdout and stderr)."""
    port = base.rsplit(":", 1)[-1]
    return Path(os.environ.get("TMPDIR", "/tmp")) / f"ctdash-streamlit-{port}.log"


@contextlib.contextmanager
def streamlit_server(
    database_url: str, *, env: dict[str, str] | None = None, timeout: float = 60, script: str = "app.py"
) -> Iterator[str]:
    """Yield the base URL of a running app; the process and its log are cleaned up afterwards.

    ``script`` is the file to run, relative to the project folder (a small test script, say).
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = log_path(base)
    full_env = {**os.environ, "CTDASH_DATABASE_URL": database_url, **(env or {})}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                script,
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=PROJECT_DIR,
            env=full_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit exited early:\n{log.read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                        if response.read() == b"ok":
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not become healthy:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
