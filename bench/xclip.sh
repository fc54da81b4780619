#!/usr/bin/env bash
# Benchmark: X-CLIP base-patch32 (8 frames), VIDEOS=4 videos × PROMPTS=140 class prompts, in vimo
# (vimo-bench-xclip) vs transformers 4.49's XCLIPModel (bench/xclip_reference.py) on the same
# libtorch (Debian's 1.13) and threads, float32 and bfloat16: the forward pass, the forward with the
# frozen text tower's embeddings computed once, and one AdamW training step. Goal ≥ 1.2× each.
# Needs data/.venv-ref (make bootstrap). CONFIG=tiny for a quick check.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product vimo-bench-xclip >/dev/null
BIN=$(swift build -c release --show-bin-path)
export VIMO_THREADS=${VIMO_THREADS:-$(nproc)} CONFIG=${CONFIG:-base-patch32} VIDEOS=${VIDEOS:-4} PROMPTS=${PROMPTS:-140} REPEATS=${REPEATS:-3}
for DTYPE in ${DTYPES:-f32 bf16}; do
  py=$(data/.venv-ref/bin/python bench/xclip_reference.py "$CONFIG" "$VIDEOS" "$PROMPTS" "$REPEATS" "$DTYPE" "$VIMO_THREADS" 2>/dev/null)
  sw=$(DTYPE=$DTYPE "$BIN/vimo-bench-xclip")
  echo "$py"; echo "$sw"
  /usr/bin/python3 - "$py" "$sw" <<'PY'
import json, sys
p, s = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert p["parameters"] == s["parameters"], f"different models: {p['parameters']} vs {s['parameters']} parameters"
for key, what in (("forward_s", "forward"), ("forward_cached_text_s", "forward, text embeddings reused"),
                  ("video_side_s", "of which the video side (vision, MIT, patch features)"), ("train_step_s", "training step")):
    print(f"{p['config']} {p['dtype']} {what}: transformers {p[key]:.3f} s, vimo {s[key]:.3f} s, ratio {p[key] / s[key]:.2f} (goal >= 1.2)")
PY
done
