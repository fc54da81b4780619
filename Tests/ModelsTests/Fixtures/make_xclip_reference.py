"""X-CLIP references for vimo's XCLIP (transformers 4.49 XCLIPModel).

usage: make_xclip_reference.py OUT_DIR CLIP_WHEEL VOCAB REPO FRAMES.u8 FRAME_COUNT SIZE [full]
FRAMES.u8 holds FRAME_COUNT real SIZE×SIZE RGB frames (the Swift test decodes them), grouped video-major.

tiny (default): XCLIPModel of XCLIP.md's tiny configuration (4 frames, 32 px), seeded, every weight redrawn at a
  scale that keeps activations ordinary, on the frames as videos of 4 and the first 6 Animal Kingdom class names:
  hf/ (save_pretrained: config.json + model.safetensors + an ImageNet preprocessor_config.json),
  hf_bin/ (pytorch_model.bin, with CLIP's mean/std in preprocessor_config.json), videox.pth (the same weights in
  VideoX's names and layout, {"model": state_dict} beside optimiser state), and tiny.* (outputs, below);
  clip_tiny.pth, an OpenAI CLIP (vision 64 wide at 32 px, patch 8; text 64 wide; embed 32) and clip.* (its encode_text).
full: XCLIPModel(XCLIPConfig()) — base-patch32, 8 frames, transformers' own initialisation — saved to full/ and
  full.* on one video of 8 frames and the first 8 names.
Outputs: ids, pixels, vision.pooler (B·T, D), vision.last_hidden (B·T, L, D), frame_embeds (B, T, P), mit (B, P,
  not normalised), video_embeds (normalised), text (K, P, get_text_features), text_embeds (B, K, P, prompted and
  normalised), logits_per_video (B, K).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clip_fixtures import Arrays, class_names, perturb, token_ids, tokenizer, wheel_module  # noqa: E402
from transformers import XCLIPConfig, XCLIPModel  # noqa: E402

out, wheel, vocab, repo, frames_path = sys.argv[1:6]
count, size = int(sys.argv[6]), int(sys.argv[7])
full = len(sys.argv) > 8 and sys.argv[8] == "full"
torch.set_num_threads(2 if full else 1)
IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
CLIP_STATS = ([0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711])

tok = tokenizer(wheel, vocab)
names = class_names(repo)
frames = torch.from_numpy(np.fromfile(frames_path, dtype=np.uint8).reshape(count, size, size, 3).copy())


def normalised(stats):
    mean, std = (torch.tensor(v).view(1, 3, 1, 1) for v in stats)
    return (frames.permute(0, 3, 1, 2).float() / 255 - mean) / std


def references(model, ids, pixels, name):
    with torch.no_grad():
        o = model(input_ids=ids, pixel_values=pixels)
        b, t = pixels.shape[:2]
        arrays = Arrays()
        arrays.put("ids", ids)
        arrays.put("vision.pooler", o.vision_model_output.pooler_output)
        arrays.put("vision.last_hidden", o.vision_model_output.last_hidden_state)
        arrays.put("frame_embeds", model.visual_projection(o.vision_model_output.pooler_output).view(b, t, -1))
        arrays.put("mit", o.mit_output.pooler_output)
        arrays.put("video_embeds", o.video_embeds)
        arrays.put("text", model.get_text_features(input_ids=ids))
        arrays.put("text_embeds", o.text_embeds)
        arrays.put("logits_per_video", o.logits_per_video)
        arrays.write(f"{out}/{name}")


def videox(state):
    """transformers' XCLIPModel state dict → VideoX's names and layout (the inverse of transformers' conversion)."""
    whole = {"text_model.embeddings.token_embedding.weight": "token_embedding.weight",
             "text_model.embeddings.position_embedding.weight": "positional_embedding",
             "vision_model.embeddings.class_embedding": "visual.class_embedding",
             "vision_model.embeddings.patch_embedding.weight": "visual.conv1.weight",
             "vision_model.embeddings.position_embedding.weight": "visual.positional_embedding",
             "prompts_visual_projection": "prompts_visual_proj", "mit.position_embedding": "mit.positional_embedding"}
    prefixes = [("text_model.final_layer_norm.", "ln_final."), ("vision_model.pre_layernorm.", "visual.ln_pre."),
                ("vision_model.post_layernorm.", "visual.ln_post."), ("prompts_visual_layernorm.", "prompts_visual_ln."),
                ("prompts_generator.layernorm.", "prompts_generator.norm."),
                ("text_model.encoder.layers.", "transformer.resblocks."),
                ("vision_model.encoder.layers.", "visual.transformer.resblocks."), ("mit.encoder.layers.", "mit.resblocks.")]
    inner = [("self_attn.out_proj.", "attn.out_proj."), ("layer_norm1.", "ln_1."), ("layer_norm2.", "ln_2."),
             ("mlp.fc1.", "mlp.c_fc."), ("mlp.fc2.", "mlp.c_proj.")]
    out_state, packed = {}, {}
    for key, value in state.items():
        if key in ("text_projection.weight", "visual_projection.weight"):
            out_state["text_projection" if key.startswith("text") else "visual.proj"] = value.t().contiguous()
            continue
        if key in whole:
            out_state[whole[key]] = value
            continue
        name = key
        for a, b in prefixes:
            if name.startswith(a):
                name = b + name[len(a):]
                break
        for attention, target in (("self_attn", "attn"), ("message_attn", "message_attn")):
            for part in "qkv":
                marker = f".{attention}.{part}_proj."
                if marker in name and "resblocks" in name:
                    head, kind = name.split(marker)
                    packed.setdefault(f"{head}.{target}.in_proj_{kind}", {})[part] = value
                    name = None
                    break
            if name is None:
                break
        if name is None:
            continue
        for a, b in inner:
            name = name.replace("." + a, "." + b)
        out_state[name] = value
    for key, parts in packed.items():
        out_state[key] = torch.cat([parts["q"], parts["k"], parts["v"]], dim=0)
    return out_state


def write_preprocessor(folder, stats):
    with open(f"{folder}/preprocessor_config.json", "w") as f:
        json.dump({"feature_extractor_type": "VideoMAEFeatureExtractor", "image_mean": stats[0], "image_std": stats[1],
                   "size": {"shortest_edge": size}, "crop_size": {"height": size, "width": size}}, f)


if full:
    torch.manual_seed(3)
    model = XCLIPModel(XCLIPConfig()).eval()
    print("parameters", sum(p.numel() for p in model.parameters()))
    model.save_pretrained(f"{out}/full")
    write_preprocessor(f"{out}/full", IMAGENET)
    references(model, token_ids(tok, names[:8]), normalised(IMAGENET).view(1, 8, 3, size, size), "full")
    sys.exit(0)

config = XCLIPConfig(
    text_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4),
    vision_config=dict(hidden_size=48, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4, image_size=32,
                       patch_size=8, num_frames=4, mit_hidden_size=16, mit_intermediate_size=32, mit_num_hidden_layers=1,
                       mit_num_attention_heads=2),
    projection_dim=16, prompt_num_attention_heads=2)
