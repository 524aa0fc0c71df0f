#!/usr/bin/env bash
# Installs what Lineup's tests and local run need on a Debian machine; idempotent and quick when all is there.
#   Bun 1.4.5 (npm), redis-server, prometheus and docker-compose (apt), FerretDB 1.24.2 (built from the Go module).
set -euo pipefail

BUN_VERSION=1.4.5
FERRETDB_VERSION=v1.24.2
BIN_DIR=${LINEUP_BIN_DIR:-/usr/local/bin}

log() { printf 'setup: %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Bun ships its binary inside the npm package.
if ! have bun || [ "$(bun --version)" != "$BUN_VERSION" ]; then
  have npm || { log "npm is needed to install Bun (apt-get install -y npm)"; exit 1; }
  log "installing bun@$BUN_VERSION"
  as_root npm install -g --silent "bun@$BUN_VERSION"
fi

apt_missing=()
have redis-server || apt_missing+=(redis-server)
have prometheus || apt_missing+=(prometheus)
have promtool || apt_missing+=(prometheus)
# Validates docker-compose.yml (`docker-compose config -q`); no engine is needed for that.
have docker-compose || apt_missing+=(docker-compose)
if [ ${#apt_missing[@]} -gt 0 ]; then
  log "installing ${apt_missing[*]} (apt)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
  # The Debian packages start system services; Lineup's tests run their own private servers.
  as_root systemctl disable --now redis-server prometheus >/dev/null 2>&1 || true
fi

# FerretDB: a plain `go install` panics at start because the module lacks build/version/version.txt,
# so build from the downloaded module with that file written.
if ! have ferretdb || ! ferretdb --version 2>/dev/null | grep -q "version: $FERRETDB_VERSION"; then
  have go || { log "Go is needed to build FerretDB (https://go.dev/doc/install)"; exit 1; }
  log "building ferretdb $FERRETDB_VERSION"
  src=$(mktemp -d)
  dir=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  cp -r "$dir/." "$src"
  chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$src/ferretdb.bin" ./cmd/ferretdb)
  as_root install -m 0755 "$src/ferretdb.bin" "$BIN_DIR/ferretdb"
  rm -rf "$src"
fi

log "ready: bun $(bun --version), $(redis-server --version | cut -d' ' -f3), ferretdb $FERRETDB_VERSION, $(prometheus --version 2>&1 | head -1 | cut -d' ' -f1-3)"
