# Shared by setup/test and setup/demo: where things are, and a throwaway PostgreSQL cluster.
# Sourced, not executed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${INVOICECLOUD_STATE:-$ROOT/.state}
mkdir -p "$STATE"

die() { echo "error: $*" >&2; exit 1; }

# Odoo 19 is a prerequisite, like for any Odoo addon: we locate it, we never install it.
require_odoo() {
    python3 -c 'import odoo.release as r; assert r.version_info[0] == 19' 2>/dev/null \
        || die "Odoo 19 must be importable by python3 (see README.rst, Requirements)."
}

# Odoo's stock addons: beside the odoo package in a source checkout, inside it in a wheel.
odoo_addons_path() {
    if [ -n "${ODOO_ADDONS_PATH:-}" ]; then echo "$ODOO_ADDONS_PATH,$ROOT"; return; fi
    python3 - "$ROOT" <<'PY'
import os, sys
import odoo
paths = [os.path.join(os.path.dirname(p), 'addons') for p in odoo.__path__]
paths += [os.path.join(p, 'addons') for p in odoo.__path__]
found = [p for p in paths if os.path.isdir(os.path.join(p, 'account'))]
print(','.join(dict.fromkeys(found + [sys.argv[1]])))
PY
}

# Debian packages the scripts call (chromium, wkhtmltopdf, postgresql): installed when missing,
# as root; otherwise the user is told what to install. A second run checks and installs nothing.
apt_install_missing() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} = 0 ] && return 0
    [ "$(id -u)" = 0 ] || die "missing Debian packages, install them: apt-get install ${missing[*]}"
    echo "Installing ${missing[*]} (Debian)..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
}

# PyPI packages the scripts and tests call, pinned in tests/requirements.txt (the addon's own
# dependencies included): pip runs only when one is missing or at another version.
python_requirements() {
    local req=$ROOT/tests/requirements.txt
    python3 - "$req" <<'PY' && return 0
import sys
from importlib.metadata import PackageNotFoundError, version
for line in open(sys.argv[1]):
    line = line.split('#')[0].strip()
    if line:
        name, pinned = line.split('==')
        try:
            assert version(name) == pinned
        except (PackageNotFoundError, AssertionError):
            sys.exit(1)
PY
    echo "Installing the pinned Python packages of tests/requirements.txt..." >&2
    python3 -m pip install -q --disable-pip-version-check -r "$req" || die "pip install -r $req failed"
}

# npm packages the browser tests inject into the pages (axe-core), pinned in
# tests/browser/package-lock.json: npm ci runs only when the installed tree differs from the lock.
npm_requirements() {
    local dir=$ROOT/tests/browser
    command -v npm >/dev/null || apt_install_missing nodejs npm
    if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.package-lock.copy" 2>/dev/null; then
        echo "Installing the pinned npm packages of tests/browser/package-lock.json..." >&2
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci in $dir failed"
        cp "$dir/package-lock.json" "$dir/node_modules/.package-lock.copy"
    fi
}

# --- PostgreSQL -------------------------------------------------------------------------
PG_PORT=${INVOICECLOUD_PG_PORT:-54329}
PG_USER=odoo

pg_bin() {
    apt_install_missing postgresql
    ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to the 'postgres' system user
# and lives where that user can reach it.
pg_dir() {
    local dir=$STATE/pg
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$dir" && chown postgres: "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            dir=/var/tmp/invoicecloud-pg-$(echo "$ROOT" | cksum | cut -d' ' -f1)
            mkdir -p "$dir" && chown postgres: "$dir"
        fi
    fi
    mkdir -p "$dir" && echo "$dir"
}

# From /, so that the postgres user is not left in a directory it cannot enter.
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

pg_start() {
    local bin dir
    bin=$(pg_bin)
    dir=$(pg_dir)
    PG_DATA=$dir/data
    PG_SOCKET=$dir/run
    as_pg mkdir -p "$PG_SOCKET"
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        as_pg "$bin/initdb" -D "$PG_DATA" -U "$PG_USER" -A trust -E UTF8 --no-sync >/dev/null
    fi
    PG_STARTED_HERE=0
    if ! as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
        PG_STARTED_HERE=1
        as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$dir/postgresql.log" -w -o \
            "-p $PG_PORT -k $PG_SOCKET -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start >/dev/null
    fi
    export PGHOST=$PG_SOCKET PGPORT=$PG_PORT PGUSER=$PG_USER PATH=$bin:$PATH
    PG_BIN=$bin
}

# Stops the cluster only if this script started it (a demo may be using it).
pg_stop() {
    [ "${PG_STARTED_HERE:-0}" = 1 ] || return 0
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true
}

drop_db() { "$PG_BIN/dropdb" --if-exists --force "$1" >/dev/null 2>&1 || true; rm -rf "$STATE/filestore/filestore/$1"; }

# An Odoo configuration for this state folder; extra "key = value" lines as arguments.
odoo_conf() {
    local conf=$STATE/$1.conf; shift
    {
        echo "[options]"
        echo "addons_path = $(odoo_addons_path)"
        echo "data_dir = $STATE/filestore"
        echo "db_host = $PG_SOCKET"
        echo "db_port = $PG_PORT"
        echo "db_user = $PG_USER"
        echo "list_db = False"
        for line in "$@"; do echo "$line"; done
    } > "$conf"
    echo "$conf"
}
