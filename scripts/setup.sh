#!/usr/bin/env bash
# Installs what Lineup's tests and local run need on a Debian machine; idempotent and quick when all is there.
#   Bun 1.4.5 (npm), redis-server, prometheus, docker-compose, jq and chromium (apt), and lineup-mongo, the Mongo-wire
#   stand-in (mongo-java-server from Maven Central, with a JDK and Maven from apt where missing), and helm (Go module
#   proxy).
set -euo pipefail
cd "$(dirname "$0")/.."

BUN_VERSION=1.4.5
STANDIN_VERSION=1.47.0
HELM_VERSION=v3.22.0
# The Kubernetes version helm v3.22.0's release builds assume offline (its client-go is v0.37), for `helm template`.
HELM_KUBE_MINOR=37
JAEGER_VERSION=v1.75.0
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
# The README's first job reads the API's JSON answers with jq.
have jq || apt_missing+=(jq)
# Validates docker-compose.yml (`docker-compose config -q`); no engine is needed for that.
have docker-compose || apt_missing+=(docker-compose)
# Headless Chromium renders /docs in apps/api/test/docs-browser.test.ts (through playwright-core, with no network).
have chromium || apt_missing+=(chromium fonts-liberation)
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

# helm lints and renders the Kubernetes chart (deploy/helm/lineup, tested by deploy/chart.test.ts). Built from the Go
# module proxy (about 3 minutes cold), with the version stamps helm's own Makefile sets: a plain `go install` reports
# "v3.22" and assumes Kubernetes 1.20 offline.
if ! have helm || [ "$(helm version --template '{{.Version}}' 2>/dev/null)" != "$HELM_VERSION" ]; then
  have go || { log "go is needed to build helm (https://go.dev/doc/install)"; exit 1; }
  log "building helm $HELM_VERSION (go install; a few minutes the first time)"
  gobin=$(mktemp -d)
  GOBIN=$gobin go install -ldflags "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$HELM_KUBE_MINOR \
    -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$HELM_KUBE_MINOR" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  as_root install -m 0755 "$gobin/helm" "$BIN_DIR/helm"
  rm -rf "$gobin"
fi

# Jaeger (Apache-2.0) receives the traces in the tracing tests (apps/worker/test/tracing.test.ts): its binary from the
# Go module proxy, built as a tool of a throwaway module (its own go.mod has replace directives, so a plain
# `go install pkg@version` refuses it). Several minutes cold.
if ! have jaeger || ! jaeger version 2>/dev/null | grep -q "$JAEGER_VERSION"; then
  have go || { log "go is needed to build jaeger (https://go.dev/doc/install)"; exit 1; }
  log "building jaeger $JAEGER_VERSION (go get -tool; several minutes the first time)"
  module=$(mktemp -d)
  (
    cd "$module"
    go mod init lineup-jaeger >/dev/null 2>&1
    go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_VERSION"
    GOBIN=$module/bin go install -ldflags "-X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_VERSION" tool
  )
  as_root install -m 0755 "$module/bin/jaeger" "$BIN_DIR/jaeger"
  rm -rf "$module"
fi

log "ready: bun $(bun --version), $(redis-server --version | cut -d' ' -f3), lineup-mongo $STANDIN_VERSION, $(prometheus --version 2>&1 | head -1 | cut -d' ' -f1-3), helm $(helm version --template '{{.Version}}'), jaeger $JAEGER_VERSION"
