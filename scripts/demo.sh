#!/usr/bin/env bash
# README command 1: an Odoo 18 database with the addon, its main company pointed at a local ITscope sandbox, every
# sync run once, then Odoo served on http://127.0.0.1:8069 (admin/admin). NO_SERVE=1 stops after the set-up, leaving
# the database in place and the sandbox stopped, so scripts can inspect it.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
cd "$ROOT"
ensure_odoo || { no_odoo_help; exit 1; }
ensure_postgres
DB=${DB:-itscope_demo}
HTTP_PORT=${HTTP_PORT:-8069}
SANDBOX_PORT=${SANDBOX_PORT:-8899}
SANDBOX_PRODUCTS=${SANDBOX_PRODUCTS:-5000}
ADDONS=$(odoo_addons_path)
mkdir -p "$VAR"

echo "Starting the ITscope sandbox on 127.0.0.1:$SANDBOX_PORT ($SANDBOX_PRODUCTS products)"
"$ODOO_PYTHON" -m itscope sandbox --port "$SANDBOX_PORT" --products "$SANDBOX_PRODUCTS" \
    --account-id demo --api-key demo-key >"$VAR/sandbox.log" 2>&1 &
SANDBOX_PID=$!
trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    "$ODOO_PYTHON" - "$SANDBOX_PORT" >/dev/null 2>&1 <<'PY' && break
import sys, urllib.request
urllib.request.urlopen("http://127.0.0.1:%s/_sandbox/clock" % sys.argv[1], timeout=1)
PY
    kill -0 "$SANDBOX_PID" 2>/dev/null || { cat "$VAR/sandbox.log"; exit 1; }
    sleep 0.2
done

if psql -lqt | cut -d'|' -f1 | grep -qw "$DB"; then
    echo "Updating the addon in database $DB"
    step=(-u itscope_connector)
else
    echo "Creating database $DB with the addon (about a minute)"
    step=(-i itscope_connector --without-demo=all)
fi
"$ODOO_PYTHON" -m odoo -d "$DB" --addons-path="$ADDONS" "${step[@]}" --stop-after-init --no-http --log-level=warn

echo "Pointing the main company at the sandbox and running every sync"
SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT/2.1" "$ODOO_PYTHON" -m odoo shell -d "$DB" --addons-path="$ADDONS" \
    --no-http --log-level=warn <"$ROOT/scripts/demo_setup.py"

if [ -n "${NO_SERVE:-}" ]; then
    echo "Set-up done; database $DB left in place (NO_SERVE)."
    exit 0
fi
echo "Serving Odoo on http://127.0.0.1:$HTTP_PORT (login admin / password admin); Ctrl-C stops Odoo and the sandbox."
"$ODOO_PYTHON" -m odoo -d "$DB" --addons-path="$ADDONS" --db-filter="^$DB\$" \
    --http-interface=127.0.0.1 --http-port="$HTTP_PORT"
