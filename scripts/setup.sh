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

step "Asking the sample app for its page through its Service, from a pod and from the host"
pod=$(kubectl --context "$ctx" get pods -l app=hello -o jsonpath='{.items[0].metadata.name}')
kubectl --context "$ctx" exec "$pod" -- wget -qO- http://hello.default.svc.cluster.local:8080/
port=""
for _ in $(seq 100); do
  port=$(kubectl --context "$ctx" get svc hello -o jsonpath='{.status.loadBalancer.ingress[0].ports[0].port}')
  # Node.js's fetch rather than curl, which a fresh Debian may not have.
  [ -n "$port" ] && node -e 'fetch(process.argv[1]).then(async (r) => { if (!r.ok) process.exit(1); process.stdout.write(await r.text()) }, () => process.exit(1))' "http://127.0.0.1:${port}/" && break
  sleep 0.2
done
[ -n "$port" ] || { echo "the LoadBalancer service got no address" >&2; exit 1; }
echo
echo "Done. The sample app answers on http://127.0.0.1:${port}/ (kubectl --context $ctx get svc hello)."
echo "Delete the cluster with: ./bin/run.js cluster delete ${SKIFF_CLUSTER:-skiff}"
