#!/usr/bin/env bash
# The main job from a fresh Debian 12 machine: install, build, meta-train HTrMRL on the
# built-in default benchmark (point-robot-sparse) and meta-test it on held-out goals.
# Extra arguments are passed to `htrmrl train` (e.g. --set train.total_env_steps=2000000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
out="runs/demo-$(date +%Y%m%d-%H%M%S)"
build/htrmrl train --out "$out" "$@"
echo "run directory: $out (metrics.csv, evaluations.jsonl, eval.json, checkpoints/)"
