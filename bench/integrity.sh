#!/usr/bin/env bash
# Benchmark (issue 12): what the Fletcher-32 checksums cost, and how fast `vimo verify` reads a cache.
#  1. vimo-decode and vimo-flow (DIS, preset fast) on real footage: COPIES copies of Big Buck Bunny
#     (1280×720, 132 frames) plus one tiny synthetic clip, with checksums (the default) and without
#     (the anchor: VIMO_STORE_CHECKSUMS=off, a switch only this script uses; the flow anchor reads the
#     anchor's frames, so both sides of each stage are measured). Runs alternate; best of REPEAT.
#     Their shards go to OUT, a tmpfs (/dev/shm) by default: a commit's fsync on a shared disk varies by
#     more than the checksums cost, and without it the checksums' CPU share is the largest it can be.
#     Goal: ≤ 3 % slower with checksums.
#     CALLGRIND=1 adds instruction counts (valgrind, deterministic whatever else the machine runs) of
#     decode (1 worker) and flow (1 OpenCV thread) on 2 copies, with and without checksums.
#  2. `vimo verify` (wall time, process start included) on a demo-sized cache (decode, flow and clip of
#     pipelines/demo.yaml on the demo dataset: 48 synthetic clips + Big Buck Bunny), in MB/s, against
#     `cat` of the same shard files into /dev/null; the page cache is warm for both (best of REPEAT).
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
COPIES=${COPIES:-8}
REPEAT=${REPEAT:-3}
WORK=${WORK:-data/bench/integrity}
OUT=${OUT:-$([ -d /dev/shm ] && echo /dev/shm/vimo-bench-integrity || echo "$WORK/out")}
mkdir -p "$OUT"
SAMPLE=data/samples/bigbuckbunny.mp4
[ -f "$SAMPLE" ] || { echo "$SAMPLE is missing: run make bootstrap" >&2; exit 2; }
swift build -c release --scratch-path "$SCRATCH" >/dev/null
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)

now() { date +%s.%N; }
best() { sort -g | head -1; }
time_of() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc -l; }
# "wall cpu faults" of one run (cpu = user + sys, faults = minor page faults, of the command and its
# children): on a shared machine the CPU seconds vary less than the wall time, the faults hardly at all.
wall_cpu_of() {
  local out; out=$(mktemp)
  /usr/bin/time -f "%e %U %S %R" -o "$out" "$@" >/dev/null 2>&1
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$out"; rm -f "$out"
}

# 1. Checksums on and off, on real footage.
if [ ! -f "$WORK/bunny/annotation/train.csv" ]; then
  extras=()
  for i in $(seq -w 1 "$COPIES"); do extras+=(--extra "BUNNY$i=$SAMPLE:2"); done
  "$BIN/vimo-synth" --out "$WORK/bunny" --clips 1 --frames 8 --width 64 --height 48 --val-fraction 0 "${extras[@]}" >/dev/null
fi
decode() {  # decode on|off
  rm -rf "$OUT/decode-$1"
  VIMO_STORE_CHECKSUMS=$1 "$BIN/vimo-decode" --dataset "$WORK/bunny" --split all --sampling all --out "$OUT/decode-$1" \
    --summary "$OUT/decode-$1.json" --quiet
}
flow() {  # flow on|off, from decode-on|off
  rm -rf "$OUT/flow-$1"
  VIMO_STORE_CHECKSUMS=$1 "$BIN/vimo-flow" compute --frames "$OUT/decode-$1" --method dis --preset fast --out "$OUT/flow-$1" \
    --summary "$OUT/flow-$1.json" --quiet
}
export -f decode flow
export BIN WORK OUT
declare -A T C F
for stage in decode flow; do
  for mode in on off; do : > "$OUT/times-$stage-$mode"; done
  for _ in $(seq "$REPEAT"); do
    for mode in on off; do wall_cpu_of bash -c "$stage $mode" >> "$OUT/times-$stage-$mode"; done
  done
  for mode in on off; do
    T[$stage-$mode]=$(cut -d' ' -f1 "$OUT/times-$stage-$mode" | best)
    C[$stage-$mode]=$(cut -d' ' -f2 "$OUT/times-$stage-$mode" | best)
    F[$stage-$mode]=$(cut -d' ' -f3 "$OUT/times-$stage-$mode" | best)
  done
done
rows() { /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['rows'])" "$1"; }
frames=$(rows "$OUT/decode-on.json"); pairs=$(rows "$OUT/flow-on.json")
[ "$frames" = "$(rows "$OUT/decode-off.json")" ] && [ "$pairs" = "$(rows "$OUT/flow-off.json")" ] || { echo "row counts differ" >&2; exit 1; }
bytes() { du -cb "$1"/shard-*.h5 | tail -1 | cut -f1; }

