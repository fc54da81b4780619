"""torchvision anchor for bench/flow.sh: per-pair RAFT on 224² frames, batch = PAIRS."""
import os
import time

import torch
from torchvision.models.optical_flow import raft_large, raft_small

torch.set_num_threads(int(os.environ.get("VIMO_THREADS", os.cpu_count())))
pairs = int(os.environ.get("PAIRS", "8"))
iters = int(os.environ.get("ITERS", "12"))
repeats = int(os.environ.get("REPEAT", "2"))
torch.manual_seed(0)
images = torch.rand(pairs + 1, 3, 224, 224) * 2 - 1
for name, build in (("large", raft_large), ("small", raft_small)):
    model = build(weights=None).eval()
    with torch.no_grad():
        model(images[:1], images[1:2], num_flow_updates=1)
        best = min(
            (lambda t0: (model(images[:-1], images[1:], num_flow_updates=iters), time.perf_counter() - t0)[1])(time.perf_counter())
            for _ in range(repeats))
    print(f"python raft_{name} {pairs / best:.3f} pairs/s")
