#!/usr/bin/env bash
# `vimo status` and a no-op `vimo run` on Animal Kingdom-sized datasets (3,000 / 10,000 / 30,100
# clips laid out from ../shared/ak/AR_metadata_AR.csv, tiny placeholder videos, every stage
# already cached). Goal: < 1 s each at 30,100. Anchor: `find` stat-ing every dataset file, the
# least any tool must do to notice a changed video.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(swift build -c release --show-bin-path)
exec /usr/bin/python3 bench/runner_bench.py "$BIN" "${VIMO_SHARED:-../shared}/ak/AR_metadata_AR.csv" data/bench/runner "$@"
