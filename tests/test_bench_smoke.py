"""bench/report_bench.py still runs: its ReportLab half once at a tiny size (the case summary and the
subject-access report), and its WeasyPrint half when WeasyPrint (a bench-only dependency,
bench/requirements.txt) is installed."""

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
    assert bench.build_reportlab_subject_access(bench.large_subject_access(bench.TINY)).startswith(b"%PDF-")


def test_the_large_case_is_the_one_the_issue_names(bench: ModuleType) -> None:
    summary = bench.large_case()
    assert summary.assessment is not None and len(summary.assessment.items) == 20
    assert len(summary.judgement_history) == 10  # the ten assessments, as the judgement history
    assert len(summary.interventions[0].sessions) == 50 and len(summary.observations) == 100
    assert len(bench.large_subject_access().assessments) == 10


def test_main_prints_a_line_for_each_report(bench: ModuleType, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    def not_installed(_data: object) -> bytes:
        raise ImportError("No module named 'weasyprint'")

    monkeypatch.setattr(bench, "build_weasyprint", not_installed)
    monkeypatch.setattr(bench, "build_weasyprint_subject_access", not_installed)
    assert bench.main(["--runs", "1", "--tiny"]) == 0
    out = capsys.readouterr().out
    assert "Case summary, ReportLab:  median" in out and "Case summary, WeasyPrint: not run" in out
    assert "Subject-access report, ReportLab:  median" in out


def test_weasyprint_half_renders_the_same_content(bench: ModuleType) -> None:
    pytest.importorskip("weasyprint")
    data = bench.large_case(bench.TINY)
    html = bench.case_html(data)
    assert "Zoë Ødegård" in html and "<svg" in html
    assert bench.build_weasyprint(data).startswith(b"%PDF-")
