"""torchvision RAFT reference for vimo's Swift RAFT (Debian python3-torchvision).

usage: make_raft_reference.py OUT_DIR FRAMES.u8 T H W
FRAMES.u8 holds T uint8 RGB frames (T, H, W, 3). For raft_large and raft_small with
seeded random weights, writes OUT_DIR/raft_<variant>.{json,bin} with every state-dict
tensor and the flow torchvision computes for each consecutive pair (12 updates), plus
the state dict as OUT_DIR/raft_<variant>.pth (a plain torch.save of an OrderedDict).
"""
import json
import sys

import numpy as np
import torch
from torchvision.models.optical_flow import raft_large, raft_small

out_dir, frames_path = sys.argv[1], sys.argv[2]
t, h, w = (int(v) for v in sys.argv[3:6])
torch.set_num_threads(1)
frames = torch.from_numpy(np.fromfile(frames_path, dtype=np.uint8).reshape(t, h, w, 3).copy())
# torchvision's OpticalFlow preset: [0, 1] floats, then normalize(0.5, 0.5) → [-1, 1]
images = (frames.permute(0, 3, 1, 2).float() / 255 - 0.5) / 0.5

for variant, build in (("large", raft_large), ("small", raft_small)):
    torch.manual_seed(49)
    model = build(weights=None).eval()
    entries, blobs, offset = {}, [], 0

    def put(name, tensor):
        global offset
        tensor = tensor.detach().contiguous()
        kind = {torch.float32: "f32", torch.int64: "i64"}[tensor.dtype]
        data = tensor.numpy().tobytes()
        entries[name] = {"shape": list(tensor.shape), "dtype": kind, "offset": offset, "bytes": len(data)}
        blobs.append(data)
        offset += len(data)

    for name, tensor in model.state_dict().items():
        put("weights/" + name, tensor)
    with torch.no_grad():
        flows = model(images[:-1], images[1:], num_flow_updates=12)[-1]
    put("flow", flows)
    torch.save(model.state_dict(), f"{out_dir}/raft_{variant}.pth")
    with open(f"{out_dir}/raft_{variant}.bin", "wb") as f:
        for blob in blobs:
            f.write(blob)
    with open(f"{out_dir}/raft_{variant}.json", "w") as f:
        json.dump({"entries": entries}, f)
