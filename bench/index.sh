#!/usr/bin/env bash
# Benchmark (issue 18): what a stage folder's index.json saves ShardIndex.build (every stage run, every
# `vimo status`, every commit) on a folder the size of Animal Kingdom's: 30,100 items in 471 shards of 64
# (vimo-clip's default), each item with a real-length source digest. The payload is tiny (2 rows of 8
# floats an item): the index holds item tables, so its cost does not depend on the payload.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
WORK=${WORK:-data/bench/index}
PY=data/.venv-h5/bin/python
[ -x "$PY" ] || { echo "$PY is missing: run make bootstrap" >&2; exit 2; }
swift build -c release --scratch-path "$SCRATCH" --product vimo-bench-store >/dev/null
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
if [ ! -f "$WORK/clip/shard-w0-000471.h5" ]; then
  rm -rf "$WORK/clip"; mkdir -p "$WORK/clip"
  "$PY" - "$WORK/clip" <<'PY'
import hashlib, os, sys
import h5py, numpy as np
folder, items, per = sys.argv[1], 30100, 64
for shard in range(0, items, per):
    ids = [f"AK{i:06d}" for i in range(shard, min(items, shard + per))]
    offsets = np.arange(0, 2 * len(ids) + 1, 2, dtype=np.int64)
    with h5py.File(os.path.join(folder, f"shard-w0-{shard // per + 1:06d}.h5"), "w") as f:
        f.attrs.update({"schema": 1, "stage": "clip", "fingerprint": "bench", "params": "{}",
                        "committed_at": "2026-12-03T12:00:00.000000Z"})
        f.create_dataset("items", data=np.array(ids, dtype=h5py.string_dtype()))
        f.create_dataset("offsets", data=offsets)
        f.create_dataset("source", data=np.array(["sha256:" + hashlib.sha256(i.encode()).hexdigest() for i in ids], dtype=h5py.string_dtype()))
        f.create_dataset("frame_index", data=np.zeros(2 * len(ids), dtype=np.int32))
        f.create_dataset("embeddings", data=np.zeros((2 * len(ids), 8), dtype=np.float32), chunks=(2 * len(ids), 8), maxshape=(None, 8), fletcher32=True)
PY
fi
"$BIN/vimo-bench-store" --index "$WORK/clip"
