"""Helpers shared by the CLIP text and X-CLIP reference scripts (imported from the same folder).

OpenAI's CLIP code and tokenizer come straight from the clip-anytorch wheel (no install); class names
from the repository's built-in Animal Kingdom list; arrays are written as <base>.json + <base>.bin,
the format TestSupport.NamedArrays reads.
"""
import json
import os
import re
import types
import zipfile

import torch


def wheel_module(wheel, path, file_hint=None):
    """Executes `path` (e.g. clip/model.py) from the wheel as a fresh module."""
    module = types.ModuleType(path.replace("/", "_").removesuffix(".py"))
    module.__file__ = file_hint or path
    source = zipfile.ZipFile(wheel).read(path).decode()
    exec(compile(source, path, "exec"), module.__dict__)
    return module


def tokenizer(wheel, vocab):
    """OpenAI's SimpleTokenizer with the given bpe_simple_vocab_16e6.txt.gz."""
    module = wheel_module(wheel, "clip/simple_tokenizer.py", os.path.join(os.path.dirname(vocab), "simple_tokenizer.py"))
    return module.SimpleTokenizer(bpe_path=vocab)


def class_names(repo):
    source = open(os.path.join(repo, "Sources/Datasets/AnimalKingdomClasses.swift")).read()
    names = re.findall(r'ActionClass\(id: \d+, name: "([^"]*)"', source)
    assert len(names) == 140, len(names)
    return names


def token_ids(tok, names, context=77):
    """[<|startoftext|>] + BPE + [<|endoftext|>], zero-padded to `context`, as clip.tokenize does."""
    rows = []
    for name in names:
        ids = [49406] + tok.encode(name) + [49407]
        rows.append(ids + [0] * (context - len(ids)))
    return torch.tensor(rows, dtype=torch.int64)


def perturb(model, seed):
    """Moves every layer-norm weight and every bias off its 1/0 initialisation, so parity covers them."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1 and "alpha" not in name:
                p.add_(torch.randn(p.shape, generator=generator) * 0.1)


class Arrays:
    def __init__(self):
        self.entries, self.blobs, self.offset = {}, [], 0

    def put(self, name, tensor):
        tensor = tensor.detach().contiguous()
        kind = {torch.float32: "f32", torch.int64: "i64"}[tensor.dtype]
        data = tensor.numpy().tobytes()
        self.entries[name] = {"shape": list(tensor.shape), "dtype": kind, "offset": self.offset, "bytes": len(data)}
        self.blobs.append(data)
        self.offset += len(data)

    def write(self, base):
        with open(base + ".bin", "wb") as f:
            for blob in self.blobs:
                f.write(blob)
        with open(base + ".json", "w") as f:
            json.dump({"entries": self.entries}, f)
