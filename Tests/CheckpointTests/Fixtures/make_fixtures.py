#!/usr/bin/python3
"""Regenerates the checkpoint fixtures of CheckpointsTests and expected.json.

Run with Debian's python3 and python3-torch (`apt-get install python3-torch`):

    /usr/bin/python3 Tests/CheckpointsTests/Fixtures/make_fixtures.py

Everything is seeded, small (the folder stays well under 200 KB) and committed. expected.json lists, for every
tensor of every fixture, its name, dtype, shape, exact values (floats as float64: f16/bf16 are exactly
representable, so comparing float64 bit patterns is exact and sign-of-zero aware), so the Swift readers are
compared exactly.
"""

import json
import math
import os
import struct
from collections import OrderedDict

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(20240607)

DTYPES = {
    torch.float64: "f64", torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16",
    torch.int64: "i64", torch.int32: "i32", torch.int16: "i16", torch.int8: "i8",
    torch.uint8: "u8", torch.bool: "bool",
}
SAFETENSORS_NAMES = {
    "f64": "F64", "f32": "F32", "f16": "F16", "bf16": "BF16", "i64": "I64", "i32": "I32",
    "i16": "I16", "i8": "I8", "u8": "U8", "bool": "BOOL",
}


def raw_bytes(tensor):
    """Contiguous little-endian bytes of a tensor (this machine is little-endian)."""
    flat = tensor.detach().contiguous().reshape(-1)
    return flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""


def describe(name, tensor):
    tensor = tensor.detach()
    dtype = DTYPES[tensor.dtype]
    if tensor.dtype.is_floating_point:
        # JSON has no infinities (attn_mask is -inf above the diagonal): those become strings.
        values = [v if math.isfinite(v) else repr(v) for v in tensor.double().reshape(-1).tolist()]
    else:
        values = tensor.to(torch.int64).reshape(-1).tolist()
    return {"name": name, "dtype": dtype, "shape": list(tensor.shape), "values": values}


# ---------------------------------------------------------------------------------------------------------------
# 1. A state_dict (an OrderedDict) covering the layers and storage layouts real checkpoints have.

class Zoo(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)
        self.conv = nn.Conv2d(2, 3, 3)
        self.ln = nn.LayerNorm(4)
        self.bn = nn.BatchNorm2d(3)
        self.attn = nn.MultiheadAttention(8, 2)   # packed in_proj_weight / in_proj_bias
        self.f16 = nn.Parameter(torch.randn(3, 2).half())
        self.bf16 = nn.Parameter(torch.randn(2, 3).bfloat16())
        self.register_buffer("mask", torch.rand(5) > 0.5)
        # A transposed (non-contiguous) view: stride (1, 5) into a 3×5 storage.
        self.register_buffer("transposed", torch.randn(3, 5).t())
        # Three views of one storage at different offsets, one of them strided.
        base = torch.arange(12, dtype=torch.float32) * 0.25
        self.register_buffer("shared_a", base[:4])
        self.register_buffer("shared_b", base[4:10].view(2, 3))
        self.register_buffer("shared_c", base[1::3])
        self.register_buffer("f64", torch.randn(2, 2, dtype=torch.float64))
        self.register_buffer("i32", torch.tensor([-7, 0, 2**31 - 1], dtype=torch.int32))
        self.register_buffer("i16", torch.tensor([[-300], [299]], dtype=torch.int16))
        self.register_buffer("i8", torch.tensor([-128, 5, 127], dtype=torch.int8))
        self.register_buffer("u8", torch.tensor([0, 200, 255], dtype=torch.uint8))
        self.register_buffer("big", torch.tensor([2**40 + 1, -(2**52) - 3], dtype=torch.int64))
        self.register_buffer("scalar", torch.tensor(4.605170249938965))
        self.register_buffer("empty", torch.zeros(0, 3))


zoo = Zoo()
with torch.no_grad():
    zoo.bn(torch.randn(4, 3, 5, 5))             # running statistics that are not 0 and 1
zoo.bn.num_batches_tracked.fill_(5)
zoo.eval()
state = zoo.state_dict()
assert isinstance(state, OrderedDict)
assert not state["transposed"].is_contiguous()
assert state["shared_b"].storage_offset() == 4 and state["shared_c"].stride() == (3,)
torch.save(state, os.path.join(HERE, "state_dict.pth"))