torch.manual_seed(11)
model = XCLIPModel(config).eval()
generator = torch.Generator().manual_seed(11)
with torch.no_grad():
    for name, p in model.named_parameters():
        if name == "logit_scale":
            continue
        if p.dim() >= 2:
            p.copy_(torch.randn(p.shape, generator=generator) * (p.numel() // p.shape[0]) ** -0.5)
        elif name.endswith("alpha"):
            p.copy_(0.1 + 0.05 * torch.randn(p.shape, generator=generator))
        elif "norm" in name and name.endswith("weight"):
            p.copy_(1 + 0.1 * torch.randn(p.shape, generator=generator))
        else:
            p.copy_(0.1 * torch.randn(p.shape, generator=generator))
model.save_pretrained(f"{out}/hf")
write_preprocessor(f"{out}/hf", IMAGENET)
model.save_pretrained(f"{out}/hf_bin", safe_serialization=False)
write_preprocessor(f"{out}/hf_bin", CLIP_STATS)
optimizer = {"state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.zeros(4)}}, "param_groups": [{"lr": 8e-6}]}
torch.save({"model": videox(model.state_dict()), "optimizer": optimizer, "epoch": 29, "max_accuracy": 80.4}, f"{out}/videox.pth")
ids = token_ids(tok, names[:6])
references(model, ids, normalised(IMAGENET).view(count // 4, 4, 3, size, size), "tiny")

clip = wheel_module(wheel, "clip/model.py")
torch.manual_seed(12)
clip_model = clip.CLIP(32, 32, 2, 64, 8, 77, 49408, 64, 1, 2).eval()
perturb(clip_model, 12)
torch.save(clip_model.state_dict(), f"{out}/clip_tiny.pth")
arrays = Arrays()
with torch.no_grad():
    arrays.put("text", clip_model.encode_text(ids))
    arrays.put("image", clip_model.encode_image(normalised(CLIP_STATS)))
arrays.write(f"{out}/clip")
