#!/usr/bin/env python3
"""Reference side of the `vimo-amclip zero-shot` parity test (Tests/AMCLIPTests).

    xclip_zero_shot_reference.py make FOLDER SEED FRAMES
        writes a tiny transformers 4.49 XCLIPModel with seeded random weights to FOLDER
        (save_pretrained: config.json + model.safetensors, plus a preprocessor_config.json
        with ImageNet mean/std as the published X-CLIP processors have), image 224, patch 32,
        num_frames FRAMES, the real 49,408-token vocabulary size.

    xclip_zero_shot_reference.py score FOLDER DECODE_DIR FRAMES CLASSES.json TEMPLATE WHEEL OUT.json
        reads every item of the vimo-decode shards in DECODE_DIR with h5py, takes FRAMES frames
        per video at rows k -> floor((k + 1/2) n / FRAMES), normalises them with the processor's
        mean/std, tokenises TEMPLATE.format(name) for every class name with OpenAI's tokenizer
        (loaded from the clip-anytorch WHEEL, padded with 0 to 77), and writes XCLIPModel's
        logits_per_video (and the video and per-video text embeddings) per item to OUT.json.

Run with data/.venv-ref/bin/python (Debian's torch 1.13 + transformers 4.49.0 + ftfy).
"""
import glob
import json
import os
import sys
import tempfile
import zipfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

import h5py
import numpy as np
import torch
from transformers import XCLIPConfig, XCLIPModel

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def make(folder, seed, frames):
    torch.manual_seed(seed)
    config = XCLIPConfig(
        text_config=dict(vocab_size=49408, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=77),
        vision_config=dict(hidden_size=48, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                           image_size=224, patch_size=32, num_frames=frames, mit_hidden_size=16,
                           mit_intermediate_size=32, mit_num_hidden_layers=1, mit_num_attention_heads=2),
        projection_dim=16, prompt_num_attention_heads=2, prompt_layers=2)
    model = XCLIPModel(config).eval()
    model.save_pretrained(folder)
    with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
        json.dump({"image_mean": IMAGENET_MEAN, "image_std": IMAGENET_STD, "size": 224}, f)


def openai_tokenizer(wheel):
    """OpenAI's simple_tokenizer from the clip-anytorch wheel, unpacked beside its vocabulary."""
    folder = tempfile.mkdtemp(prefix="clip-wheel-")
    with zipfile.ZipFile(wheel) as z:
        for name in ("clip/simple_tokenizer.py", "clip/bpe_simple_vocab_16e6.txt.gz"):
            z.extract(name, folder)
    sys.path.insert(0, os.path.join(folder, "clip"))
    import simple_tokenizer  # noqa: E402
    return simple_tokenizer.SimpleTokenizer()


def tokenize(tokenizer, texts, context=77):
    sot, eot = tokenizer.encoder["<|startoftext|>"], tokenizer.encoder["<|endoftext|>"]
    ids = torch.zeros(len(texts), context, dtype=torch.long)
    for row, text in enumerate(texts):
        tokens = [sot] + tokenizer.encode(text) + [eot]
        ids[row, :len(tokens)] = torch.tensor(tokens)
    return ids


def decode_items(folder):
    """{item: uint8 (T, H, W, 3)} over the committed shards of a decode folder."""
    items = {}
    for path in sorted(glob.glob(os.path.join(folder, "shard-*.h5"))):
        with h5py.File(path, "r") as f:
            names = list(f["items"].asstr()[()])
            offsets = f["offsets"][()]
            frames = f["frames"]
            for k, name in enumerate(names):
                items[name] = frames[offsets[k]:offsets[k + 1]]
    return items


def score(folder, decode, count, classes_path, template, wheel, out):
    model = XCLIPModel.from_pretrained(folder).eval()
    with open(os.path.join(folder, "preprocessor_config.json")) as f:
        processor = json.load(f)
    mean = torch.tensor(processor["image_mean"]).view(1, 3, 1, 1)
    std = torch.tensor(processor["image_std"]).view(1, 3, 1, 1)
    with open(classes_path) as f:
        names = json.load(f)
    ids = tokenize(openai_tokenizer(wheel), [template.format(name) for name in names])
    result = {}
    with torch.no_grad():
        for item, frames in sorted(decode_items(decode).items()):
            n = len(frames)
            rows = [(2 * k + 1) * n // (2 * count) for k in range(count)]
            pixels = torch.from_numpy(np.ascontiguousarray(frames[rows])).permute(0, 3, 1, 2).float() / 255
            pixels = ((pixels - mean) / std).unsqueeze(0)
            output = model(input_ids=ids, pixel_values=pixels, return_dict=True)
            result[item] = {
                "rows": rows,
                "logits": output.logits_per_video[0].tolist(),
                "video": output.video_embeds[0].tolist(),
                "text": output.text_embeds[0].tolist(),
            }
    with open(out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "score":
        score(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7], sys.argv[8])
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
