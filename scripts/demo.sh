#!/usr/bin/env bash
# The demo until the runner lands: generate the synthetic dataset, decode it to shards,
# decode Big Buck Bunny's frames too, and say where everything is.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=${1:-data/demo}
BIN=$(swift build -c release --show-bin-path)
mkdir -p "$DEMO"

if [ ! -f "$DEMO/dataset/annotation/train.csv" ]; then
  # 48 synthetic clips plus one real one (Big Buck Bunny, labelled "keeping still" for show).
  EXTRA=()
  [ -s data/samples/bigbuckbunny.mp4 ] && EXTRA=(--extra "BUNNYCLP=data/samples/bigbuckbunny.mp4:2")
  "$BIN/vimo-synth" --out "$DEMO/dataset" --clips 48 --frames 40 "${EXTRA[@]}"
fi

"$BIN/vimo-decode" --dataset "$DEMO/dataset" --split all --out "$DEMO/cache/decode" --sampling all
# Optical flow on the CPU with OpenCV DIS (RAFT needs weights: --method raft-large --weights FILE).
"$BIN/vimo-flow" --frames "$DEMO/cache/decode" --out "$DEMO/cache/flow" --method dis --preset fast
FIRST=$(ls "$DEMO/dataset/video" | head -1 | sed 's/\.mp4$//')
"$BIN/vimo-flow" preview "$FIRST" --flow "$DEMO/cache/flow" --out "$DEMO/flow-$FIRST.mp4" >/dev/null

cat <<MSG

Frames are in $DEMO/cache/decode/shard-*.h5 (HDF5; schema in ../shared/DESIGN.md §3).
Open them in Python:
  /usr/bin/python3 -c "import h5py; f = h5py.File(sorted(__import__('glob').glob('$DEMO/cache/decode/shard-*.h5'))[0]); \\
      print(dict(f.attrs)); print(f['items'].asstr()[:5], f['frames'].shape, f['offsets'][:6])"
Flow fields (float16, N×2×224×224) are in $DEMO/cache/flow/shard-*.h5; a colour-coded preview
of item $FIRST is $DEMO/flow-$FIRST.mp4.
Run summaries: $DEMO/cache/decode/summary-decode.json, $DEMO/cache/flow/summary-flow.json
Run 'make demo' again: everything is cached, so nothing is decoded twice.
MSG