# 2. A training checkpoint: the state_dict nested under "model", plus scalars.
torch.save({"model": state, "epoch": 7, "note": "x"}, os.path.join(HERE, "checkpoint_dict.pth"))

# 3. A plain dict: a transposed tensor saved directly, nesting, a list, and views of one storage.
grid = torch.randn(4, 6)
plain = {
    "transposed": grid.t(),
    "rows": grid[1:3],
    "nested": {"column": grid[:, 2], "list": [torch.tensor([1, 2, 3]), torch.tensor([True, False])]},
}
torch.save(plain, os.path.join(HERE, "plain_dict.pth"))

# 3b. The same plain dict pickled with protocol 4 (FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL).
torch.save(plain, os.path.join(HERE, "protocol4.pth"), pickle_protocol=4)

# 4. The pre-1.6 pickle format, which the readers must reject with a clear message.
torch.save({"w": torch.ones(2)}, os.path.join(HERE, "legacy.pth"), _use_new_zipfile_serialization=False)


# ---------------------------------------------------------------------------------------------------------------
# 5. A TorchScript archive shaped like OpenAI CLIP (visual / transformer / resblocks / attn.in_proj_weight /
#    logit_scale), with a ModuleList, tied weights, half precision and plain tensor attributes (attn_mask) that
#    are not part of state_dict().

class QuickGELU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, width: int, heads: int, attn_mask=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(OrderedDict([
            ("c_fc", nn.Linear(width, width * 4)), ("gelu", QuickGELU()), ("c_proj", nn.Linear(width * 4, width))]))
        self.ln_2 = nn.LayerNorm(width)
        self.attn_mask = attn_mask

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False, attn_mask=self.attn_mask)[0]
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width: int, layers: int, heads: int, attn_mask=None):
        super().__init__()
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads, attn_mask) for _ in range(layers)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.resblocks(x)


