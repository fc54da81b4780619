#!/usr/bin/env bash
# Benchmark: the Torch module (Swift → CTorch → libtorch) against PyTorch on the same libtorch
# and thread count: ViT-B/32 forward (batch 16, 224²) and a 4-layer d=256 transformer training step.
# Prints both and the ratios (goal ≥ 1.0 = vimo at least as fast).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product vimo-bench-torch >/dev/null
BIN=$(swift build -c release --show-bin-path)
export VIMO_THREADS=${VIMO_THREADS:-$(nproc)} REPEAT=${REPEAT:-5}
py=$(/usr/bin/python3 bench/torch_anchor.py)
sw=$("$BIN/vimo-bench-torch")
echo "$py"; echo "$sw"
f_py=$(echo "$py" | awk '/vit_b32/ {print $3}'); f_sw=$(echo "$sw" | awk '/vit_b32/ {print $3}')
t_py=$(echo "$py" | awk '/train_step/ {print $3}'); t_sw=$(echo "$sw" | awk '/train_step/ {print $3}')
echo "ratio ViT-B/32 forward (python time / vimo time): $(echo "scale=3; $f_py / $f_sw" | bc -l)  (goal ≥ 1.0)"
echo "ratio transformer train step (python / vimo):     $(echo "scale=3; $t_py / $t_sw" | bc -l)  (goal ≥ 1.0)"
