"""The anchor of bench/amclip.sh: AnimalMotionCLIP's input pipeline the way published video-CLIP trainers feed
themselves — a PyTorch Dataset that decodes each video's mp4 every epoch (torchvision.io.VideoReader, the
FFmpeg-based reader in Debian's python3-torchvision; torchvision.io.read_video needs PyAV, which Debian's
python3-torch set-up does not have) and reads flow as ViMoCLIP stores it, as a colour-coded flow mp4 decoded
every epoch. Same sampled frames as vimo (the plan vimo-bench-amclip writes), same work per video: the M
classifiers' clips [I_s1, F_s1, …], resized to the plan's resolution (bilinear) when the images differ from it,
ImageNet-normalised, mirrored when the plan says (the colour-coded flow image can only be mirrored: its u cannot
be negated), batched by a DataLoader with WORKERS worker processes, one torch thread each. Prints one JSON line.

usage: python3 amclip_anchor.py PLAN.json VIDEO_DIR FLOW_VIDEO_DIR [DUMP]
"""
import json
import sys
import time

import torch
import torch.nn.functional as F
import torchvision
from torch.utils.data import DataLoader, Dataset

torchvision.set_video_backend("video_reader")


def decode(path, wanted):
    """Frames `wanted` (numbers in decode order) of the mp4 at `path`, as {number: (3, H, W) uint8}."""
    last = max(wanted)
    frames = {}
    reader = torchvision.io.VideoReader(path, "video")
    for number, frame in enumerate(reader):
        if number in wanted:
            frames[number] = frame["data"]
        if number >= last:
            break
    return frames


class Clips(Dataset):
    def __init__(self, plan, videos, flows, epoch):
        self.items, self.videos, self.flows, self.epoch = plan["videos"], videos, flows, epoch
        self.mean = torch.tensor(plan["mean"], dtype=torch.float32).view(1, 3, 1, 1)
        self.std = torch.tensor(plan["std"], dtype=torch.float32).view(1, 3, 1, 1)
        self.size = plan["resolution"]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        item = self.items[i]
        clips = item["clips"][self.epoch]
        fields = sorted({s for clip in clips for s in clip})
        numbers = {s: item["frame_index"][s] for s in fields}
        rgb = decode(f"{self.videos}/{item['id']}.mp4", set(numbers.values()))
        flow = decode(f"{self.flows}/{item['id']}.mp4", set(fields))
        order = sorted(rgb)
        frames = torch.stack([rgb[n] for n in order]).float() / 255
        if frames.shape[-2:] != (self.size, self.size):
            frames = F.interpolate(frames, size=(self.size, self.size), mode="bilinear", align_corners=False)
        frames = dict(zip(order, frames))
        colours = {s: image.float() / 255 for s, image in flow.items()}
        if next(iter(flow.values())).shape[-2:] != (self.size, self.size):  # a model smaller than the cache (training)
            fields = sorted(flow)
            resized = F.interpolate(torch.stack([colours[s] for s in fields]), size=(self.size, self.size), mode="bilinear", align_corners=False)
            colours = dict(zip(fields, resized))
        images = []
        for clip in clips:
            for s in clip:
                images += [frames[numbers[s]], colours[s]]
        x = (torch.stack(images) - self.mean) / self.std
        if item["flips"][self.epoch]:
            x = torch.flip(x, dims=[-1])
        return x.view(len(clips), -1, 3, self.size, self.size)


def one_thread(_):
    torch.set_num_threads(1)


def main():
    plan_path, videos, flows = sys.argv[1:4]
    with open(plan_path) as f:
        plan = json.load(f)
    torch.set_num_threads(1)
    if len(sys.argv) > 4:
        with open(sys.argv[4], "wb") as f:
            f.write(Clips(plan, videos, flows, 0)[0].contiguous().numpy().tobytes())
    count, batches = len(plan["videos"]), 0
    start = time.perf_counter()
    for epoch in range(plan["epochs"]):
        loader = DataLoader(Clips(plan, videos, flows, epoch), batch_size=plan["batch"], shuffle=False,
                            num_workers=plan["workers"], worker_init_fn=one_thread)
        for batch in loader:
            assert batch.shape[1:] == (plan["classifiers"], 2 * plan["indices"], 3, plan["resolution"], plan["resolution"]), batch.shape
            batches += 1
    seconds = time.perf_counter() - start
    print(json.dumps({"side": "anchor", "decoder": "torchvision.io.VideoReader (video_reader)", "videos": count,
                      "epochs": plan["epochs"], "batches": batches, "seconds": seconds,
                      "videos_per_s": count * plan["epochs"] / seconds, "workers": plan["workers"]}))


if __name__ == "__main__":
    main()
