#!/usr/bin/env bash
# Benchmark (issue 18): reading all embeddings of 1,000 Animal-Kingdom-shaped clips through the
# vimo_cache package vs a hand-written h5py loop over the same shards, and vs ViMoCLIP's
# group-per-video file. See bench/python_cache.py; ITEMS, REPEAT and WORK override its defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=data/.venv-h5/bin/python
[ -x "$PY" ] || { echo "$PY is missing: run make bootstrap" >&2; exit 2; }
exec "$PY" bench/python_cache.py
