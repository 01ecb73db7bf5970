#!/usr/bin/env bash
# What the test suites need beyond `npm ci`, installed when missing, so `npm test` alone passes on
# a fresh Debian machine: Debian's alembic and psycopg2 (the real alembic the integration and e2e
# suites run), a PostgreSQL server, Chromium and ripgrep/libkrb5 (for code-server), then
# code-server itself (scripts/install-code-server.sh). With apt and root it installs them,
# saying so in one line; otherwise it names the packages to install and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/alembic ] || need+=(alembic)
/usr/bin/python3 -c 'import psycopg2' 2>/dev/null || need+=(python3-psycopg2)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null || need+=(chromium)
command -v rg >/dev/null || need+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)

if [ "${#need[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "[prerequisites] apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  elif command -v apt-get >/dev/null && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    echo "[prerequisites] sudo apt-get install ${need[*]}"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "[prerequisites] missing: ${need[*]} — install them (Debian/Ubuntu: sudo apt-get install ${need[*]}) and run npm test again" >&2
    exit 1
  fi
fi

if [ ! -x "${ALEMBIC_E2E_ROOT:-$PWD/.vscode-e2e}/cs/node_modules/.bin/code-server" ]; then
  echo "[prerequisites] code-server 4.100.3 into .vscode-e2e/ (about 45 s, once)"
  scripts/install-code-server.sh >/dev/null
fi
