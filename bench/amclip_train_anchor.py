"""The anchor of bench/amclip.sh's training epoch (issue 15, part b): one epoch of AnimalMotionCLIP with
transformers 4.49's XCLIPModel (data/.venv-ref, on Debian's torch 1.13: the libtorch vimo links), fed the way
published video-CLIP trainers feed themselves — bench/amclip_anchor.py's DataLoader, which decodes each video's
mp4 and its colour-coded flow mp4 every epoch.

Everything vimo-amclip train fixes is taken from the plan `vimo-bench-amclip train-plan` writes: the training
videos in vimo's epoch-0 order, their sampled indices and flips, labels, the validation videos' test-time clips,
the prompts' token ids (the 140 class names, vimo's tokenizer), the X-CLIP shape (tiny-112 with 2P frames), the
learning rate. The model is vimo's MotionClassifier written with transformers' modules: X-CLIP's cosine of the
video embedding and the prompt-conditioned text embeddings, an affine head per class z = s·cos + b (s = 10, b =
the logit of the class's training frequency), BCE over (B, M, K), AdamW (0.9, 0.98), eps 1e-8, the vision tower
(vision_model, visual_projection) at lr and the modules X-CLIP adds (message_*, mit, prompts_*) and the head at
10 × lr, weight decay on matrices only; the text tower and logit_scale frozen (requires_grad off). After the epoch
the validation videos are scored without gradients and the weights + optimiser state are saved (vimo writes
best.* and last.*).

TEXT=per-step (default): every step calls XCLIPModel(input_ids=ids, pixel_values=…), as its API asks, so the
frozen text tower runs forward over all K × 77 positions each step (no backward: nothing in it needs a gradient).
TEXT=once: the K text embeddings are computed once before the epoch (get_text_features) and the rest of
XCLIPModel.forward is done by hand — what vimo does.

Times: data = waiting for the DataLoader (its 2 workers decode ahead while the model runs), model = forward +
loss + backward + AdamW step, validation (data and model), text (TEXT=once: the one pass), setup (model and
optimiser construction), epoch = from the DataLoader's creation to the end of the saved checkpoint. PRELOAD=1
decodes every training batch before the first step (data then is that, model is the model's time with no worker
decoding beside it: for where the time goes, not for the comparison). Prints one JSON line.

usage: python amclip_train_anchor.py PLAN.json VIDEO_DIR FLOW_VIDEO_DIR OUT_DIR
"""
import json
import math
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from transformers import XCLIPConfig, XCLIPModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from amclip_anchor import Clips, one_thread  # noqa: E402


class Labelled(Clips):
    """bench/amclip_anchor.py's clips with the video's multi-hot labels."""

    def __getitem__(self, i):
        return super().__getitem__(i), torch.tensor(self.items[i]["labels"], dtype=torch.float32)


def xclip_config(c):
    """transformers' XCLIPConfig of vimo's XCLIP.Config (as the plan writes it)."""
    t, v, mit, prompt = c["text"], c["vision"], c["mit"], c["prompt"]
    return XCLIPConfig(
        text_config=dict(vocab_size=t["vocabulary"], max_position_embeddings=t["context"], hidden_size=t["width"],
                         intermediate_size=t["hidden"], num_hidden_layers=t["layers"], num_attention_heads=t["heads"]),
        vision_config=dict(hidden_size=v["width"], intermediate_size=v["hidden"], num_hidden_layers=v["layers"],
                           num_attention_heads=v["heads"], image_size=v["resolution"], patch_size=v["patch"],
                           num_frames=c["frames"], mit_hidden_size=c["projection"], mit_intermediate_size=mit["hidden"],
                           mit_num_hidden_layers=mit["layers"], mit_num_attention_heads=mit["heads"]),
        projection_dim=c["projection"], prompt_layers=prompt["layers"], prompt_num_attention_heads=prompt["heads"],
        prompt_alpha=prompt["alpha"], logit_scale_init_value=c["logit_scale"])


def cosine_per_step(model, ids, pixels):
    """XCLIPModel(input_ids, pixel_values): text tower included. Returns cos (N, K)."""
    out = model(input_ids=ids, pixel_values=pixels)
    return torch.einsum("bd,bkd->bk", out.video_embeds, out.text_embeds)


def cosine_cached(model, text, pixels):
    """XCLIPModel.forward's video side with the text embeddings (K, P) given."""
    b, t, c, h, w = pixels.shape
    vision = model.vision_model(pixel_values=pixels.reshape(-1, c, h, w))
    video = model.mit(model.visual_projection(vision[1]).view(b, t, -1))[1]
    img = model.prompts_visual_layernorm(vision[0][:, 1:, :]) @ model.prompts_visual_projection
    img = img.view(b, t, -1, video.shape[-1]).mean(dim=1)
    text = text.unsqueeze(0).expand(b, -1, -1)
    text = text + model.prompts_generator(text, img)
    video = video / video.norm(p=2, dim=-1, keepdim=True)
    text = text / text.norm(p=2, dim=-1, keepdim=True)
    return torch.einsum("bd,bkd->bk", video, text)


