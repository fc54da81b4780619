"""PyTorch anchor for bench/tfam.sh: the same TFAM training epoch with torch.nn layers."""
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("VIMO_THREADS", os.cpu_count())))
clips = int(os.environ.get("CLIPS", "32"))
batch, frames, dim, classes = 8, 150, 512, 140
torch.manual_seed(0)


class TFAM(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerDecoderLayer(dim, 8, 2048, 0.1, batch_first=True)  # post-norm, ReLU
        self.decoder = nn.TransformerDecoder(layer, 4)
        self.head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 256), nn.GELU(), nn.Dropout(0.1), nn.Linear(256, classes))

    def forward(self, rgb, rgb_mask, motion, motion_mask):
        x = self.decoder(rgb, motion, tgt_key_padding_mask=rgb_mask, memory_key_padding_mask=motion_mask)
        valid = (~rgb_mask).float().unsqueeze(2)
        return self.head((x * valid).sum(1) / valid.sum(1).clamp(min=1))


model = TFAM().train()
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.1)
rgb, motion = torch.randn(clips, frames, dim), torch.randn(clips, frames - 1, dim)
labels = (torch.rand(clips, classes) > 0.97).float()
lengths = [frames - i % 30 for i in range(clips)]
rgb_mask = torch.stack([torch.arange(frames) >= n for n in lengths])
motion_mask = torch.stack([torch.arange(frames - 1) >= n - 1 for n in lengths])


def epoch():
    for s in range(0, clips, batch):
        e = min(s + batch, clips)
        opt.zero_grad()
        F.binary_cross_entropy_with_logits(model(rgb[s:e], rgb_mask[s:e], motion[s:e], motion_mask[s:e]), labels[s:e]).backward()
        opt.step()


epoch()
t = time.perf_counter()
epoch()
seconds = time.perf_counter() - t
print(f"python tfam_epoch {seconds:.3f} s  {clips / seconds:.2f} clips/s")
