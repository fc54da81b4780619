"""PyTorch anchor for bench/torch.sh: the same networks as bench/TorchBench/main.swift."""
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("VIMO_THREADS", os.cpu_count())))
repeats = int(os.environ.get("REPEAT", "5"))
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, dim, heads, hidden, quick):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.c_fc, self.c_proj = nn.Linear(dim, hidden), nn.Linear(hidden, dim)
        self.quick = quick

    def forward(self, x):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        m = self.c_fc(self.ln_2(x))
        return x + self.c_proj(m * torch.sigmoid(1.702 * m) if self.quick else F.gelu(m))


class VisionTransformer(nn.Module):
    def __init__(self, width=768, layers=12, heads=12, patch=32, output=512):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(width))
        self.positional_embedding = nn.Parameter(torch.randn((224 // patch) ** 2 + 1, width))
        self.ln_pre, self.ln_post = nn.LayerNorm(width), nn.LayerNorm(width)
        self.blocks = nn.ModuleList([Block(width, heads, 4 * width, True) for _ in range(layers)])
        self.proj = nn.Parameter(torch.randn(width, output))

    def forward(self, images):
        x = self.conv1(images).flatten(2).transpose(1, 2)
        cls = self.class_embedding.reshape(1, 1, -1).expand(x.shape[0], 1, -1)
        x = self.ln_pre(torch.cat([cls, x], 1) + self.positional_embedding)
        for b in self.blocks:
            x = b(x)
        return self.ln_post(x[:, 0]) @ self.proj


def seconds(f):
    t = time.perf_counter(); f(); return time.perf_counter() - t


vit = VisionTransformer().eval()
images = torch.randn(16, 3, 224, 224)
with torch.no_grad():
    vit(images)
    forward = min(seconds(lambda: vit(images).numpy()) for _ in range(repeats))

encoder = nn.ModuleList([Block(256, 8, 1024, False) for _ in range(4)])
head = nn.Linear(256, 140)
opt = torch.optim.AdamW(list(encoder.parameters()) + list(head.parameters()), lr=1e-4, weight_decay=0.1)
tokens, targets = torch.randn(8, 150, 256), (torch.rand(8, 140) > 0.9).float()


def step():
    opt.zero_grad()
    x = tokens
    for b in encoder:
        x = b(x)
    F.binary_cross_entropy_with_logits(head(x.mean(1)), targets).backward()
    opt.step()


step()
train = min(seconds(step) for _ in range(repeats))
print(f"python vit_b32_forward_batch16 {forward:.4f} s  {16 / forward:.2f} img/s")
print(f"python transformer4_d256_train_step {train:.4f} s")
print(f"threads {torch.get_num_threads()} torch {torch.__version__}")
