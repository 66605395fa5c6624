#!/usr/bin/env bash
# One command from a fresh Debian machine to a running cluster with a sample app:
# npm dependencies, build, Docker engine (when none answers), node image, cluster, sample manifests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Installing npm dependencies"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi

step "Building skiff"
npm run --silent build

step "Making sure a Docker engine answers"
scripts/install-docker.sh

step "Creating cluster ${SKIFF_CLUSTER:-skiff} (builds the node image on first use)"
if ./bin/run.js cluster list -o json | grep -q "\"name\": \"${SKIFF_CLUSTER:-skiff}\""; then
  echo "cluster ${SKIFF_CLUSTER:-skiff} already exists; keeping it"
else
  ./bin/run.js cluster create "${SKIFF_CLUSTER:-skiff}"
fi

step "Building the sample app's image and loading it into the nodes"
scripts/build-busybox-image.sh skiff/sample-web:1
./bin/run.js image load skiff/sample-web:1 --name "${SKIFF_CLUSTER:-skiff}"

step "Applying the sample app (templates/sample-app.yaml)"
ctx="skiff-${SKIFF_CLUSTER:-skiff}"
kubectl --context "$ctx" apply -f templates/sample-app.yaml
kubectl --context "$ctx" rollout status deploy/hello --timeout=120s
kubectl --context "$ctx" get nodes,pods -o wide

step "Asking the sample app for its page (from inside the cluster)"
pod=$(kubectl --context "$ctx" get pods -l app=hello -o jsonpath='{.items[0].metadata.name}')
kubectl --context "$ctx" exec "$pod" -- sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc 127.0.0.1 8080 | tail -1'
echo
echo "Done. Try: kubectl --context $ctx get pods -o wide; delete with: ./bin/run.js cluster delete ${SKIFF_CLUSTER:-skiff}"
