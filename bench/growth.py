"""How Waypoint's pages slow down as the service grows: p95 of the same pages at 10k and at 100k subjects.

    .venv/bin/python bench/growth.py \
        --small-url postgresql+psycopg://postgres@127.0.0.1:54329/waypoint_10k \
        --large-url postgresql+psycopg://postgres@127.0.0.1:54329/waypoint_100k

Both databases come from bench/generate.py (sizes medium and national; per person they hold the same
amounts, so a page that stays as fast is one whose cost does not grow with the service). Each is measured
as bench/web.py measures Waypoint: gunicorn with 2 workers, the same pages, `--connections` concurrent
clients for `--duration` seconds. Target: p95 at 100k within 1.3 times p95 at 10k.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.web import PAGES, Result, choose_clients, run_waypoint

TARGET_GROWTH = 1.3


def measure(url: str, pages: list[str], duration: float, connections: int, tool: str) -> list[Result]:
    return run_waypoint(url, pages, choose_clients(url, connections), duration, connections, tool)


def report(small: list[Result], large: list[Result]) -> list[dict[str, Any]]:
    by_page = {r.page: r for r in small}
    print(f"{'page':<10} {'p95 small':>10} {'p95 large':>10} {'growth':>7}  target")
    rows = []
    for big in large:
        little = by_page[big.page]
        growth = big.p95_ms / little.p95_ms if little.p95_ms else float("inf")
        met = growth <= TARGET_GROWTH
        print(f"{big.page:<10} {little.p95_ms:>10.1f} {big.p95_ms:>10.1f} {growth:>7.2f}  {'met' if met else 'MISSED'}")
        rows.append({"page": big.page, "p95_small_ms": little.p95_ms, "p95_large_ms": big.p95_ms,
                     "rps_small": little.rps, "rps_large": big.rps, "growth": growth, "target_met": met,
                     "bad": little.bad + big.bad})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small-url", required=True, help="the database generated at 10k subjects")
    parser.add_argument("--large-url", required=True, help="the database generated at 100k subjects")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--tool", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    pages = [p for p in args.pages.split(",") if p]
    small = measure(args.small_url, pages, args.duration, args.connections, args.tool)
    large = measure(args.large_url, pages, args.duration, args.connections, args.tool)
    rows = report(small, large)
    if args.json:
        print(json.dumps(rows, indent=2))
    return 1 if any(r["bad"] for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
