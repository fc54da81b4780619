#!/usr/bin/env bash
# Benchmark (issue 15, part a): AnimalMotionCLIP's input pipeline — batches of the M classifiers' clips
# [I_s1, F_s1, I_s2, F_s2, …] (sampled decoded frames + colour-coded flow images, 224², ImageNet-normalised,
# half the videos mirrored) ready for the model — in videos/s:
#   vimo:   vimo-bench-amclip reads only the sampled rows of the decode and flow caches and colours the fields;
#   anchor: bench/amclip_anchor.py, a PyTorch DataLoader that decodes every video's mp4 every epoch
#           (torchvision.io.VideoReader) and reads flow as ViMoCLIP stores it: a colour-coded flow mp4,
#           decoded every epoch. Same sampled frames (vimo's plan), same WORKERS-way parallelism.
# Inputs: CLIPS synthetic 224² clips of ~FRAMES frames (±25 %) plus Big Buck Bunny (1280×720, 132 frames),
# decoded (vimo-decode), flow by OpenCV DIS (vimo-flow --method dis), prepared once under WORK.
# Goal: vimo ≥ 3× the anchor's videos/s. Needs Debian's python3-torch and python3-torchvision.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
for product in vimo-bench-amclip vimo-decode vimo-flow vimo-synth; do
  swift build -c release --scratch-path "$SCRATCH" --product "$product" >/dev/null
done
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
export WORK=${WORK:-data/bench/amclip} CLIPS=${CLIPS:-8} FRAMES=${FRAMES:-150}
export SCHEME=${SCHEME:-sparse:8} CLASSIFIERS=${CLASSIFIERS:-3} EPOCHS=${EPOCHS:-3} BATCH=${BATCH:-4} WORKERS=${WORKERS:-2} SEED=${SEED:-0}

if [ ! -f "$WORK/flowvideos/.done" ]; then
  rm -rf "$WORK"; mkdir -p "$WORK"
  "$BIN/vimo-synth" --out "$WORK/dataset" --clips "$CLIPS" --frames "$FRAMES" --width 224 --height 224 --seed 5 --val-fraction 0 \
    --extra BUNNY=data/samples/bigbuckbunny.mp4:1 >/dev/null
  "$BIN/vimo-decode" --dataset "$WORK/dataset" --out "$WORK/frames" --quiet
  "$BIN/vimo-flow" compute --frames "$WORK/frames" --out "$WORK/flow" --method dis --quiet
  "$BIN/vimo-bench-amclip" export-flow "$WORK/frames" "$WORK/flow" "$WORK/flowvideos"
  touch "$WORK/flowvideos/.done"
fi
"$BIN/vimo-bench-amclip" plan "$WORK/frames" "$WORK/flow" "$WORK/plan.json"
py=$(/usr/bin/python3 bench/amclip_anchor.py "$WORK/plan.json" "$WORK/dataset/video" "$WORK/flowvideos" "$WORK/anchor.f32" 2>/dev/null | tail -1)
sw=$("$BIN/vimo-bench-amclip" run "$WORK/frames" "$WORK/flow" "$WORK/vimo.f32")
echo "$py"; echo "$sw"
/usr/bin/python3 - "$py" "$sw" "$WORK" <<'PY'
import json, sys
import numpy as np
p, s, work = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
plan = json.load(open(f"{work}/plan.json"))
shape = (plan["classifiers"], 2 * plan["indices"], 3, plan["resolution"], plan["resolution"])
a = np.fromfile(f"{work}/anchor.f32", dtype=np.float32).reshape(shape)
v = np.fromfile(f"{work}/vimo.f32", dtype=np.float32).reshape(shape)
first = plan["videos"][0]
# Same frames: the RGB images agree up to the decoders' rounding; flow images differ by x264's loss (and, when
# mirrored, by the anchor's missing u negation).
print(f"first video {first['id']} (flip {first['flips'][0]}): mean |vimo - anchor| RGB {np.abs(a[:, 0::2] - v[:, 0::2]).mean():.4f}, "
      f"flow {np.abs(a[:, 1::2] - v[:, 1::2]).mean():.4f} (normalised units)")
print(f"{plan['scheme']} x {plan['classifiers']} classifiers, rgb+flow, {p['videos']} videos x {p['epochs']} epochs, "
      f"{plan['workers']} workers: anchor {p['videos_per_s']:.2f} videos/s, vimo {s['videos_per_s']:.2f} videos/s, "
      f"ratio {s['videos_per_s'] / p['videos_per_s']:.2f} (goal >= 3)")
PY
