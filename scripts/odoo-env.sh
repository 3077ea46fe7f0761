# Sourced by the other scripts: finds Python, Odoo and PostgreSQL the same way for the demo, the tests and CI.
#
# Odoo is taken from, in this order: $ODOO_PYTHON (a python that imports odoo); $ODOO_SRC (an Odoo 18.0 source tree,
# with $ODOO_VENV or <src>/../venv as its virtualenv); /opt/odoo18 (src + venv); a python3 on PATH that imports odoo;
# the Odoo this project installed itself ($ODOO_HOME). ODOO_PYTHON is left empty when none is found; ensure_odoo then
# installs one into $ODOO_HOME (see install_odoo).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Working files (the addons-path link, logs, a virtualenv) live outside the repo: a link back into the addon from
# inside it would make Odoo's file scans (translation export) walk the addon forever.
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/itscope-connector"
VAR="${ITSCOPE_VAR:-$CACHE/$(printf %s "$ROOT" | md5sum | cut -c1-12)}"
# The Odoo the project installs itself: shared by every clone on the machine (CI's clone included), so it is built once.
ODOO_HOME="${ODOO_HOME:-$CACHE/odoo-18.0}"
# Where the Odoo archive comes from when none is installed: $ODOO_ARCHIVE, else the one in ../shared/odoo (checked
# against its SHA256SUMS), else Odoo's official 18.0 source archive.
SHARED_ODOO="$ROOT/../shared/odoo"
ODOO_NIGHTLY_URL="https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"

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
    if [ -f "$ODOO_HOME/.installed" ] && _imports_odoo "$ODOO_HOME/venv/bin/python"; then
        ODOO_PYTHON=$ODOO_HOME/venv/bin/python
        return 0
    fi
    ODOO_PYTHON=""
    return 1
}

# Finds an Odoo, or installs one into $ODOO_HOME when an archive can be had; fails quietly when neither (callers
# print no_odoo_help, or their own banner).
ensure_odoo() {
    find_odoo && return 0
    _odoo_archive >/dev/null || return 1
    install_odoo && find_odoo
}

# Prints the archive to install from (downloading the official one only when no local archive exists).
_odoo_archive() {
    if [ -n "${ODOO_ARCHIVE:-}" ]; then
        [ -f "$ODOO_ARCHIVE" ] && { echo "$ODOO_ARCHIVE"; return 0; }
        echo "ODOO_ARCHIVE=$ODOO_ARCHIVE does not exist." >&2; return 1
    fi
    local shared
    shared=$(ls "$SHARED_ODOO"/odoo-18.0-*.tar.gz 2>/dev/null | head -1)
    if [ -n "$shared" ]; then echo "$shared"; return 0; fi
    local downloaded="$CACHE/odoo_18.0.latest.tar.gz"
    if [ -f "$downloaded" ]; then echo "$downloaded"; return 0; fi
    if command -v curl >/dev/null && curl -sfI --max-time 10 "$ODOO_NIGHTLY_URL" >/dev/null 2>&1; then
        mkdir -p "$CACHE"
        echo "-- downloading $ODOO_NIGHTLY_URL" >&2
        curl -sfL --max-time 1800 -o "$downloaded.part" "$ODOO_NIGHTLY_URL" && mv "$downloaded.part" "$downloaded" || return 1
        echo "$downloaded"; return 0
    fi
    return 1
}

# Installs Odoo 18.0 from source into $ODOO_HOME (src + venv) as ../shared/odoo/README.md describes: Debian's build
# packages where missing, a virtualenv with Odoo's requirements (cbor2 built without isolation), Odoo itself editable.
install_odoo() {
    local archive started
    started=$(date +%s)
    archive=$(_odoo_archive) || { no_odoo_help; return 1; }
    echo "== Installing Odoo 18.0 into $ODOO_HOME from $archive (once; later runs reuse it) =="
    if [ -f "$SHARED_ODOO/SHA256SUMS" ] && [ "$(dirname "$archive")" = "$SHARED_ODOO" ]; then
        echo "-- checking the archive against $SHARED_ODOO/SHA256SUMS"
        (cd "$SHARED_ODOO" && sha256sum --quiet -c SHA256SUMS) || {
            echo "The Odoo archive does not match its SHA256SUMS; not installing it." >&2; return 1; }
    fi
    local missing=() pkg
    for pkg in libldap2-dev libsasl2-dev libpq-dev libxml2-dev libxslt1-dev libjpeg-dev zlib1g-dev build-essential; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "-- Debian build packages: ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    # Built in place (a virtualenv cannot move); the marker says the build finished, so a broken one is redone.
    rm -rf "$ODOO_HOME" && mkdir -p "$ODOO_HOME/src"
    echo "-- unpacking"
    tar -xzf "$archive" -C "$ODOO_HOME/src" --strip-components=1
    echo "-- virtualenv and Odoo's requirements (a few minutes)"
    python3 -m venv "$ODOO_HOME/venv"
    _pip() {  # pip's output goes to a log, shown only when a step fails
        "$ODOO_HOME/venv/bin/python" -m pip install -q "$@" >>"$ODOO_HOME/pip.log" 2>&1 || {
            echo "pip install $* failed; the end of $ODOO_HOME/pip.log:" >&2; tail -25 "$ODOO_HOME/pip.log" >&2; return 1; }
    }
    _pip 'setuptools<81' wheel setuptools_scm || return 1
    _pip --no-build-isolation cbor2==5.4.2 || return 1
    _pip -r "$ODOO_HOME/src/requirements.txt" || return 1
    _pip --no-build-isolation --no-deps -e "$ODOO_HOME/src" || return 1
    touch "$ODOO_HOME/.installed"
    echo "== Odoo 18.0 installed in $ODOO_HOME in $(( $(date +%s) - started )) s =="
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
No Odoo 18.0 found, and none could be installed: there is no archive at $ODOO_ARCHIVE nor in ../shared/odoo/, and
Odoo's official source archive cannot be downloaded from here. Put an Odoo 18.0 source archive (.tar.gz) beside the
repository as ../shared/odoo/odoo-18.0-*.tar.gz or point ODOO_ARCHIVE at one and run again; or install Odoo 18.0
yourself and point ODOO_SRC (and ODOO_VENV) or ODOO_PYTHON at it.
TXT
}
