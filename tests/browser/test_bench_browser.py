"""bench/browser.py at its smallest size, so it keeps working: no timing is asserted.

It runs as the command line it is (a subprocess with its own Chromium), here beside the browser tests
so it skips, or fails under ``CTDASH_REQUIRE_BROWSER=1``, as they do when Chromium is missing. Datasette
runs from its own virtual environment, made by hand (bench/requirements-datasette.txt): where that is
missing (in CI), the app's half is timed alone.
"""

from __future__ import annotations

from pathlib import Path

from bench.bench_library import DEFAULT_DATASETTE
from tests.data import test_bench_scripts as scripts


def test_the_browser_benchmark_times_a_fresh_load_and_a_facet_click(browser, tmp_path):
    # ``browser`` only for its check that Chromium and Playwright are here.
    with_datasette = Path(DEFAULT_DATASETTE).exists()
    arguments = ["--repeat", "1", "--floor"] + ([] if with_datasette else ["--skip-datasette"])
    results = scripts._run("browser.py", f"sqlite:///{tmp_path / 'bench.db'}", tmp_path, *arguments)
    names = {figure["name"] for figure in results["figures"]}
    for side in ("ctdash", "Streamlit floor"):  # the floor: bench/streamlit_floor.py shows the same rows
        assert {f"{side}: fresh load to the first rows", f"{side}: facet click to the new rows"} <= names
    assert "ctdash / Streamlit floor, facet click to the new rows" in results["ratios"]
    loaded = results["first_load"]["ctdash"]
    assert loaded["requests"] > 0 and loaded["bytes"] > 0 and loaded["script_runs"] >= 1
    if with_datasette:
        assert "Datasette: facet click to the new rows" in names
        assert {"fresh load to the first rows", "facet click to the new rows"} <= set(results["ratios"])
    assert results["about"]["cpus"] and results["about"]["database"].startswith("SQLite")
