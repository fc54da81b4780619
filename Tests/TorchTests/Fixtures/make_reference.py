"""Reference values for vimo's tensor engine, computed by PyTorch itself.

Run by the Swift tests with Debian's python3-torch:  make_reference.py OUT_DIR
Writes OUT_DIR/reference.json (names, shapes, dtypes, byte offsets) and
OUT_DIR/reference.bin (raw little-endian values). Every case is seeded.
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(49)
torch.set_num_threads(1)
out_dir = sys.argv[1]
entries, blobs, offset = {}, [], 0


def put(name, t):
    global offset
    t = t.detach().contiguous()
    dtype = {torch.float32: "f32", torch.int64: "i64", torch.bool: "bool"}[t.dtype]
    data = t.numpy().tobytes()
    entries[name] = {"shape": list(t.shape), "dtype": dtype, "offset": offset, "bytes": len(data)}
    blobs.append(data)
    offset += len(data)


def r(*shape):
    return torch.randn(*shape)


# linear / conv2d / pooling
x, w, b = r(3, 5), r(4, 5), r(4)
put("linear.x", x); put("linear.w", w); put("linear.b", b); put("linear.y", F.linear(x, w, b))
x, w, b = r(2, 3, 9, 9), r(6, 3, 3, 3), r(6)
put("conv.x", x); put("conv.w", w); put("conv.b", b)
put("conv.y", F.conv2d(x, w, b, stride=2, padding=1))
put("conv.avgpool", F.avg_pool2d(x, 2, 2))

# normalisations
x, w, b = r(2, 7, 16), r(16), r(16)
put("ln.x", x); put("ln.w", w); put("ln.b", b); put("ln.y", F.layer_norm(x, (16,), w, b, 1e-5))
x = r(4, 6, 5, 5)
bn = torch.nn.BatchNorm2d(6)
with torch.no_grad():
    bn.weight.copy_(r(6)); bn.bias.copy_(r(6))
put("bn.x", x); put("bn.w", bn.weight); put("bn.b", bn.bias)
bn.train(); put("bn.y_train", bn(x)); put("bn.running_mean", bn.running_mean); put("bn.running_var", bn.running_var)
bn.eval(); put("bn.y_eval", bn(x))
put("gn.y", F.group_norm(x, 3, bn.weight, bn.bias, 1e-5))
put("in.y", F.instance_norm(x))

# activations and softmax
x = r(3, 11) * 3
put("act.x", x)
put("act.gelu", F.gelu(x)); put("act.gelu_tanh", F.gelu(x, approximate="tanh"))
put("act.quick_gelu", x * torch.sigmoid(1.702 * x)); put("act.softmax", F.softmax(x, dim=-1))
put("act.log_softmax", F.log_softmax(x, dim=0))

# multi-head attention (batch first, key padding)
mha = torch.nn.MultiheadAttention(16, 4, batch_first=True)
with torch.no_grad():
    mha.in_proj_bias.copy_(r(48) * 0.1); mha.out_proj.bias.copy_(r(16) * 0.1)
q, kv = r(2, 5, 16), r(2, 7, 16)
pad = torch.tensor([[False] * 7, [False] * 4 + [True] * 3])
put("mha.in_proj_weight", mha.in_proj_weight); put("mha.in_proj_bias", mha.in_proj_bias)
put("mha.out_proj.weight", mha.out_proj.weight); put("mha.out_proj.bias", mha.out_proj.bias)
put("mha.q", q); put("mha.kv", kv); put("mha.pad", pad)
put("mha.y", mha(q, kv, kv, key_padding_mask=pad, need_weights=False)[0])
causal = torch.full((5, 5), float("-inf")).triu(1)  # CLIP text tower's build_attention_mask
put("mha.y_causal", mha(q, q, q, attn_mask=causal, need_weights=False)[0])

# sampling
img, grid = r(1, 2, 6, 8), torch.rand(1, 4, 5, 2) * 2.4 - 1.2
put("grid.x", img); put("grid.grid", grid)
put("grid.y", F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=False))
put("grid.y_aligned_border", F.grid_sample(img, grid, mode="bilinear", padding_mode="border", align_corners=True))
put("interp.y", F.interpolate(img, size=(9, 13), mode="bilinear", align_corners=False))
put("unfold.y", F.unfold(img, kernel_size=3, padding=1, stride=2))

# losses
logits, target = r(4, 9), (torch.rand(4, 9) > 0.7).float()
pos = torch.arange(9).float() * 0.5 + 1
put("bce.logits", logits); put("bce.target", target); put("bce.pos_weight", pos)
put("bce.mean", F.binary_cross_entropy_with_logits(logits, target, pos_weight=pos))
a, c = r(6, 12), r(6, 12)
put("cos.a", a); put("cos.b", c); put("cos.y", F.cosine_similarity(a, c, dim=1))

# AdamW: three steps with fixed gradients
p = torch.nn.Parameter(r(10))
put("adamw.p0", p)
grads = [r(10) for _ in range(3)]
opt = torch.optim.AdamW([p], lr=0.01, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.1)
for i, g in enumerate(grads):
    put(f"adamw.g{i}", g)
    p.grad = g.clone()
    opt.step()
put("adamw.p3", p)

with open(f"{out_dir}/reference.bin", "wb") as f:
    for blob in blobs:
        f.write(blob)
with open(f"{out_dir}/reference.json", "w") as f:
    json.dump({"torch": torch.__version__, "entries": entries}, f)
