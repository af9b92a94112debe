#!/usr/bin/env bash
# Renders docs/gallery: for every tabletop task, the scripted expert's episode on meta-train
# variation 0 (benchmark seed 1) as a strip of three 200 x 150 frames (reset, step 250, step 500,
# corner camera), and docs/gallery.md listing them. Needs the main build (scripts/build.sh).
#   bash scripts/gallery.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-build/htrmrl}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
rm -rf docs/gallery && mkdir -p docs/gallery
{
  echo "# The tabletop suite at a glance"
  echo
  echo "Every task's scripted expert on meta-train variation 0 (benchmark seed 1): the reset, step"
  echo "250 and step 500 of one 500-step episode, corner camera. Made by \`bash scripts/gallery.sh\`."
  echo "What each task asks is in [tabletop.md](tabletop.md). Under each strip: the expert's"
  echo "success flag and return in that episode."
  echo
} > docs/gallery.md
for task in $("$binary" benchmarks | awk '/^ml1-/ {sub("^ml1-", "", $1); print $1}'); do
  "$binary" render --task "$task" --out "$scratch/$task" --width 200 --height 150 --stride 250 \
    > "$scratch/$task.log"
  cp "$scratch/$task/strip.png" "docs/gallery/$task.png"
  outcome=$(grep -o 'success [01] return [0-9.]*' "$scratch/$task.log" | sed 's/ return/, return/')
  printf '## %s\n\n![%s](gallery/%s.png)\n\n%s\n\n' "$task" "$task" "$task" "$outcome" >> docs/gallery.md
done
echo "docs/gallery.md: $(ls docs/gallery | wc -l) tasks"
