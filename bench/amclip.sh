#!/usr/bin/env bash
# Benchmark (issue 15). Part a: AnimalMotionCLIP's input pipeline — batches of the M classifiers' clips
# [I_s1, F_s1, I_s2, F_s2, …] (sampled decoded frames + colour-coded flow images, 224², ImageNet-normalised,
# half the videos mirrored) ready for the model — in videos/s:
#   vimo:   vimo-bench-amclip reads only the sampled rows of the decode and flow caches and colours the fields;
#   anchor: bench/amclip_anchor.py, a PyTorch DataLoader that decodes every video's mp4 every epoch
#           (torchvision.io.VideoReader) and reads flow as ViMoCLIP stores it: a colour-coded flow mp4,
#           decoded every epoch. Same sampled frames (vimo's plan), same WORKERS-way parallelism.
# Part b: one training epoch with the model (X-CLIP CONFIG=tiny-112 with 2P frames, rgb+flow, the same scheme,
# M, batch, AdamW, BCE over M × K logits (K: the dataset's classes, --annotations), --flip), on the same caches:
#   vimo:   vimo-amclip train --epochs 1 (its epoch line: data = building clips, model = forward + loss, both with
#           validation; the command's wall time; a --stop-after 0 run gives the set-up alone);
#   anchor: bench/amclip_train_anchor.py, transformers 4.49's XCLIPModel (data/.venv-ref) fed by part a's
#           DataLoader (mp4 + flow mp4 decoded every epoch), the videos, order, indices, flips, labels and
#           prompts of vimo's run (vimo-bench-amclip train-plan); TEXT=per-step (XCLIPModel(input_ids,
#           pixel_values) every step) and TEXT=once (text embeddings computed once, as vimo does).
# Wall times and peak RSS by /usr/bin/time (GNU time).
# Inputs: CLIPS synthetic 224² clips of ~FRAMES frames (±25 %) plus Big Buck Bunny (1280×720, 132 frames),
# decoded (vimo-decode), flow by OpenCV DIS (vimo-flow --method dis), prepared once under WORK.
# MEMORY=1 adds (slow, ~10 min + the anchor's epoch): peak RSS of one vimo-amclip train epoch on MEM_CLIPS=1000
# synthetic 224² clips of ~MEM_FRAMES=20 frames (--task motion), generated, decoded and flowed under MEM_WORK
# and deleted afterwards (KEEP=1 keeps them); MEM_ANCHOR=1 (default) also runs the anchor there (TEXT=once,
# MEM_ANCHOR_THREADS=1 intra-op thread).
# Goal (part a): vimo ≥ 3× the anchor's videos/s. Needs Debian's python3-torch and python3-torchvision, and
# data/.venv-ref (make bootstrap) for part b.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
for product in vimo-bench-amclip vimo-amclip vimo-decode vimo-flow vimo-synth; do
  swift build -c release --scratch-path "$SCRATCH" --product "$product" >/dev/null
done
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
export WORK=${WORK:-data/bench/amclip} CLIPS=${CLIPS:-8} FRAMES=${FRAMES:-150}
export SCHEME=${SCHEME:-sparse:8} CLASSIFIERS=${CLASSIFIERS:-3} EPOCHS=${EPOCHS:-3} BATCH=${BATCH:-4} WORKERS=${WORKERS:-2} SEED=${SEED:-0}
export CONFIG=${CONFIG:-tiny-112} VALIDATION_FRACTION=${VALIDATION_FRACTION:-0.1} MIN_VALIDATION=${MIN_VALIDATION:-1} HF_HUB_OFFLINE=1
PY_REF=data/.venv-ref/bin/python
[ -x /usr/bin/time ] || { echo "amclip.sh: needs GNU time (/usr/bin/time; apt-get install time, or make bootstrap)" >&2; exit 1; }

