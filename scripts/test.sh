#!/usr/bin/env bash
# The whole test suite, from a fresh clone: dependencies, Docker engine, etcd, build, lint, then
# unit, integration and end-to-end tests (real Docker, real etcd, real kubectl) in one mocha run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi

# Unit tests of the store and apiserver run against a real etcd process.
if ! command -v etcd >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
fi
# The client conformance e2e test (test/e2e/clients.test.ts) drives the official Python client.
if ! /usr/bin/python3 -c 'import kubernetes' >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-kubernetes >/dev/null
fi
# The fault suite may restart the Docker engine only when this run started it (a CI machine, not someone's desktop).
if ! docker info >/dev/null 2>&1; then export SKIFF_E2E_ENGINE_RESTART=1; fi
scripts/install-docker.sh

npm run --silent build
npm run --silent typecheck
npm run --silent lint

log=$(mktemp)
status=0
npx mocha --timeout 600000 'test/unit/**/*.test.ts' 'test/integration/**/*.test.ts' 'test/e2e/**/*.test.ts' 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo '^ +[0-9]+ passing' "$log" | grep -Eo '[0-9]+' || echo 0)
failed=$(grep -Eo '^ +[0-9]+ failing' "$log" | grep -Eo '[0-9]+' || echo 0)
rm -f "$log"
echo "tests: ${passed} passed, ${failed} failed"
exit "$status"
