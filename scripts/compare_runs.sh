#!/usr/bin/env bash
# Trains the same short runs with two htrmrl binaries and compares what they wrote, byte for
# byte: metrics.csv without its wall-clock columns, evaluations.jsonl, and eval.json of a
# shipped model meta-tested again. A change that must leave every number as it was (a
# refactoring) passes when every case says "identical".
#   bash scripts/compare_runs.sh REF_BINARY NEW_BINARY [WORK_DIR]
set -uo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 REF_BINARY NEW_BINARY [WORK_DIR]" >&2
  exit 2
fi
ref=$(realpath "$1")
new=$(realpath "$2")
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work=${3:-$(mktemp -d /tmp/compare_runs.XXXXXX)}
mkdir -p "$work"
cd "$root"
# Point-robot iterations are 32 x 4 x 20 = 2,560 env steps; eval.every = 1 meta-tests each.
short=(--set eval.every=1 --set eval.trials=2 --set threads=1)
failures=0
results=()

# metrics.csv with the timing columns (wall_seconds, env_steps_per_s, *_seconds) cut out.
stable_metrics() {
  python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
timing = {"wall_seconds", "env_steps_per_s", "rollout_seconds", "update_seconds"}
keep = [i for i, name in enumerate(rows[0]) if name not in timing]
for row in rows:
    print(",".join(row[i] for i in keep))
PY
}

# Compares the files two runs wrote; records the case as identical or different.
compare() {
  local name=$1 a=$2 b=$3 verdict=identical
  for f in metrics.csv evaluations.jsonl eval.json; do
    [ -e "$a/$f" ] || [ -e "$b/$f" ] || continue
    if [ "$f" = metrics.csv ]; then
      cmp -s <(stable_metrics "$a/$f") <(stable_metrics "$b/$f") || verdict="different ($f)"
    else
      cmp -s "$a/$f" "$b/$f" || verdict="different ($f)"
    fi
  done
  [ -s "$a/metrics.csv" ] || [ -s "$a/eval.json" ] || verdict="no output"
  [ "$verdict" = identical ] || failures=$((failures + 1))
  results+=("$(printf '%-28s %s' "$name" "$verdict")")
  echo "== $name: $verdict"
}

# The binary a side runs: the reference's, or the new one (which also resumes "cross").
bin_of() {
  if [ "$1" = ref ]; then echo "$ref"; else echo "$new"; fi
}

# One training run per binary with the same arguments.
start_both() {
  local name=$1
  shift
  for side in ref new; do
    "$(bin_of $side)" train --out "$work/$name.$side" "$@" > "$work/$name.$side.log" 2>&1 ||
      echo "!! $name ($side) failed: see $work/$name.$side.log"
  done
}

train_both() {
  start_both "$@"
  compare "$1" "$work/$1.ref" "$work/$1.new"
}

# A run stopped after 2 iterations and resumed to 4 (lr not annealed, so the first run is
# the start of the second; rewards scaled, so the checkpoint carries their statistics).
# The new binary also resumes the reference's checkpoint: old runs continue bit-exactly.
resume_both() {
  local name=$1
  start_both "$@"
  cp -r "$work/$name.ref" "$work/$name.cross"
  for side in ref new cross; do
    sed -i 's/^total_env_steps = .*/total_env_steps = 10240/' "$work/$name.$side/config.toml"
    rm -f "$work/$name.$side/status.json"
    "$(bin_of $side)" train --resume "$work/$name.$side" >> "$work/$name.$side.log" 2>&1 ||
      echo "!! $name resume ($side) failed"
  done
  compare "$name" "$work/$name.ref" "$work/$name.new"
  compare "$name (old checkpoint)" "$work/$name.ref" "$work/$name.cross"
}

# Two ranks of one data-parallel run per binary.
ranks_both() {
  local name=$1 port=$2
  shift 2
  for side in ref new; do
    for r in 0 1; do
      WORLD_SIZE=2 RANK=$r MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
        "$(bin_of $side)" train --out "$work/$name.$side" "$@" > "$work/$name.$side.$r.log" 2>&1 &
    done
    wait
    port=$((port + 1))
  done
  compare "$name" "$work/$name.ref" "$work/$name.new"
}

# A shipped model (an old checkpoint) meta-tested by both binaries, in copies.
eval_both() {
  local name=$1 model=$2
  shift 2
  for side in ref new; do
    cp -r "$model" "$work/$name.$side"
    rm -f "$work/$name.$side/eval.json" "$work/$name.$side/metrics.csv" \
      "$work/$name.$side/evaluations.jsonl"
    "$(bin_of $side)" eval --run "$work/$name.$side" "$@" > "$work/$name.$side.log" 2>&1 ||
      echo "!! $name ($side) failed"
  done
  compare "$name" "$work/$name.ref" "$work/$name.new"
}

prs=configs/point-robot-sparse.toml
train_both htrmrl --config $prs --set train.total_env_steps=7680 "${short[@]}"
train_both trmrl --config configs/trmrl-point-robot-sparse.toml \
  --set train.total_env_steps=7680 "${short[@]}"
train_both flat --config $prs --set agent.kind=flat --set train.total_env_steps=7680 "${short[@]}"
train_both rl2 --config configs/rl2-point-robot-sparse.toml \
  --set train.total_env_steps=7680 "${short[@]}"
resume_both resume --config $prs --set train.total_env_steps=5120 --set train.checkpoint_every=2 \
  --set ppo.anneal_lr=false --set ppo.scale_rewards=global "${short[@]}"
ranks_both ranks 29611 --config $prs --set train.total_env_steps=5120 "${short[@]}"
train_both ml1-reach --config configs/ml1-reach.toml --set train.total_env_steps=1 \
  --set env.episodes_per_trial=2 --set ppo.trials_per_iter=2 --set ppo.epochs=1 \
  --set ppo.minibatches=2 --set eval.adaptation_episodes=1 --set eval.evaluation_episodes=1 \
  --set eval.train_split=false --set threads=1
eval_both eval-model models/point-robot-sparse --trials 2

echo
echo "compare_runs: $ref against $new (files in $work)"
printf '%s\n' "${results[@]}"
if [ "$failures" -eq 0 ]; then
  echo "all identical"
else
  echo "$failures different"
  exit 1
fi
