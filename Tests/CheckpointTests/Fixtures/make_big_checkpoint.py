#!/usr/bin/python3
"""Writes a > 4 GiB torch.save checkpoint (real ZIP64 from PyTorch's writer) for a manual check; never committed.

    /usr/bin/python3 make_big_checkpoint.py /tmp/vimo-big.pth
    VIMO_CHECKPOINT_BIG_TORCH=/tmp/vimo-big.pth swift test -c release --filter LargeFileTests

"big" holds 1.1e9 float32 values (4.4 GB, one storage past the 32-bit size limit) with value i % 251 at index i;
"after" is stored behind it (its local header offset is past 4 GiB) and holds [1.5, -2.5, 3.25].
"""
import sys

import torch

path = sys.argv[1]
count = 1_100_000_000
big = (torch.arange(count, dtype=torch.int64) % 251).to(torch.float32)
torch.save({"big": big, "after": torch.tensor([1.5, -2.5, 3.25])}, path)
print(f"wrote {path}")
