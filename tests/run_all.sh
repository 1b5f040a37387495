#!/usr/bin/env bash
# The whole test command (`make test`): static checks, then pytest on SQLite, on a throwaway PostgreSQL
# server, and in Chromium. A tier whose server or browser is missing is installed with apt-get when we
# run as root; otherwise it is skipped loudly, and with CI=true a skipped tier fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
status=0
skipped=()

step() { printf '\n=== %s ===\n' "$*"; }
run() { "$@" || status=1; }
summaries=$(mktemp)
trap 'rm -f "$summaries"' EXIT
# pytest, keeping its closing line so that the run ends with one total over every tier.
run_pytest() {
  local out
  out=$(mktemp)
  "$BIN/pytest" "$@" 2>&1 | tee "$out"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  tail -n 1 "$out" >> "$summaries"
  rm -f "$out"
}
count() { grep -oE "[0-9]+ $1" "$summaries" | awk '{s += $1} END {print s + 0}'; }

have_postgres() { "$BIN/python" -c 'import sys; from tests.pg import find_bindir; sys.exit(find_bindir() is None)'; }
have_chromium() { [ -x /usr/bin/chromium ]; }
# The PDF reports embed DejaVu Sans (reports/fonts.py): Debian's fonts-dejavu-core, or WAYPOINT_FONT_DIR.
FONT_DIR="${WAYPOINT_FONT_DIR:-/usr/share/fonts/truetype/dejavu}"
have_fonts() { [ -f "$FONT_DIR/DejaVuSans.ttf" ] && [ -f "$FONT_DIR/DejaVuSans-Bold.ttf" ]; }

apt_install() {
  if [ "$(id -u)" != 0 ]; then return 1; fi
  step "installing $* with apt-get"
  if [ -z "${WAYPOINT_APT_UPDATED:-}" ]; then apt-get update -q && export WAYPOINT_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

step "ruff"
run "$BIN/ruff" check .
step "mypy"
run "$BIN/mypy"
step "pip-audit (requirements.txt)"
# Needs the vulnerability service; on an isolated network it reports the packages it could not check.
run "$BIN/pip-audit" -r requirements.txt --no-deps --progress-spinner off

step "fonts for the PDF reports"
# Before the pytest tiers: the report and export tests of every tier need them.
if have_fonts || { apt_install fonts-dejavu-core && have_fonts; }; then
  echo "DejaVu Sans found in $FONT_DIR"
else
  echo "!!! $FONT_DIR/DejaVuSans.ttf not found and not installed (needs root: apt-get install fonts-dejavu-core," >&2
  echo "!!! or set WAYPOINT_FONT_DIR): the report and export tests WILL FAIL" >&2
fi

step "pytest on SQLite"
run_pytest --ignore=tests/browser -q

step "pytest on PostgreSQL"
if have_postgres || apt_install postgresql; then
  run_pytest --ignore=tests/browser -q --db=postgresql
else
  echo "!!! PostgreSQL server not found and not root: the PostgreSQL tier was SKIPPED" >&2
  skipped+=(postgresql)
fi

step "browser tests in Chromium"
if have_chromium || apt_install chromium fonts-dejavu-core; then
  run_pytest tests/browser -q
else
  echo "!!! /usr/bin/chromium not found and not root: the browser tier was SKIPPED" >&2
  skipped+=(browser)
fi

if [ ${#skipped[@]} -gt 0 ]; then
  echo "!!! skipped tiers: ${skipped[*]}" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "!!! CI=true: a skipped tier is a failure" >&2
    status=1
  fi
fi
step "$([ $status = 0 ] && echo 'all tiers passed' || echo 'FAILED')"
failed=$(( $(count failed) + $(count error) ))
[ $status = 0 ] || [ $failed -gt 0 ] || failed=1  # a failing static check counts too
echo "total: $(count passed) passed, ${failed} failed, $(count skipped) skipped"
exit $status
