"""bench/report_bench.py still runs: its ReportLab half once at a tiny size, and its WeasyPrint half when
WeasyPrint (a bench-only dependency, bench/requirements.txt) is installed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "report_bench.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("report_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def test_reportlab_half_builds_a_tiny_case(bench: ModuleType) -> None:
    data = bench.large_case(bench.TINY)
    pdf = bench.build_reportlab(data)
    assert pdf.startswith(b"%PDF-")
    assert bench.page_count(pdf) >= 1
    assert len(bench.timings(bench.build_reportlab, data, 1)) == 1


def test_weasyprint_half_renders_the_same_content(bench: ModuleType) -> None:
    pytest.importorskip("weasyprint")
    data = bench.large_case(bench.TINY)
    html = bench.case_html(data)
    assert "Zoë Ødegård" in html and "<svg" in html
    assert bench.build_weasyprint(data).startswith(b"%PDF-")
