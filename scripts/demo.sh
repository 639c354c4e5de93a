#!/usr/bin/env bash
# The main job on local clusters: see README "Demo". Pass --keep to leave the clusters running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
node packages/testenv/src/cli.ts build
exec node e2e/demo/main.ts "$@"
