"""torchvision's colour jitter of one RGB image, as the reference for AMCLIP's ColorJitter.

    python3 color_jitter_reference.py IN WIDTH HEIGHT BRIGHTNESS CONTRAST SATURATION HUE GREY OUT

IN holds HEIGHT x WIDTH x 3 uint8 bytes. The image goes through torchvision.transforms.functional's
adjust_brightness, adjust_contrast, adjust_saturation and adjust_hue in that order (float tensors in [0, 1],
as ColorJitter on a tensor does for one fixed order), then rgb_to_grayscale with 3 channels when GREY is 1,
and is written to OUT as bytes, rounded.
"""

import sys

import numpy as np
import torch
import torchvision.transforms.functional as F


def main(args):
    path, width, height = args[0], int(args[1]), int(args[2])
    brightness, contrast, saturation, hue = (float(x) for x in args[3:7])
    grey, out = args[7] == "1", args[8]
    pixels = np.fromfile(path, dtype=np.uint8).reshape(height, width, 3)
    image = torch.from_numpy(pixels.astype(np.float32) / 255).permute(2, 0, 1)
    image = F.adjust_brightness(image, brightness)
    image = F.adjust_contrast(image, contrast)
    image = F.adjust_saturation(image, saturation)
    image = F.adjust_hue(image, hue)
    if grey:
        image = F.rgb_to_grayscale(image, num_output_channels=3)
    result = (image.permute(1, 2, 0).numpy() * 255).round().clip(0, 255).astype(np.uint8)
    result.tofile(out)


if __name__ == "__main__":
    main(sys.argv[1:])
