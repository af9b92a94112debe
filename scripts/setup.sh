#!/usr/bin/env bash
# Installs htrmrl's build and test dependencies from Debian 12's archive. Idempotent: packages
# already present are left alone, and nothing is fetched when all of them are.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libopenblas0-pthread          # LibTorch 1.13 on OpenBLAS (not reference BLAS)
  libgloo-dev                                # gloo's headers: c10d's Gloo group (data-parallel)
  libmujoco-dev libqhull-dev                 # MuJoCo 2.2.2; its CMake config needs qhull
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev
  libegl-dev libpng-dev                      # htrmrl render: offscreen OpenGL, PNG frames
  libegl-mesa0 libgl1-mesa-dri               # Mesa's EGL and llvmpipe: rendering with no GPU
  python3-matplotlib python3-sklearn         # htrmrl report: drawing and t-SNE
  python3-torch                              # the PyTorch peer benchmark (bench/peer_pytorch.py)
  pybind11-dev python3-dev python3-numpy     # the Python module (python/, docs/python.md)
  python3-pytest                             # its tests
  clang libclang-rt-14-dev                   # sanitizer runtimes and libFuzzer (scripts/sanitize.sh)
)
# ffmpeg is optional: htrmrl render makes an MP4 when it is on PATH.

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all dependencies present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
