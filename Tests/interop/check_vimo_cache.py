"""Reads stage folders with the vimo_cache package (python/, on PYTHONPATH) and prints what it
found as JSON, for PythonCacheTests to compare with Swift's readers item by item.

    check_vimo_cache.py dump FOLDER...            -> {folder: {"kind", "items": {id: {...}}}}
    check_vimo_cache.py record CACHE PIPELINE STAGE  -> {"folder": ...} through the pipeline record
    check_vimo_cache.py torch FOLDER              -> the EmbeddingDataset/collate_pad batch, checked here
"""

import hashlib
import json
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
        out[folder] = {"kind": stage.kind, "payload": stage.payload, "items": items, "metadata": stage.metadata}
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


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    if command == "dump":
        print(json.dumps(dump(arguments)))
    elif command == "record":
        print(json.dumps({"folder": vimo_cache.open_stage(arguments[0], pipeline=arguments[1], stage=arguments[2]).folder}))
    elif command == "torch":
        print(json.dumps(torch_batch(arguments[0])))
    else:
        sys.exit(f"unknown command {command}")
