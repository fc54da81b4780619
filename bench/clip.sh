#!/usr/bin/env bash
# Benchmark: CLIP ViT-B/32 image encoder in vimo vs OpenAI's model code in PyTorch on the same libtorch
# and threads, float32 and bfloat16 (goal ≥ 1.0), and a MoCLIP student training step (30 frames).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --product vimo-bench-clip >/dev/null
BIN=$(swift build -c release --show-bin-path)
export VIMO_THREADS=${VIMO_THREADS:-$(nproc)} REPEAT=${REPEAT:-3}
py=$(/usr/bin/python3 bench/clip_anchor.py data/.pip/clip_anytorch-2.6.0-py3-none-any.whl)
sw=$("$BIN/vimo-bench-clip")
echo "$py"; echo "$sw"
for d in f32 bf16; do
  a=$(echo "$py" | awk "/clip_vitb32_$d/ {print \$3}"); b=$(echo "$sw" | awk "/clip_vitb32_$d/ {print \$3}")
  echo "ratio CLIP ViT-B/32 $d vimo / PyTorch: $(echo "scale=3; $b / $a" | bc -l)  (goal ≥ 1.0)"
done
