#!/usr/bin/env bash
# Benchmark: vimo-decode vs the ffmpeg CLI (`-vf scale=224:224 -sws_flags bilinear -pix_fmt rgb24 -f rawvideo`)
# on the same generated 640×360 H.264 videos, in one run. Prints frames/s and the ratio (goal ≥ 1.2).
# vimo-decode's time includes writing the HDF5 shards; the CLI writes to /dev/null.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIPS=${CLIPS:-16}
FRAMES=${FRAMES:-150}
REPEAT=${REPEAT:-3}
WORK=${WORK:-data/bench/decode}
BIN=$(swift build -c release --show-bin-path)
[ -x "$BIN/vimo-decode" ] || swift build -c release >/dev/null

if [ ! -f "$WORK/dataset/annotation/train.csv" ]; then
  "$BIN/vimo-synth" --out "$WORK/dataset" --clips "$CLIPS" --frames "$FRAMES" --width 640 --height 360 --val-fraction 0 >/dev/null
fi
videos=("$WORK"/dataset/video/*.mp4)
frames=$(for v in "${videos[@]}"; do ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$v"; done | paste -sd+ | bc)

now() { date +%s.%N; }
best() { sort -g | head -1; }

cli_serial() {
  for v in "${videos[@]}"; do
    ffmpeg -nostdin -v error -i "$v" -vf scale=224:224 -sws_flags bilinear -pix_fmt rgb24 -f rawvideo -y /dev/null
  done
}
cli_parallel() {
  printf '%s\n' "${videos[@]}" | xargs -P "$(nproc)" -I{} \
    ffmpeg -nostdin -v error -threads 1 -i {} -vf scale=224:224 -sws_flags bilinear -pix_fmt rgb24 -f rawvideo -y /dev/null
}
vimo() {
  rm -rf "$WORK/out"
  "$BIN/vimo-decode" --dataset "$WORK/dataset" --out "$WORK/out" --quiet "$@" 2>/dev/null
}
time_of() { local t0 t1; t0=$(now); "$@"; t1=$(now); echo "$t1 - $t0" | bc -l; }

declare -A T
for name in cli_serial cli_parallel vimo; do
  T[$name]=$(for _ in $(seq "$REPEAT"); do time_of $name; done | best)
done
T[vimo_gzip]=$(for _ in $(seq "$REPEAT"); do time_of vimo --compression gzip:1; done | best)
T[vimo_lz4]=$(for _ in $(seq "$REPEAT"); do time_of vimo --compression lz4; done | best)
size_none=$(vimo >/dev/null; du -sb "$WORK/out" | cut -f1)
size_gzip=$(vimo --compression gzip:1 >/dev/null; du -sb "$WORK/out" | cut -f1)
size_lz4=$(vimo --compression lz4 >/dev/null; du -sb "$WORK/out" | cut -f1)

fps() { echo "scale=1; $frames / $1" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "videos: ${#videos[@]} × ~$FRAMES frames 640×360 H.264 ($frames frames), best of $REPEAT"
printf '%-44s %8.2f s %9s frames/s\n' "ffmpeg CLI, one video at a time (auto threads)" "${T[cli_serial]}" "$(fps "${T[cli_serial]}")"
printf '%-44s %8.2f s %9s frames/s\n' "ffmpeg CLI, $(nproc) videos at once (1 thread each)" "${T[cli_parallel]}" "$(fps "${T[cli_parallel]}")"
printf '%-44s %8.2f s %9s frames/s\n' "vimo-decode (default), shards written" "${T[vimo]}" "$(fps "${T[vimo]}")"
printf '%-44s %8.2f s %9s frames/s\n' "vimo-decode --compression gzip:1" "${T[vimo_gzip]}" "$(fps "${T[vimo_gzip]}")"
printf '%-44s %8.2f s %9s frames/s\n' "vimo-decode --compression lz4" "${T[vimo_lz4]}" "$(fps "${T[vimo_lz4]}")"
echo "ratio vimo-decode / ffmpeg CLI (serial):   $(ratio "${T[cli_serial]}" "${T[vimo]}")×  (goal ≥ 1.2)"
echo "ratio vimo-decode / ffmpeg CLI (parallel): $(ratio "${T[cli_parallel]}" "${T[vimo]}")×"
echo "bytes per cached frame: none $((size_none / frames)), gzip:1 $((size_gzip / frames)), lz4 $((size_lz4 / frames)) (raw 150528)"
