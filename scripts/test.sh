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
node packages/testenv/src/cli.ts build
echo "== tests"
if [ $# -gt 0 ]; then files=("$@"); else files=('packages/*/src/**/*.test.ts' 'e2e/**/*.test.ts'); fi
# files run one at a time beside the API servers: two cores are the machine's whole budget
node --test \
  --test-global-setup=e2e/global-setup.ts \
  --test-concurrency=1 \
  --test-timeout=600000 \
  "${files[@]}"
echo "== total $((SECONDS - started)) s"
