#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: install, build, run every test; then
# the checked runs (scripts/sanitize.sh ci: sanitizers on the environments and threads, a
# short fuzzing of every file reader).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j 2)
scripts/sanitize.sh ci
