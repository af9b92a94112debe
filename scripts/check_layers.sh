#!/usr/bin/env bash
# Fails when a folder includes a folder above it in the layer table of docs/architecture.md,
# the one list of the layers' order (each row: | layer | `src/<folder>/` | holds |; the
# python/ row covers python/src/). Prints every offending include as file:line: text.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# The order: the folder column of the table's rows, first row lowest.
mapfile -t layers < <(sed -n 's/^| [a-z]* | `\(src\/\)\{0,1\}\([a-z]*\)\/` |.*/\2/p' docs/architecture.md)
if [ "${#layers[@]}" -lt 2 ]; then
  echo "check_layers: no layer table found in docs/architecture.md" >&2
  exit 2
fi
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done

# Every quoted include of a layer folder, in every folder that is a layer.
status=0
for layer in "${layers[@]}"; do
  dir="src/$layer"
  [ "$layer" = python ] && dir="python/src"
  [ -d "$dir" ] || continue
  while IFS= read -r hit; do
    target=$(sed -n 's/.*#include "\([a-z_]*\)\/.*/\1/p' <<<"${hit#*:*:}")
    [ -n "${rank[$target]:-}" ] || continue
    if [ "${rank[$target]}" -gt "${rank[$layer]}" ]; then
      echo "$hit  ($layer may not include $target, a layer above it)"
      status=1
    fi
  done < <(grep -rnE '^#include "[a-z_]+/' "$dir" --include='*.cpp' --include='*.hpp' || true)
done
if [ "$status" -eq 0 ]; then
  echo "layers: ${layers[*]} (each includes only those before it)"
fi
exit "$status"
