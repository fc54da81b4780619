"""OpenAI CLIP image-encoder reference for vimo's CLIPVision (model code from the clip-anytorch wheel).

usage: make_clip_reference.py OUT_DIR CLIP_WHEEL FRAMES.u8 N
Loads clip/model.py straight from the wheel (no install), builds seeded VisionTransformers
(tiny: patch 32, and patch 16), runs them on the N real 224x224 frames with CLIP's
normalisation, and writes for each: <name>.pth (bare state dict), <name>_openai.pth (keys
under visual.*, as in a full CLIP state dict), <name>_scripted.pt (TorchScript archive, traced as OpenAI's are),
<name>_hf.pth (Hugging Face CLIPVisionModelWithProjection names) and <name>.{json,bin}
(the embeddings).
"""
import json
import sys
import types
import zipfile

import numpy as np
import torch

out_dir, wheel, frames_path, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
source = zipfile.ZipFile(wheel).read("clip/model.py").decode()
clip_model = types.ModuleType("clip_model")
exec(compile(source, "clip/model.py", "exec"), clip_model.__dict__)
torch.set_num_threads(1)

frames = torch.from_numpy(np.fromfile(frames_path, dtype=np.uint8).reshape(n, 224, 224, 3).copy())
mean = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(1, 3, 1, 1)
std = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(1, 3, 1, 1)
images = (frames.permute(0, 3, 1, 2).float() / 255 - mean) / std


def hugging_face(state):
    out = {"vision_model.embeddings.patch_embedding.weight": state["conv1.weight"],
           "vision_model.embeddings.class_embedding": state["class_embedding"],
           "vision_model.embeddings.position_embedding.weight": state["positional_embedding"],
           "vision_model.pre_layrnorm.weight": state["ln_pre.weight"], "vision_model.pre_layrnorm.bias": state["ln_pre.bias"],
           "vision_model.post_layernorm.weight": state["ln_post.weight"], "vision_model.post_layernorm.bias": state["ln_post.bias"],
           "visual_projection.weight": state["proj"].t().contiguous()}
    layer = 0
    while f"transformer.resblocks.{layer}.ln_1.weight" in state:
        o, h = f"transformer.resblocks.{layer}.", f"vision_model.encoder.layers.{layer}."
        for part, chunk in zip("qkv", state[o + "attn.in_proj_weight"].chunk(3)):
            out[h + f"self_attn.{part}_proj.weight"] = chunk.clone()
        for part, chunk in zip("qkv", state[o + "attn.in_proj_bias"].chunk(3)):
            out[h + f"self_attn.{part}_proj.bias"] = chunk.clone()
        for a, b in (("attn.out_proj", "self_attn.out_proj"), ("ln_1", "layer_norm1"), ("ln_2", "layer_norm2"),
                     ("mlp.c_fc", "mlp.fc1"), ("mlp.c_proj", "mlp.fc2")):
            out[h + b + ".weight"] = state[o + a + ".weight"]
            out[h + b + ".bias"] = state[o + a + ".bias"]
        layer += 1
    return out


for name, patch in (("tiny", 32), ("patch16", 16)):
    torch.manual_seed(49)
    model = clip_model.VisionTransformer(input_resolution=224, patch_size=patch, width=64, layers=2, heads=2, output_dim=32).eval()
    with torch.no_grad():
        embeddings = model(images).contiguous()
    state = model.state_dict()
    torch.save(state, f"{out_dir}/{name}.pth")
    torch.save({"visual." + k: v for k, v in state.items()}, f"{out_dir}/{name}_openai.pth")
    torch.save(hugging_face(state), f"{out_dir}/{name}_hf.pth")
    torch.jit.save(torch.jit.trace(model, images[:1]), f"{out_dir}/{name}_scripted.pt")  # OpenAI .pt files are traced
    data = embeddings.numpy().tobytes()
    with open(f"{out_dir}/{name}.bin", "wb") as f:
        f.write(data)
    with open(f"{out_dir}/{name}.json", "w") as f:
        json.dump({"entries": {"embeddings": {"shape": list(embeddings.shape), "dtype": "f32", "offset": 0, "bytes": len(data)}}}, f)
