#!/usr/bin/env bash
# The main job from a fresh Debian 12 machine: install, build, meta-train HTrMRL on
# point-robot-sparse (configs/point-robot-sparse.toml: 1.2M env steps, about 4 minutes on 2
# cores) and meta-test it on held-out goals. The last lines give the success rate and the
# success by episode within the trial (adaptation: later episodes above the first).
# Extra arguments are passed to `htrmrl train` (e.g. --set seed=2).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
out="runs/demo-$(date +%Y%m%d-%H%M%S)"
build/htrmrl train --config configs/point-robot-sparse.toml --out "$out" "$@"
echo "run directory: $out (metrics.csv, evaluations.jsonl, eval.json, checkpoints/)"
