#!/usr/bin/python3
"""Reference images for FlowColor's parity test, made by torchvision itself.

Usage: make_flow_colors.py OUT_DIR

Writes, for each case, `<name>.flow` (float32, shape (2, H, W), C order: u plane then v plane)
and `<name>.rgb` (uint8, shape (H, W, 3): torchvision.utils.flow_to_image's output moved to
channels-last), plus `manifest.json` listing name, width, height and the two file names.
Every field is seeded, so the files are the same on every run.
"""
import json
import math
import os
import sys

import torch
from torchvision.utils import flow_to_image


def cases():
    g = torch.Generator().manual_seed(20240611)

    def randn(h, w, scale=1.0):
        return torch.randn((2, h, w), generator=g) * scale

    yield "zero", torch.zeros((2, 24, 32))
    yield "random_small", randn(48, 64, 2.0)
    yield "random_224", randn(224, 224, 5.0)
    yield "odd_size", randn(23, 37, 3.0)

    # A pure rotation about the centre: every direction at every length.
    h, w = 80, 96
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    cy, cx = (h - 1) / 2, (w - 1) / 2
    yield "rotation", torch.stack([-(ys - cy), xs - cx]) * 0.25

    # Unit vectors at 4096 evenly spaced angles, all of the maximum length: every wheel
    # segment boundary, and the full-saturation pixels where rounding can go below zero.
    angles = torch.arange(4096, dtype=torch.float64) * (2 * math.pi / 4096)
    ring = torch.stack([torch.cos(angles), torch.sin(angles)]).to(torch.float32).reshape(2, 64, 64)
    yield "unit_ring", ring
    yield "axis_directions", torch.tensor([[[1.0, -1.0, 0.0, 0.0, 1.0, -1.0, 0.5, 0.0]],
                                          [[0.0, 0.0, 1.0, -1.0, 1.0, -1.0, 0.0, -0.0]]])

    # Vectors whose normalised length rounds to 1 + 2^-23: a channel the wheel has at 0 comes
    # out as floor(255 · -1.2e-7) = -1, which torch stores in uint8 as 255.
    for k, (u, v) in enumerate([(-7.932245254516602, 3.52620267868042), (8.79344367980957, 13.409847259521484),
                                (7.792201519012451, 7.505592346191406)]):
        yield f"saturation_wrap_{k}", torch.tensor([[[u, 0.5 * u]], [[v, 0.25 * v]]])

    # Pixels whose colour moves by one step when atan2 differs in the last bit, each with the
    # maximum vector of the 224x224 field it came from (so the normalisation is the same).
    # torch (1.13, AVX2, one thread) computes atan2 with SLEEF for the first numel - numel % 16
    # elements and with libm's atan2f for the rest, and the two disagree on these pixels:
    # in a 16-pixel field they go through SLEEF, in a 2-pixel field through libm.
    last_bit = [(0.0742727741599083, 0.12041838467121124, 0.27672937512397766, 0.4177226126194),
                (8.483959197998047, 2.712757110595703, 28.53858184814453, -40.04398727416992),
                (0.030447417870163918, -0.12917356193065643, -0.22128832340240479, -0.43286776542663574),
                (497.250732421875, 961.548828125, -4629.234375, 725.8882446289062),
                (0.03266465291380882, 0.09275342524051666, 0.4201693534851074, 0.25500497221946716),
                (-0.6375397443771362, 0.4446447789669037, -4.094727516174316, 1.4478563070297241)]
    for k, (u, v, max_u, max_v) in enumerate(last_bit):
        pair = torch.tensor([[[u, max_u]], [[v, max_v]]])
        yield f"atan2_libm_{k}", pair
        yield f"atan2_sleef_{k}", torch.cat([pair, torch.zeros((2, 1, 14))], dim=2)

    yield "large_values", randn(64, 64, 1.0e4)
    outlier = randn(96, 128, 1.5)
    outlier[0, 40, 70] = 1.0e6
    outlier[1, 40, 70] = -3.0e5
    yield "huge_outlier", outlier
    yield "tiny_values", randn(32, 32, 1.0e-30)
    yield "uniform_motion", torch.stack([torch.full((40, 40), 3.25), torch.full((40, 40), -1.5)])

    # Many seeded fields at several scales, for coverage of the float arithmetic.
    for i in range(24):
        yield f"seeded_{i:02d}", randn(64, 64, float(10 ** ((i % 6) - 2)))


def main():
    out = sys.argv[1]
    # The pixels torch computes one by one depend on how it splits work between threads.
    torch.set_num_threads(1)
    os.makedirs(out, exist_ok=True)
    manifest = []
    for name, flow in cases():
        flow = flow.to(torch.float32).contiguous()
        image = flow_to_image(flow).permute(1, 2, 0).contiguous()
        _, h, w = flow.shape
        with open(os.path.join(out, name + ".flow"), "wb") as f:
            f.write(flow.numpy().tobytes())
        with open(os.path.join(out, name + ".rgb"), "wb") as f:
            f.write(image.numpy().tobytes())
        manifest.append({"name": name, "width": w, "height": h, "flow": name + ".flow", "image": name + ".rgb"})
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": manifest}, f, indent=1)


if __name__ == "__main__":
    main()
