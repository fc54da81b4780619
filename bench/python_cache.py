"""Benchmark (issue 18): reading every embedding of ITEMS Animal-Kingdom-shaped clips from Python.

Writes a CLIP-stage folder in vimo's shard schema (64 items a shard, float32 (T, 512) per item with
T drawn from 90..270, about 180 frames like AK's 6-second clips at 30 fps; ~1 MiB Fletcher-32 chunks
as vimo's writer lays embeddings out), and the same embeddings in ViMoCLIP's layout (one HDF5 file,
a group per video holding `embeddings` and `labels`). Then reads all of them, best of REPEAT, cold
page cache not attempted (the files fit in memory; every reader sees them warm):
  package      vimo_cache.open_stage(folder).iter_items()
  package[id]  stage[item] for every item, in sorted order
  h5py loop    what a user writes by hand: glob the shards, read offsets, slice each item
  vimoclip     ViMoCLIP's group-per-video file, f[id]["embeddings"][()] for every video
and prints each as a ratio to the hand-written loop (goal: package >= 1.0x).
"""

import glob
import os
import sys
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
import vimo_cache  # noqa: E402

ITEMS = int(os.environ.get("ITEMS", "1000"))
REPEAT = int(os.environ.get("REPEAT", "3"))
WORK = os.environ.get("WORK", "data/bench/python-cache")
DIM, PER_SHARD, CLASSES = 512, 64, 140


def write(folder, vimoclip):
    rng = np.random.default_rng(18)
    lengths = rng.integers(90, 271, ITEMS)
    ids = [f"AK{i:06d}" for i in range(ITEMS)]
    os.makedirs(folder, exist_ok=True)
    rows_per_chunk = (1 << 20) // (DIM * 4)
    with h5py.File(vimoclip, "w") as out:
        for shard in range(0, ITEMS, PER_SHARD):
            chunk_ids = ids[shard:shard + PER_SHARD]
            chunk_lengths = lengths[shard:shard + PER_SHARD]
            offsets = np.concatenate([[0], np.cumsum(chunk_lengths)]).astype(np.int64)
            embeddings = rng.standard_normal((int(offsets[-1]), DIM), dtype=np.float32)
            labels = (rng.random((len(chunk_ids), CLASSES)) < 0.02).astype(np.uint8)
            path = os.path.join(folder, f"shard-w0-{shard // PER_SHARD + 1:06d}.h5")
            with h5py.File(path, "w") as f:
                f.attrs.update({"schema": 1, "stage": "clip", "fingerprint": "bench", "params": "{}",
                                "committed_at": "2026-12-03T12:00:00.000000Z"})
                f.create_dataset("items", data=np.array(chunk_ids, dtype=h5py.string_dtype()))
                f.create_dataset("offsets", data=offsets)
                f.create_dataset("source", data=np.array(["bench"] * len(chunk_ids), dtype=h5py.string_dtype()))
                f.create_dataset("frame_index", data=np.concatenate([np.arange(n) for n in chunk_lengths]).astype(np.int32))
                f.create_dataset("labels", data=labels)
                f.create_dataset("embeddings", data=embeddings, chunks=(rows_per_chunk, DIM), maxshape=(None, DIM), fletcher32=True)
            for i, item in enumerate(chunk_ids):
                group = out.create_group(item)
                group.create_dataset("embeddings", data=embeddings[offsets[i]:offsets[i + 1]])
                group.create_dataset("labels", data=labels[i])
    return int(lengths.sum())


def package(folder):
    stage = vimo_cache.open_stage(folder)
    total = sum(rows.nbytes for _, rows in stage.iter_items())
    stage.close()
    return total


def package_by_id(folder):
    stage = vimo_cache.open_stage(folder)
    total = sum(stage[item].nbytes for item in stage.items)
    stage.close()
    return total


def by_hand(folder):
    total = 0
    for path in sorted(glob.glob(os.path.join(folder, "shard-*.h5"))):
        with h5py.File(path, "r") as f:
            offsets = f["offsets"][()]
            dataset = f["embeddings"]
            for i in range(len(offsets) - 1):
                total += dataset[offsets[i]:offsets[i + 1]].nbytes
    return total


def vimoclip_layout(path):
    total = 0
    with h5py.File(path, "r") as f:
        for item in f:
            total += f[item]["embeddings"][()].nbytes
    return total


def best(function, argument):
    times, result = [], None
    for _ in range(REPEAT):
        start = time.perf_counter()
        result = function(argument)
        times.append(time.perf_counter() - start)
    return min(times), result


if __name__ == "__main__":
    folder, vimoclip = os.path.join(WORK, "clip"), os.path.join(WORK, "vimoclip.h5")
    if not os.path.exists(vimoclip):
        rows = write(folder, vimoclip)
        print(f"wrote {ITEMS} items, {rows} rows of {DIM} floats ({rows * DIM * 4 / 1e9:.2f} GB) to {WORK}")
    anchor, expected = best(by_hand, folder)
    print(f"{'reader':<14}{'seconds':>9}{'MB/s':>9}{'vs h5py loop':>14}")
    for name, function, argument in [("h5py loop", by_hand, folder), ("package", package, folder),
                                     ("package[id]", package_by_id, folder), ("vimoclip", vimoclip_layout, vimoclip)]:
        seconds, total = best(function, argument) if name != "h5py loop" else (anchor, expected)
        assert total == expected, (name, total, expected)
        print(f"{name:<14}{seconds:9.3f}{total / seconds / 1e6:9.0f}{anchor / seconds:13.2f}x")
