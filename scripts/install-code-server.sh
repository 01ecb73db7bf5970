#!/usr/bin/env bash
# Installs a real VS Code workbench for the e2e tests and the demo: code-server 4.100.3
# (= VS Code 1.100.3, runs on Node 20) plus playwright-core, into .vscode-e2e/ (gitignored),
# on a machine that reaches only the npm registry and Debian's packages. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=${ALEMBIC_E2E_ROOT:-$PWD/.vscode-e2e}
CS_VERSION=4.100.3
mkdir -p "$ROOT/tmp" "$ROOT/cs"

# chromium drives the workbench; libkrb5-dev lets code-server's kerberos module build;
# ripgrep replaces the rg binary @vscode/ripgrep would download.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v rg >/dev/null || missing+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x "$ROOT/cs/node_modules/.bin/code-server" ]; then
  # @vscode/ripgrep's postinstall looks in this cache before downloading: seed it with Debian's rg.
  RG_CACHE="$ROOT/tmp/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$RG_CACHE" "$ROOT/tmp/rg"
  cp "$(command -v rg)" "$ROOT/tmp/rg/rg"
  tar czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$ROOT/tmp/rg" rg
  # code-server's postinstall refuses root without unsafe-perm; node-pty's runs `npx node-gyp`.
  TMPDIR="$ROOT/tmp" npm_config_unsafe_perm=true npm_config_yes=true \
    npm install --prefix "$ROOT/cs" "code-server@$CS_VERSION" --foreground-scripts --no-audit --no-fund --loglevel=error >"$ROOT/install.log" 2>&1 \
    || { tail -30 "$ROOT/install.log" >&2; echo "code-server install failed" >&2; exit 1; }
fi
echo "code-server $("$ROOT/cs/node_modules/.bin/code-server" --version | head -1)"
