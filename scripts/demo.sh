#!/usr/bin/env bash
# The main job on local clusters: see README "Demo". Pass --keep to leave the clusters running, --as-pods to
# run every component as a pod on real nodes, installed with the project's charts (needs root).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
build=(node packages/testenv/src/cli.ts build)
for arg in "$@"; do [ "$arg" = --as-pods ] && build+=(--node); done
"${build[@]}"
exec node e2e/demo/main.ts "$@"
