#!/usr/bin/env bash
# MAML's whole-loop speed and memory, side by side with HTrMRL on the same benchmark:
# each run trains for the same env steps alone (one after another), and the JSON gives per
# run the median env steps/s of its metrics.csv, its median seconds per iteration and the
# process's peak resident memory (GNU time).
#   scripts/bench_maml.sh [BUILD_DIR] [OUT_JSON] [point-robot|ml1]
# point-robot: 160k env steps of point-robot (20 tasks x 20 episodes of 20 steps per MAML
# iteration); ml1: 250k env steps of ML1 reach (10 tasks x 20 episodes of 500 steps per MAML
# iteration, Meta-World's published MAML batch), where the inner step's graph is 25x larger
# per task.
set -euo pipefail
build=${1:-build}
out_json=${2:-bench_maml.json}
scale=${3:-point-robot}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case "$scale" in
  point-robot)
    steps=160000
    maml=configs/maml-point-robot.toml
    htrmrl=configs/point-robot.toml ;;
  ml1)
    steps=250000
    maml=configs/maml-ml1-reach.toml
    htrmrl=configs/ml1-reach.toml ;;
  *) echo "bench_maml.sh: unknown scale '$scale' (point-robot or ml1)" >&2; exit 2 ;;
esac
runs=(
  "maml-trpo|$maml|--set maml.outer=trpo"
  "maml-trpo-first-order|$maml|--set maml.outer=trpo --set maml.second_order=false"
  "maml-ppo|$maml|--set maml.outer=ppo"
  "htrmrl|$htrmrl|"
)
entries=()
for spec in "${runs[@]}"; do
  IFS='|' read -r name config extra <<< "$spec"
  # shellcheck disable=SC2086  # extra holds several --set arguments
  /usr/bin/time -f "%M" -o "$work/$name.rss" "$build/htrmrl" train --config "$config" $extra \
      --set train.total_env_steps=$steps --set eval.every=0 --set train.eval_at_end=false \
      --out "$work/$name" > /dev/null 2> "$work/$name.log" || { cat "$work/$name.log" >&2; exit 1; }
  entries+=("$(python3 - "$work/$name/metrics.csv" "$work/$name.rss" "$name" <<'EOF'
import csv, json, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
steps_per_iter = int(rows[0]["env_steps"])
print(json.dumps({
    "run": sys.argv[3],
    "env_steps_per_iteration": steps_per_iter,
    "iterations": len(rows),
    "median_env_steps_per_s": statistics.median(float(r["env_steps_per_s"]) for r in rows),
    "median_update_seconds": statistics.median(float(r["update_seconds"]) for r in rows),
    "peak_rss_mb": int(open(sys.argv[2]).read().split()[-1]) / 1024,
}))
EOF
)")
done
(IFS=,; echo "[${entries[*]}]") | python3 -m json.tool > "$out_json"
cat "$out_json"
