"""Reads stage folders with the vimo_cache package (python/, on PYTHONPATH) and prints what it
found as JSON, for PythonCacheTests to compare with Swift's readers item by item.

    check_vimo_cache.py dump FOLDER...            -> {folder: {"kind", "items": {id: {...}}}}
    check_vimo_cache.py record CACHE PIPELINE STAGE  -> {"folder": ...} through the pipeline record
    check_vimo_cache.py torch FOLDER              -> the EmbeddingDataset/collate_pad batch, checked here
    check_vimo_cache.py vimoclip FOLDER RGB.h5 FLOW.h5 NPYDIR -> `vimo export` results read the way
        ViMoCLIP's HDF5VideoDataset and collate_fn_pad read them, checked against the package
"""

import hashlib
import json
import os
import sys

import numpy as np

import vimo_cache


def digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def dump(folders):
    out = {}
    for folder in folders:
        stage = vimo_cache.open_stage(folder)
        items = {}
        for item in stage.items:
            rows = stage[item]
            labels = stage.labels(item)
            items[item] = {
                "sha256": digest(rows), "shape": list(rows.shape), "dtype": str(rows.dtype),
                "labels": None if labels is None else [int(x) for x in labels],
                "frame_index": [int(x) for x in stage.frame_index(item)],
                "source": stage.source(item),
            }
        iterated = {item: digest(rows) for item, rows in stage.iter_items()}
        assert iterated == {item: value["sha256"] for item, value in items.items()}, "iter_items differs from stage[item]"
        out[folder] = {"kind": stage.kind, "payload": stage.payload, "items": items, "metadata": stage.metadata,
                       "problems": stage.problems}
        stage.close()
    return out


def torch_batch(folder):
    import torch
    from vimo_cache.datasets import EmbeddingDataset, collate_pad, segment_centres

    stage = vimo_cache.open_stage(folder)
    data = EmbeddingDataset(stage)
    loader = torch.utils.data.DataLoader(data, batch_size=3, collate_fn=collate_pad)
    seen = 0
    for embeddings, mask, labels in loader:
        for row in range(embeddings.shape[0]):
            item = data.items[seen + row]
            expected = stage[item]
            length = int(mask[row].sum())
            assert length == len(expected), (item, length, len(expected))
            assert bool(mask[row, :length].all()) and not bool(mask[row, length:].any())
            assert np.array_equal(embeddings[row, :length].numpy(), expected), item
            assert not bool(embeddings[row, length:].any()), item
            assert np.array_equal(labels[row].numpy(), stage.labels(item).astype(np.float32)), item
        seen += embeddings.shape[0]
    assert seen == len(stage.items)
    capped = EmbeddingDataset(stage, max_frames=3)
    first = stage.items[0]
    rows = stage[first]
    picks = segment_centres(len(rows), 3) if len(rows) > 3 else np.arange(len(rows))
    assert np.array_equal(capped[0][0].numpy(), rows[picks])
    return {"batches_checked": seen, "dim": int(embeddings.shape[2]), "picks": [int(x) for x in picks]}


def vimoclip(folder, rgb_file, flow_file, npy_folder, flow_folder):
    """ViMoCLIP's loader, re-implemented from its documented behaviour: the keys of the RGB file are the
    videos; each group's `embeddings` (T, D) and `labels` (C,); the flow file's group of the same id;
    optional sparse sampling at torch.linspace(0, T-1, n).long(); a batch pads with pad_sequence and
    masks True on real rows."""
    import h5py
    import torch
    from torch.nn.utils.rnn import pad_sequence

    rgb_stage, flow_stage = vimo_cache.open_stage(folder), vimo_cache.open_stage(flow_folder)
    with h5py.File(rgb_file, "r") as rgb, h5py.File(flow_file, "r") as flow:
        keys = list(rgb.keys())
        samples = []
        for key in keys:
            embeddings = torch.from_numpy(rgb[key]["embeddings"][:])
            labels = torch.from_numpy(rgb[key]["labels"][:])
            flow_embeddings = torch.from_numpy(flow[key.split(".")[0]]["embeddings"][:])
            assert np.array_equal(embeddings.numpy(), rgb_stage[key]), key
            assert np.array_equal(labels.numpy(), rgb_stage.labels(key).astype(np.float32)), key
            assert np.array_equal(flow_embeddings.numpy(), flow_stage[key]), key
            samples.append((embeddings.float(), flow_embeddings.float(), labels))
        sampled = torch.from_numpy(rgb[keys[0]]["embeddings"][:])
        picks = torch.linspace(0, sampled.shape[0] - 1, 3).long()
        assert np.array_equal(sampled[picks].numpy(), rgb_stage[keys[0]][picks.numpy()])
    padded = pad_sequence([s[0] for s in samples], batch_first=True)
    lengths = torch.tensor([s[0].shape[0] for s in samples])
    mask = torch.arange(padded.size(1)).expand(len(lengths), padded.size(1)) < lengths.unsqueeze(1)
    for i, key in enumerate(keys):
        assert np.array_equal(padded[i, : lengths[i]].numpy(), rgb_stage[key]) and bool(mask[i].sum() == lengths[i])
    for key in keys:
        assert np.array_equal(np.load(os.path.join(npy_folder, key + ".npy")), rgb_stage[key]), key
    return {"videos": len(keys), "labels": int(samples[0][2].numel())}


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    if command == "dump":
        print(json.dumps(dump(arguments)))
    elif command == "record":
        print(json.dumps({"folder": vimo_cache.open_stage(arguments[0], pipeline=arguments[1], stage=arguments[2]).folder}))
    elif command == "torch":
        print(json.dumps(torch_batch(arguments[0])))
    elif command == "vimoclip":
        print(json.dumps(vimoclip(*arguments)))
    else:
        sys.exit(f"unknown command {command}")
