"""A PyTorch dataset over cached embeddings (torch is needed here only).

    from vimo_cache.datasets import EmbeddingDataset, collate_pad
    data = EmbeddingDataset(vimo_cache.open_stage(clip_folder))
    loader = torch.utils.data.DataLoader(data, batch_size=8, collate_fn=collate_pad)
    for embeddings, mask, labels in loader: ...   # (B, T, D) float32, (B, T) bool, (B, K) float32

Like ViMoCLIP's HDF5VideoDataset and collate_fn_pad: one video's (T, D) embeddings and its
multi-hot labels per sample; a batch pads every video to the longest, `mask` True on real rows.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

from ._stage import Stage, VimoCacheError

__all__ = ["EmbeddingDataset", "collate_pad", "segment_centres"]


class EmbeddingDataset(torch.utils.data.Dataset):
    """(embeddings (T, D) float32, labels (K,) float32) for each item of an embedding stage.

    `items` picks and orders the videos (default: every item of the stage, sorted); `max_frames`
    keeps at most that many rows, the centres of equal segments, as `vimo-tfam --max-frames` does; `labels` is a
    {item: multi-hot} mapping for stages whose shards carry no labels.
    """

    def __init__(self, stage: Stage, items: Optional[Sequence[str]] = None, max_frames: Optional[int] = None,
                 labels: Optional[dict] = None):
        if stage.payload != "embeddings" or stage.kind == "scores":
            raise VimoCacheError(f"{stage.folder}: EmbeddingDataset reads an embedding stage, this one holds {stage.kind}")
        self.stage = stage
        self.items: List[str] = list(items) if items is not None else stage.items
        missing = [item for item in self.items if item not in stage]
        if missing:
            raise VimoCacheError(f"{stage.folder}: no items {missing[:5]}{' …' if len(missing) > 5 else ''}")
        self.max_frames = max_frames
        self._labels = labels

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Tuple[torch.Tensor, torch.Tensor]:
        item = self.items[index]
        rows = np.asarray(self.stage[item], dtype=np.float32)
        if self.max_frames is not None and len(rows) > self.max_frames:
            rows = rows[segment_centres(len(rows), self.max_frames)]
        labels = self._labels[item] if self._labels is not None else self.stage.labels(item)
        if labels is None:
            raise VimoCacheError(f"{self.stage.folder}: item {item!r} has no labels (pass labels=)")
        return torch.from_numpy(np.ascontiguousarray(rows)), torch.as_tensor(np.asarray(labels), dtype=torch.float32)


def segment_centres(count: int, samples: int) -> np.ndarray:
    """The row kept for each of `samples` equal segments of `count` rows: its centre (vimo's
    FrameSelection.segmentCentres, numpy.linspace(...).astype(int) based)."""
    ticks = np.linspace(0, count, samples + 1).astype(int)
    return ticks[:-1] + (ticks[1:] - ticks[:-1]) // 2


def collate_pad(batch: Sequence[Tuple[torch.Tensor, torch.Tensor]]) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pads a batch of (T_i, D) embeddings with zeros to (B, max T, D); `mask` is True on real rows."""
    if not batch:
        raise ValueError("collate_pad: empty batch")
    longest = max(rows.shape[0] for rows, _ in batch)
    dim = batch[0][0].shape[1]
    embeddings = torch.zeros(len(batch), longest, dim, dtype=torch.float32)
    mask = torch.zeros(len(batch), longest, dtype=torch.bool)
    for i, (rows, _) in enumerate(batch):
        embeddings[i, : rows.shape[0]] = rows
        mask[i, : rows.shape[0]] = True
    return embeddings, mask, torch.stack([labels for _, labels in batch])
