#!/usr/bin/env bash
# Benchmark: vimo's RAFT (each frame encoded once per video) against torchvision's per-pair RAFT,
# same libtorch and threads, 224², batch 8, 12 updates; and OpenCV DIS pairs/s. Goal ≥ 1.5×.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product vimo-bench-flow >/dev/null
BIN=$(swift build -c release --show-bin-path)
export VIMO_THREADS=${VIMO_THREADS:-$(nproc)} PAIRS=${PAIRS:-8} ITERS=${ITERS:-12} REPEAT=${REPEAT:-2}
py=$(/usr/bin/python3 bench/flow_anchor.py)
sw=$("$BIN/vimo-bench-flow")
echo "$py"; echo "$sw"
for v in large small; do
  a=$(echo "$py" | awk "/raft_$v/ {print \$3}"); b=$(echo "$sw" | awk "/raft_$v/ {print \$3}")
  echo "ratio raft-$v vimo / torchvision: $(echo "scale=2; $b / $a" | bc -l)  (goal ≥ 1.5)"
done
