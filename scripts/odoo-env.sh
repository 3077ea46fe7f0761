# Sourced by the other scripts: finds Python, Odoo and PostgreSQL the same way for the demo, the tests and CI.
#
# Odoo is taken from, in this order: $ODOO_PYTHON (a python that imports odoo); $ODOO_SRC (an Odoo 18.0 source tree,
# with $ODOO_VENV or <src>/../venv as its virtualenv); a python3 on PATH that imports odoo; /opt/odoo18 (src + venv),
# where this project's machines keep it. ODOO_PYTHON is left empty when none is found.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Working files (the addons-path link, logs, a virtualenv) live outside the repo: a link back into the addon from
# inside it would make Odoo's file scans (translation export) walk the addon forever.
VAR="${ITSCOPE_VAR:-${XDG_CACHE_HOME:-$HOME/.cache}/itscope-connector/$(printf %s "$ROOT" | md5sum | cut -c1-12)}"

_imports_odoo() { "$1" -c 'import odoo, odoo.release; assert odoo.release.version_info[0] == 18' >/dev/null 2>&1; }

find_odoo() {
    local candidate src
    if [ -n "${ODOO_PYTHON:-}" ] && _imports_odoo "$ODOO_PYTHON"; then return 0; fi
    for src in "${ODOO_SRC:-}" /opt/odoo18/src; do
        [ -n "$src" ] && [ -f "$src/odoo/__init__.py" ] || continue
        for candidate in "${ODOO_VENV:+$ODOO_VENV/bin/python}" "$src/../venv/bin/python" python3; do
            [ -n "$candidate" ] || continue
            if PYTHONPATH="$src${PYTHONPATH:+:$PYTHONPATH}" _imports_odoo "$candidate"; then
                export PYTHONPATH="$src${PYTHONPATH:+:$PYTHONPATH}"
                ODOO_PYTHON=$candidate
                return 0
            fi
        done
    done
    if _imports_odoo python3; then ODOO_PYTHON=python3; return 0; fi
    ODOO_PYTHON=""
    return 1
}

# The addons path holds this repo as "itscope_connector", whatever the clone's directory is called.
odoo_addons_path() {
    mkdir -p "$VAR/addons"
    ln -sfn "$ROOT" "$VAR/addons/itscope_connector"
    local core
    core=$("$ODOO_PYTHON" -c 'import odoo, os; print(os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons"))')
    echo "$VAR/addons,$core"
}

ensure_postgres() {
    if pg_isready -q 2>/dev/null; then return 0; fi
    local version
    version=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
    if [ -n "$version" ] && command -v pg_ctlcluster >/dev/null; then
        pg_ctlcluster --skip-systemctl-redirect "$version" main start
        for _ in $(seq 30); do pg_isready -q && return 0; sleep 1; done
    fi
    echo "PostgreSQL is not running and could not be started here; start it and run again." >&2
    return 1
}

no_odoo_help() {
    cat >&2 <<'TXT'
No Odoo 18.0 found. Install Odoo 18.0 Community from source as its documentation says (a virtualenv, its
requirements.txt installed into it, then the source itself with pip install -e), then either put it at /opt/odoo18
(source in /opt/odoo18/src, virtualenv in /opt/odoo18/venv) or point ODOO_SRC (and ODOO_VENV) or ODOO_PYTHON at it.
TXT
}
