#!/usr/bin/python3
"""OpenCV's own DIS flow for two RGB24 frames, the reference for DISOpticalFlow's parity test.

Usage: dis_reference.py PRESET WIDTH HEIGHT FROM.rgb TO.rgb OUT.flow [THREADS]

PRESET is ultrafast, fast or medium. The frames are raw packed RGB24 (HEIGHT x WIDTH x 3
bytes); each is turned to grey with cv2.cvtColor(COLOR_RGB2GRAY), as the Swift side does.
OUT.flow receives float32 planar (2, HEIGHT, WIDTH): the u plane, then the v plane.
THREADS, when given, is passed to cv2.setNumThreads (-1: OpenCV's default).
"""
import sys

import cv2
import numpy as np

PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


def read_rgb(path, width, height):
    data = np.fromfile(path, dtype=np.uint8)
    if data.size != width * height * 3:
        sys.exit(f"{path}: {data.size} bytes, expected {width * height * 3}")
    return data.reshape(height, width, 3)


def main():
    preset, width, height, first, second, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:7]
    if len(sys.argv) > 7:
        cv2.setNumThreads(int(sys.argv[7]))
    grey0 = cv2.cvtColor(read_rgb(first, width, height), cv2.COLOR_RGB2GRAY)
    grey1 = cv2.cvtColor(read_rgb(second, width, height), cv2.COLOR_RGB2GRAY)
    flow = cv2.DISOpticalFlow_create(PRESETS[preset]).calc(grey0, grey1, None)  # (H, W, 2) float32
    np.ascontiguousarray(flow.transpose(2, 0, 1), dtype=np.float32).tofile(out)


if __name__ == "__main__":
    main()
