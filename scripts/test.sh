#!/usr/bin/env bash
# The full test run (README command 2, called by .ci/run), both tiers under pytest:
#   Tier 1: the pure-Python tests of the itscope package (client, sandbox, readers, openTRANS).
#   Tier 2: the Odoo tests through pytest-odoo, on a fresh database with the addon installed. The install itself must
#           log no WARNING/ERROR line, nor may the tests (browser tours included); the addon must uninstall cleanly.
# Odoo is installed once when none is found (scripts/odoo-env.sh). Without any Odoo, tier 2 is skipped with a banner,
# except under CI=true, where a run without the Odoo tier fails: CI must never go green on half the suite.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
cd "$ROOT"
mkdir -p "$VAR"
TEST_DEPS=(pytest pytest-odoo jsonschema hypothesis websocket-client)
started=$(date +%s)

if ensure_odoo; then
    PY=$ODOO_PYTHON
else
    if [ "${CI:-}" = "true" ]; then
        no_odoo_help
        echo "CI FAILED: the Odoo tests cannot run here (no Odoo 18.0, and none could be installed: see above)." >&2
        echo "CI must not pass on the pure-Python tier alone." >&2
        exit 1
    fi
    if [ ! -x "$VAR/venv/bin/python" ]; then python3 -m venv "$VAR/venv"; fi
    PY=$VAR/venv/bin/python
    # The versions Odoo 18.0 pins for Python 3.11: the package is tested with what the addon will run on.
    TEST_DEPS=(requests==2.31.0 urllib3==1.26.5 lxml==4.9.3 Werkzeug==2.0.2 pytest jsonschema hypothesis)
fi
_pip_quiet() { "$PY" -m pip install -q "$@" 2>&1 | grep -v "^WARNING: Location" || true; }
"$PY" -c 'import pytest, jsonschema, hypothesis' 2>/dev/null && { [ -z "$ODOO_PYTHON" ] || "$PY" -c 'import pytest_odoo, websocket' 2>/dev/null; } \
    || _pip_quiet "${TEST_DEPS[@]}"

# Pulls "N passed", "N failed", … out of a pytest closing line, as "passed failed skipped errors".
_counts() {
    local line=$1 word n out=""
    for word in passed failed skipped error; do
        n=$(echo "$line" | grep -oE "[0-9]+ ${word}s?" | grep -oE "^[0-9]+" || true)
        out+="${n:-0} "
    done
    echo "$out"
}

echo "== Tier 1: pure-Python tests (itscope package) =="
# Without pytest-odoo (-p no:odoo): its session fixture would load an Odoo registry for tests that need none.
set +e
"$PY" -m pytest -q -p no:cacheprovider -p no:odoo itscope 2>&1 | tee "$VAR/pytest-tier1.log"
set -e
read -r p1 f1 s1 e1 <<<"$(_counts "$(grep -E '[0-9]+ (passed|failed|error)' "$VAR/pytest-tier1.log" | tail -1)")"

finish() {  # the one closing line for both tiers, in pytest's own words
    local passed=$1 failed=$2 skipped=$3 errors=$4
    local line="$passed passed"
    [ "$failed" -gt 0 ] && line+=", $failed failed"
    [ "$skipped" -gt 0 ] && line+=", $skipped skipped"
    [ "$errors" -gt 0 ] && line+=", $errors errors"
    echo "===== $line in $(( $(date +%s) - started ))s ====="
}

if [ -z "$ODOO_PYTHON" ]; then
    cat <<'TXT'

######################################################################################################
##  TIER 2 SKIPPED: no Odoo 18.0 is importable on this machine, and none could be installed, so the ##
##  Odoo tests did NOT run. Only the pure-Python tier was tested. See README.rst "Installation".     ##
######################################################################################################
TXT
    no_odoo_help 2>&1
    finish "$p1" "$f1" "$s1" "$e1"
    [ "$f1" = 0 ] && [ "$e1" = 0 ] && [ "$p1" -gt 0 ]
    exit
fi

