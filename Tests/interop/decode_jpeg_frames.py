"""Decode a `compact` shard's JPEG frames with h5py + Pillow, as a Python user would, and write them raw.

    python decode_jpeg_frames.py SHARD OUT

OUT receives every row's decoded frame, uint8 (N, H, W, C) in row order, so the Swift test can compare
them with ShardReader.readFrames byte for byte. Exit status 0 written, 1 anything unreadable (printed).
"""

import io
import sys

import h5py
import numpy as np
from PIL import Image


def main(shard: str, out: str) -> int:
    with h5py.File(shard, "r") as file:
        blobs = file["frames_jpeg"][()]
        offsets = file["frames_jpeg_offsets"][()]
        height, width, channels = (int(x) for x in file["frames_jpeg_shape"][()])
        storage = file.attrs["storage"]
        storage = storage.decode() if isinstance(storage, bytes) else str(storage)
    if not storage.startswith("compact;"):
        print(f"{shard}: storage attribute {storage!r}, expected compact;…")
        return 1
    frames = np.empty((len(offsets) - 1, height, width, channels), dtype=np.uint8)
    for row in range(len(offsets) - 1):
        image = Image.open(io.BytesIO(blobs[offsets[row]:offsets[row + 1]].tobytes()))
        if image.format != "JPEG" or image.size != (width, height):
            print(f"{shard}: row {row} is {image.format} {image.size}, expected a {width}x{height} JPEG")
            return 1
        frames[row] = np.asarray(image.convert("RGB" if channels == 3 else "L")).reshape(height, width, channels)
    frames.tofile(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
