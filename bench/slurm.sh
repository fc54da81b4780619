#!/usr/bin/env bash
# The runner on the local two-node Slurm cluster (scripts/slurm-local.sh) vs locally: the demo
# pipeline (pipelines/demo.yaml) on a generated dataset, once with each executor into fresh caches,
# then per stage the seconds each executor took, and the whole run's difference divided by the
# stages: the cluster's overhead per stage (sbatch, the scheduler's pass, the runner noticing the
# end). Goal: under 3 s per stage on top of the work. A chained stage's Slurm seconds count from its
# submission, so they include its time queued behind its upstream: the per-stage column is not the
# overhead, the whole run is. CLIPS (default 40) sets the dataset size; BIN the executables (default: release).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-$(swift build -c release --show-bin-path)}
CLIPS=${CLIPS:-40}
WORK=data/bench/slurm
rm -rf "$WORK"; mkdir -p "$WORK"
scripts/slurm-local.sh start >/dev/null
eval "$(scripts/slurm-local.sh env)"
"$BIN/vimo-synth" --out "$WORK/dataset" --clips "$CLIPS" --frames 16 >/dev/null
for executor in local slurm; do
  "$BIN/vimo" run pipelines/demo.yaml --set "dataset=$WORK/dataset" --set min-validation=2 \
    --cache "$WORK/cache-$executor" --executor "$executor" --quiet > "$WORK/$executor.out"
done
/usr/bin/python3 - "$WORK" <<'PY'
import glob, json, sys
work = sys.argv[1]
def stages(executor):
    record = json.load(open(sorted(glob.glob(f"{work}/cache-{executor}/runs/*/record.json"))[-1]))
    return record["seconds"], {s["stage"]: s.get("seconds", 0.0) for s in record["stages"]}
local_total, local = stages("local")
slurm_total, slurm = stages("slurm")
print(f"{'stage':14s} {'local s':>8s} {'slurm s':>8s} {'overhead':>9s}")
for name in local:
    overhead = slurm[name] - local[name]
    print(f"{name:14s} {local[name]:8.2f} {slurm[name]:8.2f} {overhead:+9.2f}")
print(f"{'whole run':14s} {local_total:8.2f} {slurm_total:8.2f} {slurm_total - local_total:+9.2f}"
      f"  ({(slurm_total - local_total) / len(local):+.2f} s per stage)")
per_stage = (slurm_total - local_total) / len(local)
print("(slurm seconds of a chained stage include its time queued behind its upstream)")
print(f"overhead per stage {per_stage:+.2f} s (goal < 3 s): {'met' if per_stage < 3 else 'NOT met'}")
PY
