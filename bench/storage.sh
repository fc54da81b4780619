#!/usr/bin/env bash
# Benchmark (issue 17): what each storage profile (`--storage exact`, the default, `compact` and `raw`)
# costs on disk and in time, on real footage, in one run.
#  1. CLIPS clips cut from Big Buck Bunny (CC BY; 640×360 windows at different places of the 1280×720
#     frame, every other one mirrored, 132 frames each, re-encoded with x264 crf 18): vimo-decode and
#     vimo-flow (DIS, preset fast) under each profile. Bytes per cached frame and per flow field; wall
#     time as a ratio to raw (goal: exact ≥ 0.8×, compact ≥ 0.7× raw's throughput). Runs alternate; best of REPEAT.
#     Shards go to OUT, a tmpfs (/dev/shm) by default, so a shared disk's fsync noise stays out.
#  2. Reading back: every item's frames and flow fields through Store (vimo-bench-store), whole items
#     as the stages read them, and one row per read as AnimalMotionCLIP's sparse sampling does
#     (goal: exact ≥ 0.8× raw; compact's frames are JPEG-decoded on the way).
#  2b. Downstream: compact's frames against exact's (PSNR); flow computed from compact frames against flow
#     from exact frames (mean end-point error); k = 8 rounding alone against unrounded flow (colour levels
#     changed in MoCLIP's images); CLIP ViT-B/32 embeddings of compact vs exact frames (cosine; seeded random
#     weights, as the real ones cannot be fetched here: set CLIP_WEIGHTS to a ViT-B/32 checkpoint to use it).
#  3. Peak RSS of vimo-decode (1 worker) on a LONG_SECONDS-long 1280×720 video (Big Buck Bunny looped),
#     under each profile (goal: flat, ≤ 300 MB).
#  4. The full Animal Kingdom cache (≈ 5 M frames and as many flow fields) extrapolated per profile.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
CLIPS=${CLIPS:-8}
REPEAT=${REPEAT:-2}
LONG_SECONDS=${LONG_SECONDS:-180}
WORK=${WORK:-data/bench/storage}
OUT=${OUT:-$([ -d /dev/shm ] && echo /dev/shm/vimo-bench-storage || echo "$WORK/out")}
SAMPLE=data/samples/bigbuckbunny.mp4
[ -f "$SAMPLE" ] || { echo "$SAMPLE is missing: run make bootstrap" >&2; exit 2; }
swift build -c release --scratch-path "$SCRATCH" >/dev/null
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
mkdir -p "$WORK/clips" "$OUT"