if [ "${CALLGRIND:-0}" = 1 ]; then
  # valgrind cannot read Swift's DWARF 5: count instructions of stripped copies.
  mkdir -p "$OUT/cg"
  for tool in vimo-decode vimo-flow; do strip -o "$OUT/cg/$tool" "$BIN/$tool"; done
  if [ ! -f "$WORK/bunny2/annotation/train.csv" ]; then
    "$BIN/vimo-synth" --out "$WORK/bunny2" --clips 1 --frames 8 --width 64 --height 48 --val-fraction 0 \
      --extra "BUNNY1=$SAMPLE:2" --extra "BUNNY2=$SAMPLE:2" >/dev/null
  fi
  instructions() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/refs:/ { gsub(",", "", $NF); print $NF }'; }
  declare -A I
  for mode in on off; do
    rm -rf "$OUT/cg/decode-$mode" "$OUT/cg/flow-$mode"
    I[decode-$mode]=$(VIMO_STORE_CHECKSUMS=$mode instructions "$OUT/cg/vimo-decode" --dataset "$WORK/bunny2" --split all --sampling all \
      --out "$OUT/cg/decode-$mode" --workers 1 --quiet)
    I[flow-$mode]=$(OPENCV_FOR_THREADS_NUM=1 VIMO_STORE_CHECKSUMS=$mode instructions "$OUT/cg/vimo-flow" compute --frames "$OUT/cg/decode-$mode" \
      --method dis --preset fast --out "$OUT/cg/flow-$mode" --quiet)
  done
fi

# 2. vimo verify against cat, on a demo-sized cache.
if [ ! -f "$WORK/demo/annotation/train.csv" ]; then
  "$BIN/vimo-synth" --out "$WORK/demo" --clips 48 --frames 40 --extra "BUNNYCLP=$SAMPLE:2" >/dev/null
fi
"$BIN/vimo" run pipelines/demo.yaml --set "dataset=$WORK/demo" --cache "$WORK/cache" --stage flow --stage clip --quiet >/dev/null
mapfile -t shards < <(find "$WORK/cache" -path '*/.quarantine' -prune -o -name 'shard-*.h5' -print | sort)
cache_bytes=$(du -cb "${shards[@]}" | tail -1 | cut -f1)
cat "${shards[@]}" > /dev/null  # warm the page cache
cat_all() { cat "${shards[@]}" > /dev/null; }
verify_all() { "$BIN/vimo" verify --cache "$WORK/cache"; }
verify_all >/dev/null || { echo "vimo verify found damage in the bench cache" >&2; exit 1; }
T[cat]=$(for _ in $(seq "$REPEAT"); do time_of cat_all; done | best)
T[verify]=$(for _ in $(seq "$REPEAT"); do time_of verify_all; done | best)

rate() { echo "scale=1; $1 / $2" | bc -l; }
slower() { printf '%.1f' "$(echo "($1 / $2 - 1) * 100" | bc -l)"; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "shards written to $OUT ($(df --output=fstype "$OUT" | tail -1))"
echo "real footage: $COPIES × Big Buck Bunny (1280×720) + 1 synthetic clip = $frames frames, $pairs flow pairs; best of $REPEAT"
printf '%-38s %7.2f s wall %9s frames/s %7.2f s CPU  %s B/frame\n' "vimo-decode, Fletcher-32 (default)" "${T[decode-on]}" "$(rate "$frames" "${T[decode-on]}")" "${C[decode-on]}" "$(( $(bytes "$OUT/decode-on") / frames ))"
printf '%-38s %7.2f s wall %9s frames/s %7.2f s CPU  %s B/frame\n' "vimo-decode, no checksums (anchor)" "${T[decode-off]}" "$(rate "$frames" "${T[decode-off]}")" "${C[decode-off]}" "$(( $(bytes "$OUT/decode-off") / frames ))"
printf '%-38s %7.2f s wall %9s pairs/s  %7.2f s CPU\n' "vimo-flow DIS fast, Fletcher-32" "${T[flow-on]}" "$(rate "$pairs" "${T[flow-on]}")" "${C[flow-on]}"
printf '%-38s %7.2f s wall %9s pairs/s  %7.2f s CPU\n' "vimo-flow DIS fast, no checksums" "${T[flow-off]}" "$(rate "$pairs" "${T[flow-off]}")" "${C[flow-off]}"
echo "checksums cost (wall): decode $(slower "${T[decode-on]}" "${T[decode-off]}") %, flow $(slower "${T[flow-on]}" "${T[flow-off]}") % (goal ≤ 3 %)"
echo "checksums cost (CPU):  decode $(slower "${C[decode-on]}" "${C[decode-off]}") %, flow $(slower "${C[flow-on]}" "${C[flow-off]}") %"
echo "minor page faults: decode ${F[decode-on]} vs ${F[decode-off]}, flow ${F[flow-on]} vs ${F[flow-off]} (with vs without)"
echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${CALLGRIND:-0}" = 1 ]; then
  echo "instructions (callgrind, 2 copies): decode ${I[decode-on]} vs ${I[decode-off]} ($(slower "${I[decode-on]}" "${I[decode-off]}") %)," \
    "flow ${I[flow-on]} vs ${I[flow-off]} ($(slower "${I[flow-on]}" "${I[flow-off]}") %)"
fi
echo "demo-sized cache: ${#shards[@]} shards, $(echo "scale=1; $cache_bytes / 1000000" | bc -l) MB"
printf '%-40s %8.2f s %9s MB/s\n' "cat of the shard files" "${T[cat]}" "$(rate "$(echo "$cache_bytes / 1000000" | bc -l)" "${T[cat]}")"
printf '%-40s %8.2f s %9s MB/s\n' "vimo verify (every dataset, all rows)" "${T[verify]}" "$(rate "$(echo "$cache_bytes / 1000000" | bc -l)" "${T[verify]}")"
echo "ratio vimo verify / cat: $(echo "scale=2; ${T[cat]} / ${T[verify]}" | bc -l)×"