echo "== Tier 2: Odoo tests through pytest-odoo, in a fresh database =="
ensure_postgres
if ! command -v chromium >/dev/null; then
    echo "-- installing Debian's chromium for the browser tours"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
DB=${TEST_DB:-itscope_test_$$}
INSTALL_LOG="$VAR/odoo-install-$DB.log"
TEST_LOG="$VAR/odoo-test-$DB.log"
ADDONS=$(odoo_addons_path)
dropdb --if-exists "$DB" 2>/dev/null || true
rm -f "$INSTALL_LOG" "$TEST_LOG"
trap 'dropdb --if-exists "$DB" 2>/dev/null || true' EXIT
status=0
_odoo_problems() { grep -E "^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) " "$1" | cut -c1-400 || true; }

"$ODOO_PYTHON" -m odoo -d "$DB" --addons-path="$ADDONS" -i itscope_connector --without-demo=all \
    --stop-after-init --no-http --max-cron-threads=0 --log-level=info >"$INSTALL_LOG" 2>&1 || status=1
problems=$(_odoo_problems "$INSTALL_LOG")
if [ -n "$problems" ] || [ $status != 0 ]; then
    echo "The addon's fresh install logged warnings or errors ($INSTALL_LOG):"; echo "${problems:-exit status $status}"
    status=1
else
    echo "Fresh install: no WARNING or ERROR line."
fi

# pytest-odoo imports the addon as odoo.addons.<folder name>: run it on the addons-path link, named itscope_connector.
set +e
(cd "$VAR" && PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" "$ODOO_PYTHON" -m pytest -q -p no:cacheprovider \
    -p pytest_itscope --rootdir="$VAR/addons/itscope_connector" \
    --odoo-database="$DB" --odoo-addons-path="$ADDONS" --odoo-log-level=info --odoo-http \
    --odoo-extra=test-enable --odoo-extra="logfile=$TEST_LOG" --odoo-extra=max-cron-threads=0 --odoo-extra=http-interface=127.0.0.1 \
    "$VAR/addons/itscope_connector/tests") 2>&1 | tee "$VAR/pytest-tier2.log"
set -e
read -r p2 f2 s2 e2 <<<"$(_counts "$(grep -E '[0-9]+ (passed|failed|error)' "$VAR/pytest-tier2.log" | tail -1)")"
problems=$(_odoo_problems "$TEST_LOG")
if [ -n "$problems" ]; then
    echo "Warnings or errors in the Odoo log of the tests ($TEST_LOG):"; echo "$problems"; status=1
fi
if [ "$p2" = 0 ]; then echo "No Odoo test ran."; status=1; fi

"$ODOO_PYTHON" -m odoo shell -d "$DB" --addons-path="$ADDONS" --no-http --log-level=warn >"$VAR/uninstall-$DB.log" 2>&1 <<'PY' || true
module = env["ir.module.module"].search([("name", "=", "itscope_connector")])
module.button_immediate_uninstall()
env.cr.commit()
left = env["ir.model"].search_count([("model", "like", "itscope.")])
print("ITSCOPE-UNINSTALL", module.state, "models left:", left)
PY
uninstall=$(grep -E "^ITSCOPE-UNINSTALL" "$VAR/uninstall-$DB.log" || true)
# The price refresh's fillfactor on the vendor lines goes with the addon (uninstall_hook).
options=$(psql -d "$DB" -Atc "SELECT coalesce(reloptions::text, 'default') FROM pg_class WHERE relname = 'product_supplierinfo'")
uninstall="$uninstall, vendor line options: $options"
if echo "$uninstall" | grep -q "uninstalled models left: 0, vendor line options: default"; then
    echo "Uninstall: clean."
else
    echo "The addon did not uninstall cleanly: ${uninstall:-no result, see $VAR/uninstall-$DB.log}"; status=1
fi

failed=$(( f1 + f2 + status ))
finish $(( p1 + p2 )) "$failed" $(( s1 + s2 )) $(( e1 + e2 ))
[ "$failed" = 0 ] && [ $(( e1 + e2 )) = 0 ]
