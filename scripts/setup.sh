#!/usr/bin/env bash
# Installs what Lineup's tests and local run need on a Debian machine; idempotent and quick when all is there.
#   Bun 1.4.5 (npm), redis-server, prometheus and docker-compose (apt), and lineup-mongo, the Mongo-wire stand-in
#   (mongo-java-server from Maven Central, with a JDK and Maven from apt where missing).
set -euo pipefail
cd "$(dirname "$0")/.."

BUN_VERSION=1.4.5
STANDIN_VERSION=1.47.0
BIN_DIR=${LINEUP_BIN_DIR:-/usr/local/bin}
LIB_DIR=${LINEUP_LIB_DIR:-/usr/local/lib}

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

# The Mongo-wire stand-in (tests and dev run, when there is no MONGO_URL or mongod): mongo-java-server from Maven
# Central, run by scripts/mongo-standin/LineupMongo.java. Rebuilt when either source file changes.
standin_src=scripts/mongo-standin
standin_stamp=$(cat "$standin_src/pom.xml" "$standin_src/LineupMongo.java" | sha256sum | cut -c1-16)
if ! have lineup-mongo || [ "$(cat "$LIB_DIR/lineup-mongo/STAMP" 2>/dev/null)" != "$standin_stamp" ]; then
  if ! have javac || ! have mvn; then
    log "installing a JDK and Maven (apt)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless maven >/dev/null
  fi
  log "building lineup-mongo (mongo-java-server $STANDIN_VERSION)"
  build=$(mktemp -d)
  mvn -q -f "$standin_src/pom.xml" dependency:copy-dependencies -DoutputDirectory="$build/lib"
  javac -d "$build/classes" -cp "$build/lib/*" "$standin_src/LineupMongo.java"
  echo "$standin_stamp" >"$build/STAMP"
  as_root rm -rf "$LIB_DIR/lineup-mongo"
  as_root mkdir -p "$LIB_DIR"
  as_root cp -r "$build" "$LIB_DIR/lineup-mongo"
  as_root chmod -R a+rX "$LIB_DIR/lineup-mongo"
  # C1 only and a serial collector: it starts in well under a second and two cores stay for the tests.
  cat >"$build/lineup-mongo" <<WRAPPER
#!/bin/sh
exec java -Xmx\${LINEUP_MONGO_HEAP:-1g} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$LIB_DIR/lineup-mongo/classes:$LIB_DIR/lineup-mongo/lib/*" LineupMongo "\$@"
WRAPPER
  as_root install -m 0755 "$build/lineup-mongo" "$BIN_DIR/lineup-mongo"
  rm -rf "$build"
fi

log "ready: bun $(bun --version), $(redis-server --version | cut -d' ' -f3), lineup-mongo $STANDIN_VERSION, $(prometheus --version 2>&1 | head -1 | cut -d' ' -f1-3)"
