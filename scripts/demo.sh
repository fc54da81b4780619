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
# Appearance (CLIP) and motion (MoCLIP student) embeddings with the tiny configuration and
# seeded random teacher weights (real CLIP weights are not shipped), then TFAM and evaluation.
"$BIN/vimo-clip" --frames "$DEMO/cache/decode" --out "$DEMO/cache/clip" --model tiny --weights random:1
"$BIN/vimo-moclip" train --flow "$DEMO/cache/flow" --clip "$DEMO/cache/clip" --model tiny --teacher random:1 \
  --labels "$DEMO/dataset" --segment 10 --batch 8 --epochs 3 --out "$DEMO/runs/moclip"
"$BIN/vimo-moclip" embed --flow "$DEMO/cache/flow" --weights "$DEMO/runs/moclip/student.safetensors" --out "$DEMO/cache/moclip"
"$BIN/vimo-tfam" train --clip "$DEMO/cache/clip" --motion "$DEMO/cache/moclip" --annotations "$DEMO/dataset" \
  --fusion cross --layers 2 --heads 4 --feed-forward 128 --epochs 15 --batch 8 --lr 1e-3 --out "$DEMO/runs/tfam-cross"
"$BIN/vimo-tfam" predict --clip "$DEMO/cache/clip" --motion "$DEMO/cache/moclip" --annotations "$DEMO/dataset" \
  --weights "$DEMO/runs/tfam-cross/best.safetensors" --split val --out "$DEMO/runs/tfam-cross/scores"
"$BIN/vimo-eval" --scores "$DEMO/runs/tfam-cross/scores" --annotations "$DEMO/dataset" --out "$DEMO/runs/tfam-cross/eval"
"$BIN/vimo-flow" preview "$FIRST" --flow "$DEMO/cache/flow" --out "$DEMO/flow-$FIRST.mp4" >/dev/null

cat <<MSG

Frames are in $DEMO/cache/decode/shard-*.h5 (HDF5; schema in ../shared/DESIGN.md §3).
Open them in Python:
  /usr/bin/python3 -c "import h5py; f = h5py.File(sorted(__import__('glob').glob('$DEMO/cache/decode/shard-*.h5'))[0]); \\
      print(dict(f.attrs)); print(f['items'].asstr()[:5], f['frames'].shape, f['offsets'][:6])"
Flow fields (float16, N×2×224×224) are in $DEMO/cache/flow/shard-*.h5; a colour-coded preview
of item $FIRST is $DEMO/flow-$FIRST.mp4.
CLIP and motion embeddings: $DEMO/cache/clip, $DEMO/cache/moclip; the student: $DEMO/runs/moclip.
TFAM (cross fusion): $DEMO/runs/tfam-cross; metrics, per-class table and plots (SVG):
  $DEMO/runs/tfam-cross/eval/metrics.json, per_class.csv, per_class_ap.svg, pr_curve.svg, predictions.csv
Run summaries: $DEMO/cache/*/summary-*.json
Run 'make demo' again: decoded frames, flow and embeddings are cached and not computed twice
(the trainers resume or finish at once).
MSG