# Real footage, cut and varied.
if [ ! -f "$WORK/dataset/annotation/train.csv" ]; then
  extras=()
  offsets=("0:0" "640:360" "320:180" "0:360" "640:0" "320:0" "320:360" "160:90" "480:270" "0:180")
  for i in $(seq 0 $((CLIPS - 1))); do
    offset=${offsets[$((i % ${#offsets[@]}))]}
    filter="crop=640:360:${offset%%:*}:${offset##*:}"
    ((i % 2)) && filter="$filter,hflip"
    clip="$WORK/clips/bunny$i.mp4"
    ffmpeg -nostdin -v error -y -i "$SAMPLE" -vf "$filter" -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p "$clip"
    extras+=(--extra "BUNNY$i=$clip:2")
  done
  "$BIN/vimo-synth" --out "$WORK/dataset" --clips 1 --frames 8 --width 64 --height 48 --val-fraction 0 "${extras[@]}" >/dev/null
fi
LONG="$WORK/long/video/LONG.mp4"
if [ ! -f "$WORK/long/annotation/train.csv" ]; then
  "$BIN/vimo-synth" --out "$WORK/long" --clips 1 --frames 8 --width 64 --height 48 --val-fraction 0 \
    --extra "LONG=$SAMPLE:2" >/dev/null
  ffmpeg -nostdin -v error -y -stream_loop -1 -i "$SAMPLE" -t "$LONG_SECONDS" -c copy "$LONG.tmp.mp4"
  mv "$LONG.tmp.mp4" "$LONG"
fi

now() { date +%s.%N; }
best() { sort -g | head -1; }
time_of() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc -l; }
decode() {  # decode PROFILE
  rm -rf "$OUT/decode-$1"
  "$BIN/vimo-decode" --dataset "$WORK/dataset" --out "$OUT/decode-$1" --storage "$1" --summary "$OUT/decode-$1.json" --quiet
}
flow() {  # flow PROFILE, from decode-PROFILE
  rm -rf "$OUT/flow-$1"
  "$BIN/vimo-flow" compute --frames "$OUT/decode-$1" --method dis --preset fast --out "$OUT/flow-$1" --storage "$1" \
    --summary "$OUT/flow-$1.json" --quiet
}
PROFILES=(raw exact compact)
declare -A T
for stage in decode flow; do
  for profile in "${PROFILES[@]}"; do : > "$OUT/times-$stage-$profile"; done
  for _ in $(seq "$REPEAT"); do
    for profile in "${PROFILES[@]}"; do time_of $stage "$profile" >> "$OUT/times-$stage-$profile"; done
  done
  for profile in "${PROFILES[@]}"; do T[$stage-$profile]=$(best < "$OUT/times-$stage-$profile"); done
done
rows() { /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['rows'])" "$1"; }
frames=$(rows "$OUT/decode-raw.json"); pairs=$(rows "$OUT/flow-raw.json")
bytes() { du -cb "$1"/shard-*.h5 | tail -1 | cut -f1; }

# Reading back: whole items, then one row per read.
read_rates() {  # read_rates whole|single → "decode-raw decode-exact decode-compact flow-raw flow-exact flow-compact" MB/s
  "$BIN/vimo-bench-store" --repeat 3 --rows "$1" "$OUT/decode-raw" "$OUT/decode-exact" "$OUT/decode-compact" \
    "$OUT/flow-raw" "$OUT/flow-exact" "$OUT/flow-compact" | awk '{ printf "%s ", $5 }'
}
read -r rd_raw rd_exact rd_compact rf_raw rf_exact rf_compact <<< "$(read_rates whole)"
read -r sd_raw sd_exact sd_compact sf_raw sf_exact sf_compact <<< "$(read_rates single)"

# Downstream: the exact profile's rounded flow against the same flow unrounded (raw).
read -r cf_fields cf_change cf_pf_levels cf_pf_share cf_fx_levels cf_fx_share _ cf_pf_mean cf_fx_mean <<< \
  "$("$BIN/vimo-bench-store" --compare-flow "$OUT/flow-raw" "$OUT/flow-exact")"
# compact: JPEG frames vs exact ones; k = 8 alone (flow of the exact frames stored compact) vs unrounded;
# flow of the JPEG frames vs flow of the exact ones; CLIP embeddings of both.
read -r _ jpeg_psnr jpeg_mad jpeg_max <<< "$("$BIN/vimo-bench-store" --compare-frames "$OUT/decode-exact" "$OUT/decode-compact")"
rm -rf "$OUT/flow-k8"
"$BIN/vimo-flow" compute --frames "$OUT/decode-exact" --method dis --preset fast --out "$OUT/flow-k8" --storage compact --quiet
read -r k8_fields k8_change k8_pf_levels k8_pf_share k8_fx_levels k8_fx_share _ k8_pf_mean k8_fx_mean <<< \
  "$("$BIN/vimo-bench-store" --compare-flow "$OUT/flow-raw" "$OUT/flow-k8")"
read -r _ jf_change _ _ _ _ jf_epe _ _ <<< "$("$BIN/vimo-bench-store" --compare-flow "$OUT/flow-exact" "$OUT/flow-compact")"
CLIP_WEIGHTS=${CLIP_WEIGHTS:-random:1}
for profile in exact compact; do
  rm -rf "$OUT/clip-$profile"
  "$BIN/vimo-clip" --frames "$OUT/decode-$profile" --out "$OUT/clip-$profile" --weights "$CLIP_WEIGHTS" --quiet
done
read -r clip_rows clip_mean clip_min <<< "$("$BIN/vimo-bench-store" --compare-embeddings "$OUT/clip-exact" "$OUT/clip-compact")"

# Peak memory of decoding one long video.
long_frames=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$LONG")
declare -A RSS
for profile in "${PROFILES[@]}"; do
  rm -rf "$OUT/long-$profile"
  /usr/bin/time -f "%M" -o "$OUT/rss-$profile" "$BIN/vimo-decode" --dataset "$WORK/long" --out "$OUT/long-$profile" \
    --storage "$profile" --workers 1 --quiet >/dev/null 2>&1
  RSS[$profile]=$(( $(cat "$OUT/rss-$profile") / 1024 ))
done

ratio() { echo "scale=2; $1 / $2" | bc -l; }
rate() { echo "scale=1; $1 / $2" | bc -l; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "shards written to $OUT ($(df --output=fstype "$OUT" | tail -1)); best of $REPEAT"
echo "real footage: $CLIPS clips cut from Big Buck Bunny + 1 synthetic clip = $frames frames, $pairs flow fields (DIS fast)"
declare -A BF BW
for profile in "${PROFILES[@]}"; do
  BF[$profile]=$(( $(bytes "$OUT/decode-$profile") / frames ))
  BW[$profile]=$(( $(bytes "$OUT/flow-$profile") / pairs ))
done
for profile in "${PROFILES[@]}"; do
  printf '%-7s frames %7d B/frame (%.2fx vs raw 150528)  flow %7d B/field (%.2fx vs raw 200704)\n' "$profile" \
    "${BF[$profile]}" "$(ratio 150528 "${BF[$profile]}")" "${BW[$profile]}" "$(ratio 200704 "${BW[$profile]}")"
done
both_raw=$((BF[raw] + BW[raw])); both_exact=$((BF[exact] + BW[exact])); both_compact=$((BF[compact] + BW[compact]))
echo "frames + flow together: exact $(ratio "$both_raw" "$both_exact")x smaller than raw (goal ≥ 2.5x)," \
  "compact $(ratio "$both_raw" "$both_compact")x (goal ≥ 5.5x)"
for profile in "${PROFILES[@]}"; do
  printf '%-7s vimo-decode %6.2f s %7s frames/s   vimo-flow %6.2f s %6s fields/s\n' "$profile" \
    "${T[decode-$profile]}" "$(rate "$frames" "${T[decode-$profile]}")" "${T[flow-$profile]}" "$(rate "$pairs" "${T[flow-$profile]}")"
done
echo "throughput exact / raw: decode $(ratio "${T[decode-raw]}" "${T[decode-exact]}")x, flow $(ratio "${T[flow-raw]}" "${T[flow-exact]}")x (goal ≥ 0.8x)"
echo "throughput compact / raw: decode $(ratio "${T[decode-raw]}" "${T[decode-compact]}")x, flow $(ratio "${T[flow-raw]}" "${T[flow-compact]}")x (goal ≥ 0.7x)"
echo "read back, whole items (decoded MB/s): frames raw $rd_raw, exact $rd_exact ($(ratio "$rd_exact" "$rd_raw")x)," \
  "compact $rd_compact ($(ratio "$rd_compact" "$rd_raw")x); flow raw $rf_raw, exact $rf_exact ($(ratio "$rf_exact" "$rf_raw")x)," \
  "compact $rf_compact ($(ratio "$rf_compact" "$rf_raw")x) (goal ≥ 0.8x)"
echo "read back, one row per read:         frames raw $sd_raw, exact $sd_exact ($(ratio "$sd_exact" "$sd_raw")x)," \
  "compact $sd_compact ($(ratio "$sd_compact" "$sd_raw")x); flow raw $sf_raw, exact $sf_exact ($(ratio "$sf_exact" "$sf_raw")x)," \
  "compact $sf_compact ($(ratio "$sf_compact" "$sf_raw")x)"
echo "compact frames (JPEG q95 4:2:0) vs exact: PSNR $jpeg_psnr dB, mean |diff| $jpeg_mad, largest $jpeg_max levels"
echo "flow from compact frames (k = 8) vs from exact frames (k = 10): mean end-point error $jf_epe px, largest component change $jf_change px"
echo "k = 8 rounding alone vs unrounded over $k8_fields fields: largest change $k8_change px; colour-coded images:" \
  "per-field maximum: ≤ $k8_pf_levels level(s), $(echo "$k8_pf_share * 100" | bc -l | xargs printf '%.4f') % of bytes change" \
  "(by $k8_pf_mean on average); fixed 2 px: ≤ $k8_fx_levels level(s), $(echo "$k8_fx_share * 100" | bc -l | xargs printf '%.4f') % change (by $k8_fx_mean)"
echo "CLIP ViT-B/32 ($CLIP_WEIGHTS) of compact vs exact frames over $clip_rows frames: mean cosine $clip_mean, smallest $clip_min"
echo "flow exact vs raw over $cf_fields fields: largest change $cf_change px; colour-coded images (MoCLIP's input):" \
  "per-field maximum: ≤ $cf_pf_levels level(s), $(echo "$cf_pf_share * 100" | bc -l | xargs printf '%.4f') % of bytes change" \
  "(by $cf_pf_mean on average); fixed 2 px: ≤ $cf_fx_levels level(s), $(echo "$cf_fx_share * 100" | bc -l | xargs printf '%.4f') % change (by $cf_fx_mean)"
echo "vimo-decode peak RSS on one ${LONG_SECONDS}-s 1280×720 video ($long_frames frames): raw ${RSS[raw]} MB, exact ${RSS[exact]} MB," \
  "compact ${RSS[compact]} MB (goal ≤ 300 MB)"
for profile in "${PROFILES[@]}"; do
  printf 'Animal Kingdom (5,000,000 frames + 4,969,900 fields), %-7s: frames %4d GB + flow %4d GB = %4d GB\n' "$profile" \
    $((BF[$profile] * 5000 / 1000000)) $((BW[$profile] * 4969900 / 1000000000)) \
    $((BF[$profile] * 5000 / 1000000 + BW[$profile] * 4969900 / 1000000000))
done
