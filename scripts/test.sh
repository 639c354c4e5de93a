#!/usr/bin/env bash
# The whole test suite: lint, typecheck, build the real control planes (cached), then every test file
# (unit tests and tests against real kube-apiservers) with one shared test bed for the run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

started=$SECONDS
echo "== lint (biome)"
pnpm exec biome ci --colors=off .
echo "== typecheck (tsc)"
pnpm exec tsc -p tsconfig.json
echo "== control-plane binaries"
# as root, also the node (kubelet, kube-scheduler, containerd, sandbox image): the pods suite runs on it
node packages/testenv/src/cli.ts build $([ "$(id -u)" = 0 ] && echo --node)
# the product as pods on real nodes (e2e/pods.test.ts) needs root; on by default where it can run
if [ "$(id -u)" = 0 ]; then export SVELTOS_TS_POD_TESTS="${SVELTOS_TS_POD_TESTS:-1}"; fi
echo "== tests"
if [ $# -gt 0 ]; then files=("$@"); else files=('packages/*/src/**/*.test.ts' 'scripts/**/*.test.ts' 'e2e/**/*.test.ts'); fi
# files run one at a time beside the API servers: two cores are the machine's whole budget
node --test \
  --test-global-setup=e2e/global-setup.ts \
  --test-concurrency=1 \
  --test-timeout=600000 \
  "${files[@]}"
echo "== total $((SECONDS - started)) s"
