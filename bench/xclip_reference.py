#!/usr/bin/env python3
"""transformers' side of bench/xclip.sh: XCLIPModel (transformers 4.49.0 on Debian's torch 1.13,
the libtorch vimo links) with seeded random weights of a published configuration, timed on the
same work vimo's vimo-bench-xclip does.

    xclip_reference.py CONFIG VIDEOS PROMPTS REPEATS DTYPE THREADS

CONFIG: base-patch32 | base-patch16 | tiny (vimo's XCLIP.Config.tiny: 32 px, 4 frames). Prints one JSON line: seconds per forward (text
tower included), per forward with the text embeddings computed once (prompt generator still per
video), per training step (forward + BCE + backward + AdamW), each the median of REPEATS after one
warm-up. Inputs: pixels ~ N(0, 1) of shape (VIDEOS, frames, 3, size, size), prompt k = [49406, 320 + k % 400,
1000 + k, 49407] padded with 0 (the same on vimo's side).
"""
import json
import os
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from transformers import XCLIPConfig, XCLIPModel


def config(name):
    if name == "base-patch32":
        return XCLIPConfig()  # the defaults are xclip-base-patch32's (8 frames)
    if name == "base-patch16":
        return XCLIPConfig(vision_config=dict(patch_size=16))
    if name == "tiny":
        return XCLIPConfig(
            text_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4),
            vision_config=dict(hidden_size=48, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                               image_size=32, patch_size=8, num_frames=4, mit_hidden_size=16, mit_intermediate_size=32, mit_num_hidden_layers=1,
                               mit_num_attention_heads=2),
            projection_dim=16, prompt_num_attention_heads=2)
    raise SystemExit(f"unknown config {name}")


def prompts(count):
    ids = torch.zeros(count, 77, dtype=torch.long)
    for k in range(count):
        ids[k, :4] = torch.tensor([49406, 320 + k % 400, 1000 + k, 49407])
    return ids


def cached_text_forward(model, pixels, text):
    """XCLIPModel.forward with the text tower's (K, P) embeddings given."""
    b, t, c, h, w = pixels.shape
    vision = model.vision_model(pixel_values=pixels.reshape(-1, c, h, w))
    video = model.visual_projection(vision[1]).view(b, t, -1)
    video = model.mit(video)[1]
    img = model.prompts_visual_layernorm(vision[0][:, 1:, :]) @ model.prompts_visual_projection
    img = img.view(b, t, -1, video.shape[-1]).mean(dim=1)
    text = text.unsqueeze(0).expand(b, -1, -1)
    text = text + model.prompts_generator(text, img)
    video = video / video.norm(p=2, dim=-1, keepdim=True)
    text = text / text.norm(p=2, dim=-1, keepdim=True)
    return torch.einsum("bd,bkd->bk", video, model.logit_scale.exp() * text)


def video_side(model, pixels):
    """The vision tower, MIT and the prompt generator's patch features: what every video costs."""
    b, t, c, h, w = pixels.shape
    vision = model.vision_model(pixel_values=pixels.reshape(-1, c, h, w))
    video = model.mit(model.visual_projection(vision[1]).view(b, t, -1))[1]
    img = model.prompts_visual_layernorm(vision[0][:, 1:, :]) @ model.prompts_visual_projection
    return video, img.view(b, t, -1, video.shape[-1]).mean(dim=1)


def timed(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    name, videos, count, repeats, dtype, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = XCLIPModel(config(name))
    kind = {"f32": torch.float32, "bf16": torch.bfloat16}[dtype]
    model = model.to(kind)
    frames = model.config.vision_config.num_frames
    size = model.config.vision_config.image_size
    pixels = torch.randn(videos, frames, 3, size, size).to(kind)
    ids = prompts(count)
    targets = (torch.rand(videos, count) < 0.05).to(kind)

    model.eval()
    with torch.no_grad():
        forward = timed(lambda: model(input_ids=ids, pixel_values=pixels).logits_per_video, repeats)
        text = model.get_text_features(input_ids=ids)
        cached = timed(lambda: cached_text_forward(model, pixels, text), repeats)
        video = timed(lambda: video_side(model, pixels), repeats)

    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6, betas=(0.9, 0.98), eps=1e-8, weight_decay=0.001)

    def step():
        optimizer.zero_grad(set_to_none=True)
        logits = model(input_ids=ids, pixel_values=pixels).logits_per_video
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets)
        loss.backward()
        optimizer.step()

    train = timed(step, repeats)
    parameters = sum(p.numel() for p in model.parameters())
    print(json.dumps({"side": "transformers", "config": name, "dtype": dtype, "videos": videos, "frames": frames,
                      "prompts": count, "parameters": parameters, "forward_s": forward,
                      "forward_cached_text_s": cached, "video_side_s": video, "train_step_s": train, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