# One epoch of vimo-amclip train on FRAMES_DIR / FLOW_DIR into OUT (fresh), extra options after; prints a JSON line
# with the command's wall time, peak RSS and the epoch line's data / model seconds.
vimo_epoch() {
  local frames=$1 flow=$2 out=$3 annotations=$4; shift 4
  rm -rf "$out"; mkdir -p "$out"
  /usr/bin/time -f '%e %M' -o "$out.time" "$BIN/vimo-amclip" train --frames "$frames" --flow "$flow" --out "$out" \
    --annotations "$annotations" --init random:1 --config "$CONFIG" --modality rgb+flow --scheme "$SCHEME" --classifiers "$CLASSIFIERS" --batch "$BATCH" \
    --epochs 1 --flip --seed "$SEED" --validation-fraction "$VALIDATION_FRACTION" --min-validation "$MIN_VALIDATION" "$@" \
    >"$out.log" 2>&1 || { cat "$out.log" >&2; exit 1; }
  /usr/bin/python3 - "$out.log" "$out.time" <<'PY'
import json, re, sys
log, (wall, rss) = open(sys.argv[1]).read(), open(sys.argv[2]).read().split()[-2:]
m = re.findall(r"\(data ([0-9.]+) s, model ([0-9.]+) s\)", log)
print(json.dumps({"side": "vimo", "wall_s": float(wall), "max_rss_kb": int(rss), "data_s": float(m[-1][0]) if m else 0.0,
                  "model_s": float(m[-1][1]) if m else 0.0, "text_passes": re.findall(r"text tower: (\d+) pass", log)}))
PY
}

# One epoch of the anchor (TEXT=$1, $2 intra-op threads in the main process) on PLAN, VIDEO_DIR, FLOW_VIDEO_DIR into
# OUT; its JSON line plus wall and RSS.
anchor_epoch() {
  local text=$1 threads=$2 plan=$3 videos=$4 flows=$5 out=$6
  rm -rf "$out"; mkdir -p "$out"
  TEXT=$text VIMO_THREADS=$threads /usr/bin/time -f '%e %M' -o "$out.time" "$PY_REF" bench/amclip_train_anchor.py "$plan" "$videos" "$flows" "$out" \
    >"$out.log" 2>"$out.err" || { cat "$out.err" >&2; exit 1; }
  /usr/bin/python3 - "$out.log" "$out.time" <<'PY'
import json, sys
line, (wall, rss) = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]), open(sys.argv[2]).read().split()[-2:]
line.update(wall_s=float(wall), max_rss_kb=int(rss))
print(json.dumps(line))
PY
}

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

# Part b: one training epoch with the model.
echo "load before part b: $(cut -d' ' -f1-3 /proc/loadavg)"
ANNOTATIONS=$WORK/dataset "$BIN/vimo-bench-amclip" train-plan "$WORK/frames" "$WORK/flow" "$WORK/train-plan.json"
vimo0=$(vimo_epoch "$WORK/frames" "$WORK/flow" "$WORK/train-vimo-setup" "$WORK/dataset" --stop-after 0)
vimo=$(vimo_epoch "$WORK/frames" "$WORK/flow" "$WORK/train-vimo" "$WORK/dataset")
# The anchor as vimo runs (libtorch on every core), and with one intra-op thread beside its WORKERS decoding processes
# (on 2 cores the 2 OpenMP threads and the 2 workers oversubscribe the machine).
cores=$(nproc)
step=$(anchor_epoch per-step "$cores" "$WORK/train-plan.json" "$WORK/dataset/video" "$WORK/flowvideos" "$WORK/train-anchor-step")
once=$(anchor_epoch once "$cores" "$WORK/train-plan.json" "$WORK/dataset/video" "$WORK/flowvideos" "$WORK/train-anchor-once")
step1=$(anchor_epoch per-step 1 "$WORK/train-plan.json" "$WORK/dataset/video" "$WORK/flowvideos" "$WORK/train-anchor-step1")
once1=$(anchor_epoch once 1 "$WORK/train-plan.json" "$WORK/dataset/video" "$WORK/flowvideos" "$WORK/train-anchor-once1")
echo "$vimo0"; echo "$vimo"; echo "$step"; echo "$once"; echo "$step1"; echo "$once1"
report() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
v0, v = json.loads(sys.argv[2]), json.loads(sys.argv[3])
anchors = [json.loads(a) for a in sys.argv[4:]]
rest = v["wall_s"] - v0["wall_s"] - v["data_s"] - v["model_s"]
epoch = v["wall_s"] - v0["wall_s"]
print(f"{plan['config']['name']}, {plan['scheme']} x {plan['classifiers']} classifiers, rgb+flow ({plan['config']['frames']} frames), "
      f"batch {plan['batch']}, {len(plan['videos'])} training + {len(plan['validation'])} validation videos, {plan['parameters']:,} parameters")