class VisionTransformer(nn.Module):
    def __init__(self, width: int = 4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, kernel_size=4, stride=4, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(width))
        self.positional_embedding = nn.Parameter(torch.randn(5, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, 2, 2)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.randn(width, 6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x).flatten(2).permute(0, 2, 1)
        x = torch.cat([self.class_embedding.expand(x.shape[0], 1, -1), x], dim=1) + self.positional_embedding
        x = self.transformer(self.ln_pre(x).permute(1, 0, 2)).permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj


class MiniCLIP(nn.Module):
    def __init__(self):
        super().__init__()
        self.visual = VisionTransformer()
        mask = torch.empty(4, 4).fill_(float("-inf")).triu_(1)
        self.transformer = Transformer(4, 2, 2, attn_mask=mask)
        self.token_embedding = nn.Embedding(16, 4)
        self.positional_embedding = nn.Parameter(torch.randn(4, 4))
        self.ln_final = nn.LayerNorm(4)
        self.text_projection = nn.Parameter(torch.randn(4, 6))
        self.logit_scale = nn.Parameter(torch.tensor(4.605170249938965))
        self.heads = nn.ModuleList([nn.Linear(6, 2), nn.Linear(6, 3, bias=False)])
        self.decoder = nn.Linear(4, 16, bias=False)
        self.decoder.weight = self.token_embedding.weight          # tied: one storage, two state_dict names
        self.norm = nn.BatchNorm1d(6)
        self.register_buffer("tag", torch.tensor([True, False, True]))
        self.register_buffer("layout", torch.randn(3, 2).t())      # non-contiguous buffer
        self.temperature = torch.tensor([0.5, 2.0])                # plain attribute: not in state_dict()

    def forward(self, image: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        image_features = self.norm(self.visual(image))
        x = self.token_embedding(text) + self.positional_embedding
        x = self.ln_final(self.transformer(x.permute(1, 0, 2)).permute(1, 0, 2))
        text_features = x[:, -1, :] @ self.text_projection
        out = self.logit_scale.exp() * image_features @ text_features.t()
        for head in self.heads:
            out = out + head(image_features).sum() * self.temperature[0]
        return out + self.decoder(x).sum()


clip = MiniCLIP()
clip.visual.half()                                                   # OpenAI's weights are HalfStorage
clip.visual.ln_pre.bfloat16()
with torch.no_grad():
    clip.norm.running_mean.normal_()
    clip.norm.num_batches_tracked.fill_(3)
clip.eval()
scripted = torch.jit.script(clip)
scripted_path = os.path.join(HERE, "scripted.pt")
torch.jit.save(scripted, scripted_path)
loaded = torch.jit.load(scripted_path)
script_state = loaded.state_dict()
assert "decoder.weight" in script_state and "token_embedding.weight" in script_state
assert "temperature" not in script_state and "transformer.resblocks.0.attn_mask" not in script_state
script_attributes = {"temperature": loaded.temperature}
for index in range(2):
    script_attributes[f"transformer.resblocks.{index}.attn_mask"] = getattr(loaded.transformer.resblocks, str(index)).attn_mask


# ---------------------------------------------------------------------------------------------------------------
# 6. safetensors, written by hand from the specification (Debian 12 has no python3-safetensors).

def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, tensor in tensors:                       # deliberately not sorted: readers must follow the offsets
        blob = raw_bytes(tensor)
        header[name] = {"dtype": SAFETENSORS_NAMES[DTYPES[tensor.dtype]], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


safe = [
    ("z.last", torch.randn(2, 3)),
    ("encoder.weight", torch.randn(3, 4, dtype=torch.float64)),
    ("encoder.half", torch.randn(5).half()),
    ("encoder.bf16", torch.randn(2, 2).bfloat16()),
    ("ids", torch.tensor([[1, -2], [2**40, 3]], dtype=torch.int64)),
    ("i32", torch.tensor([-5, 6], dtype=torch.int32)),
    ("i16", torch.tensor([-32768, 32767], dtype=torch.int16)),
    ("i8", torch.tensor([-1, 1], dtype=torch.int8)),
    ("u8", torch.tensor([7, 255], dtype=torch.uint8)),
    ("flags", torch.tensor([True, False, True])),
    ("scalar", torch.tensor(0.125)),
    ("empty", torch.zeros(0, 2)),
]
safe_metadata = {"format": "pt", "source": "make_fixtures.py"}
write_safetensors(os.path.join(HERE, "tensors.safetensors"), safe, safe_metadata)


# ---------------------------------------------------------------------------------------------------------------

expected = {
    "state_dict.pth": {"format": "torchZip", "metadata": {},
                       "tensors": [describe(k, v) for k, v in state.items()]},
    # Same tensors as state_dict.pth, each under "model.".
    "checkpoint_dict.pth": {"format": "torchZip", "metadata": {"epoch": "7", "note": "x"},
                            "tensors_of": "state_dict.pth", "prefix": "model."},
    "plain_dict.pth": {"format": "torchZip", "metadata": {},
                       "tensors": [describe("transposed", plain["transposed"]), describe("rows", plain["rows"]),
                                   describe("nested.column", plain["nested"]["column"]),
                                   describe("nested.list.0", plain["nested"]["list"][0]),
                                   describe("nested.list.1", plain["nested"]["list"][1])]},
    "protocol4.pth": {"format": "torchZip", "metadata": {}, "tensors_of": "plain_dict.pth", "prefix": ""},
    "scripted.pt": {"format": "torchScript", "metadata": {"torchscript.class": "__torch__.MiniCLIP"},
                    "tensors": [describe(k, v) for k, v in script_state.items()],
                    "attributes": [describe(k, v) for k, v in script_attributes.items()]},
    "tensors.safetensors": {"format": "safetensors", "metadata": safe_metadata,
                            "tensors": [describe(k, v) for k, v in safe]},
}
with open(os.path.join(HERE, "expected.json"), "w") as handle:
    # One line per tensor keeps the file small yet diffable.
    fixtures = []
    for fixture, entry in sorted(expected.items()):
        fields = []
        for key in sorted(entry):
            if isinstance(entry[key], list):
                rows = ",\n  ".join(json.dumps(row, sort_keys=True, separators=(",", ":")) for row in entry[key])
                fields.append(f" {json.dumps(key)}: [\n  {rows}\n ]")
            else:
                fields.append(f" {json.dumps(key)}: {json.dumps(entry[key], sort_keys=True)}")
        fixtures.append(json.dumps(fixture) + ": {\n" + ",\n".join(fields) + "\n}")
    handle.write("{\n" + ",\n".join(fixtures) + "\n}\n")

total = sum(os.path.getsize(os.path.join(HERE, f)) for f in os.listdir(HERE))
print(f"fixtures written to {HERE} ({total} bytes in the folder)")