def main():
    plan_path, videos, flows, out = sys.argv[1:5]
    text_mode = os.environ.get("TEXT", "per-step")
    assert text_mode in ("per-step", "once"), text_mode
    with open(plan_path) as f:
        plan = json.load(f)
    threads = int(os.environ.get("VIMO_THREADS", os.cpu_count()))
    torch.set_num_threads(threads)
    torch.manual_seed(1)

    setup_start = time.perf_counter()
    model = XCLIPModel(xclip_config(plan["config"]))
    ids = torch.tensor(plan["input_ids"], dtype=torch.long)
    k = ids.shape[0]
    items = plan["videos"]
    prior = [sum(item["labels"][c] for item in items) / max(1, len(items)) for c in range(k)]
    head_scale = torch.nn.Parameter(torch.full((k,), float(plan["head_scale"])))
    head_bias = torch.nn.Parameter(torch.tensor([math.log(q / (1 - q)) for q in (min(max(p, 1e-4), 1 - 1e-4) for p in prior)]))
    parameters = sum(p.numel() for p in model.parameters()) + 2 * k
    assert parameters == plan["parameters"], f"different models: transformers {parameters}, vimo {plan['parameters']} parameters"
    groups = [[], [], [], []]  # vision decayed / not, new decayed / not
    for name, p in model.named_parameters():
        new = name.startswith(("mit.", "prompts_")) or ".message_" in name
        if not (new or name.startswith(("vision_model.", "visual_projection."))):
            p.requires_grad_(False)  # text tower, text projection, logit_scale
            continue
        decays = p.dim() > 1 and not name.endswith(".bias") and "position_embedding" not in name and "class_embedding" not in name
        groups[(2 if new else 0) + (0 if decays else 1)].append(p)
    groups[3] += [head_scale, head_bias]
    lr, scale, decay = plan["lr"], plan["new_lr_scale"], plan["weight_decay"]
    optimizer = torch.optim.AdamW(
        [dict(params=g, lr=lr * s, weight_decay=d) for g, s, d in zip(groups, (1, 1, scale, scale), (decay, 0, decay, 0)) if g],
        lr=lr, betas=(0.9, 0.98), eps=1e-8)
    trainable = sum(p.numel() for g in groups for p in g)
    setup = time.perf_counter() - setup_start

    text_s, text = 0.0, None
    if text_mode == "once":
        start = time.perf_counter()
        with torch.no_grad():
            text = model.get_text_features(input_ids=ids)
        text_s = time.perf_counter() - start

    def logits(x):
        b, m = x.shape[:2]
        pixels = x.reshape(b * m, *x.shape[2:])
        cos = cosine_per_step(model, ids, pixels) if text is None else cosine_cached(model, text, pixels)
        return (cos * head_scale + head_bias).view(b, m, k)

    epoch_start = time.perf_counter()
    loader = DataLoader(Labelled(plan, videos, flows, 0), batch_size=plan["batch"], shuffle=False,
                        num_workers=plan["workers"], worker_init_fn=one_thread)
    data = model_s = total = 0.0
    steps = 0
    model.train()
    batches = iter(loader)
    if os.environ.get("PRELOAD") == "1":  # every batch decoded first: the model's time without the workers beside it
        batches = iter(list(batches))
        data += time.perf_counter() - epoch_start
    while True:
        start = time.perf_counter()
        try:
            x, y = next(batches)
        except StopIteration:
            data += time.perf_counter() - start
            break
        middle = time.perf_counter()
        data += middle - start
        optimizer.zero_grad(set_to_none=True)
        z = logits(x)
        loss = F.binary_cross_entropy_with_logits(z, y.unsqueeze(1).expand_as(z))
        loss.backward()
        optimizer.step()
        total += loss.item() * x.shape[0]
        model_s += time.perf_counter() - middle
        steps += 1
    train_s = time.perf_counter() - epoch_start

    model.eval()
    validation = plan["validation"]  # test-time clips, no flip: epoch 0 of their entries
    val_data = val_model = val_loss = 0.0
    val_start = time.perf_counter()
    if validation:
        val_plan = dict(plan, videos=validation)
        batches = iter(DataLoader(Labelled(val_plan, videos, flows, 0), batch_size=8, shuffle=False,
                                  num_workers=plan["workers"], worker_init_fn=one_thread))
        with torch.no_grad():
            while True:
                start = time.perf_counter()
                try:
                    x, y = next(batches)
                except StopIteration:
                    val_data += time.perf_counter() - start
                    break
                middle = time.perf_counter()
                val_data += middle - start
                z = logits(x)
                val_loss += F.binary_cross_entropy_with_logits(z, y.unsqueeze(1).expand_as(z)).item() * x.shape[0]
                torch.sigmoid(z).mean(1)
                val_model += time.perf_counter() - middle
    validation_s = time.perf_counter() - val_start
    os.makedirs(out, exist_ok=True)
    start = time.perf_counter()
    torch.save({"model": model.state_dict(), "head": [head_scale, head_bias], "optimizer": optimizer.state_dict()}, f"{out}/last.pt")
    save_s = time.perf_counter() - start
    epoch_s = time.perf_counter() - epoch_start
    print(json.dumps({"side": "anchor", "model": "transformers XCLIPModel", "text": text_mode, "videos": len(items),
                      "validation_videos": len(validation), "steps": steps, "parameters": parameters, "trainable": trainable,
                      "setup_s": setup, "text_s": text_s, "data_s": data, "model_s": model_s, "train_s": train_s,
                      "validation_data_s": val_data, "validation_model_s": val_model, "validation_s": validation_s,
                      "save_s": save_s, "epoch_s": epoch_s, "train_loss": total / max(1, len(items)),
                      "validation_loss": val_loss / max(1, len(validation)), "threads": threads, "workers": plan["workers"],
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
