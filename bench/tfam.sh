#!/usr/bin/env bash
# Benchmark: one TFAM training epoch (paper sizes, AK-shaped clips) in vimo vs the same loop in
# PyTorch on the same libtorch and threads (goal ≥ 1.0), and the peak memory of `vimo-tfam train`
# loading a folder of cached embeddings as float32 and as float16 (--half).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product vimo-bench-tfam >/dev/null
swift build -c release --product vimo-tfam >/dev/null
BIN=$(swift build -c release --show-bin-path)
export VIMO_THREADS=${VIMO_THREADS:-$(nproc)} CLIPS=${CLIPS:-32}
py=$(/usr/bin/python3 bench/tfam_anchor.py)
sw=$("$BIN/vimo-bench-tfam")
echo "$py"; echo "$sw"
a=$(echo "$py" | awk '{print $3}'); b=$(echo "$sw" | awk '{print $3}')
echo "ratio TFAM epoch (python time / vimo time): $(echo "scale=3; $a / $b" | bc -l)  (goal ≥ 1.0)"

# Memory: MEMCLIPS clips × 150 rows × 512 float32 embeddings in shards (CLIP and motion folders).
MEMCLIPS=${MEMCLIPS:-1000}
WORK=data/bench/tfam
if [ ! -f "$WORK/.done-$MEMCLIPS" ]; then
  rm -rf "$WORK"; mkdir -p "$WORK"
  /usr/bin/python3 - "$WORK" "$MEMCLIPS" <<'PY'
import sys, h5py, numpy as np
work, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
for kind, rows in (("clip", 150), ("motion", 149)):
    import os; os.makedirs(f"{work}/{kind}", exist_ok=True)
    per = 250
    for s in range(0, n, per):
        m = min(per, n - s)
        with h5py.File(f"{work}/{kind}/shard-w0-{s // per + 1:06d}.h5", "w") as f:
            f.create_dataset("items", data=[f"V{i:06d}" for i in range(s, s + m)], dtype=h5py.string_dtype())
            f.create_dataset("offsets", data=np.arange(m + 1, dtype=np.int64) * rows)
            f.create_dataset("source", data=["x"] * m, dtype=h5py.string_dtype())
            f.create_dataset("frame_index", data=np.tile(np.arange(rows, dtype=np.int32), m))
            f.create_dataset("embeddings", data=rng.standard_normal((m * rows, 512), dtype=np.float32), chunks=(512, 512))
            f.create_dataset("labels", data=(rng.random((m, 140)) > 0.97).astype(np.uint8))
            f.attrs.update(schema=np.int64(1), stage=kind, fingerprint="bench", params="{}",
                           committed_at="2026-01-01T00:00:00.000000Z")
PY
  touch "$WORK/.done-$MEMCLIPS"
fi
for mode in "" "--half"; do
  /usr/bin/time -f "%M" -o "$WORK/rss" "$BIN/vimo-tfam" train --clip "$WORK/clip" --motion "$WORK/motion" \
    --out "$WORK/out$mode" --epochs 1 --stop-after 0 $mode >/dev/null 2>&1
  rss=$(tail -1 "$WORK/rss")
  raw=$((MEMCLIPS * 299 * 512 * 4 / 1024))
  echo "load $MEMCLIPS clips (${raw} KiB of float32 embeddings) ${mode:-float32}: peak RSS ${rss} KiB"
done