print(f"vimo:   command {v['wall_s']:.2f} s (set-up alone {v0['wall_s']:.2f} s), epoch {epoch:.2f} s = data {v['data_s']:.1f} s + "
      f"forward/loss {v['model_s']:.1f} s + backward/AdamW/checkpoints {rest:.1f} s; peak RSS {v['max_rss_kb'] / 1024:.0f} MB")
for a in anchors:
    model = a["model_s"] + a["validation_model_s"]
    data = a["data_s"] + a["validation_data_s"]
    extra = f" (+ the text tower once {a['text_s']:.3f} s)" if a["text"] == "once" else ""
    print(f"anchor (text {a['text']}, {a['threads']} thread{'s' if a['threads'] > 1 else ''}): command {a['wall_s']:.2f} s, epoch {a['epoch_s']:.2f} s = waiting for data {data:.2f} s + "
          f"model {model:.2f} s (forward+backward+AdamW {a['model_s']:.2f} s, validation {a['validation_model_s']:.2f} s) + save {a['save_s']:.2f} s"
          f"{extra}; "
          f"peak RSS {a['max_rss_kb'] / 1024:.0f} MB; time vimo/anchor: epoch {epoch / a['epoch_s']:.2f} "
          f"(vimo {a['epoch_s'] / epoch:.2f}x faster), command {v['wall_s'] / a['wall_s']:.2f}")
PY
}
report "$WORK/train-plan.json" "$vimo0" "$vimo" "$step" "$once" "$step1" "$once1"

# Peak memory on 1,000 Animal-Kingdom-shaped clips (slow: MEMORY=1).
if [ "${MEMORY:-0}" = 1 ]; then
  MEM=${MEM_WORK:-data/bench/amclip-memory} MEM_CLIPS=${MEM_CLIPS:-1000} MEM_FRAMES=${MEM_FRAMES:-20}
  if [ ! -f "$MEM/.done" ]; then
    rm -rf "$MEM"; mkdir -p "$MEM"
    t0=$(date +%s)
    "$BIN/vimo-synth" --out "$MEM/dataset" --clips "$MEM_CLIPS" --frames "$MEM_FRAMES" --width 224 --height 224 --seed 7 \
      --val-fraction 0 --task motion >/dev/null
    "$BIN/vimo-decode" --dataset "$MEM/dataset" --out "$MEM/frames" --quiet
    "$BIN/vimo-flow" compute --frames "$MEM/frames" --out "$MEM/flow" --method dis --quiet
    touch "$MEM/.done"
    echo "memory data: $MEM_CLIPS clips prepared in $(( $(date +%s) - t0 )) s, $(du -sh "$MEM" | cut -f1)"
  fi
  echo "load before the memory run: $(cut -d' ' -f1-3 /proc/loadavg)"
  ANNOTATIONS=$MEM/dataset "$BIN/vimo-bench-amclip" train-plan "$MEM/frames" "$MEM/flow" "$MEM/train-plan.json"
  mem0=$(vimo_epoch "$MEM/frames" "$MEM/flow" "$MEM/train-vimo-setup" "$MEM/dataset" --stop-after 0)
  mem=$(vimo_epoch "$MEM/frames" "$MEM/flow" "$MEM/train-vimo" "$MEM/dataset")
  echo "$mem0"; echo "$mem"
  anchors=()
  if [ "${MEM_ANCHOR:-1}" = 1 ]; then
    [ -f "$MEM/flowvideos/.done" ] || { "$BIN/vimo-bench-amclip" export-flow "$MEM/frames" "$MEM/flow" "$MEM/flowvideos"; touch "$MEM/flowvideos/.done"; }
    anchors+=("$(anchor_epoch once "${MEM_ANCHOR_THREADS:-1}" "$MEM/train-plan.json" "$MEM/dataset/video" "$MEM/flowvideos" "$MEM/train-anchor-once")")
    echo "${anchors[0]}"
  fi
  report "$MEM/train-plan.json" "$mem0" "$mem" "${anchors[@]}"
  [ "${KEEP:-0}" = 1 ] || rm -rf "$MEM"
fi
