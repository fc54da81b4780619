"""A vimo stage folder: its committed shards, which one holds each item, and the item's rows."""

from __future__ import annotations

import json
import os
import re
from collections import OrderedDict
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

import h5py
import numpy as np

try:  # the zstd filter of the `exact` storage profile; h5py reads those shards once it is imported
    import hdf5plugin  # noqa: F401
except ImportError:  # HDF5_PLUGIN_PATH may still name it
    pass

__all__ = ["Stage", "VimoCacheError", "open_stage"]

#: The shard schema this package reads (the `schema` attribute of every shard).
SCHEMA = 1
_PAYLOADS = ("frames", "flow", "embeddings", "scores", "frames_jpeg")
#: The `compact` storage profile's frames: JPEG blobs back to back, row r's at bytes offsets[r]:offsets[r+1].
_JPEG, _JPEG_OFFSETS, _JPEG_SHAPE = "frames_jpeg", "frames_jpeg_offsets", "frames_jpeg_shape"
_ZSTD_FILTER = 32015
_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?Z?$")


class VimoCacheError(Exception):
    """A stage folder, shard or item that cannot be read; the message names it."""


class _Entry(NamedTuple):
    shard: str
    position: int
    start: int
    stop: int
    source: str


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _seconds(committed_at: Optional[str]) -> float:
    """Seconds since the epoch of a `committed_at` attribute; unparseable ones count as the oldest."""
    match = _TIME.match(committed_at or "")
    if not match:
        return float("-inf")
    import calendar

    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = float(match.group(7)) if match.group(7) else 0.0
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) + fraction


class Stage:
    """The current rows of every item of one stage folder, as vimo's own readers see them.

    An item computed again (a replaced video) sits in the shard committed last (`committed_at`,
    then file name); its older rows are not returned. Shards are opened on demand and a few are
    kept open.
    """

    def __init__(self, folder: str, keep_open: int = 4):
        self.folder = os.path.abspath(folder)
        if not os.path.isdir(self.folder):
            raise VimoCacheError(f"{self.folder}: not a folder")
        self._keep_open = max(1, keep_open)
        self._files: "OrderedDict[str, h5py.File]" = OrderedDict()
        self._datasets: Dict[Tuple[str, str], h5py.Dataset] = {}
        self.shards: List[str] = sorted(
            os.path.join(self.folder, name) for name in os.listdir(self.folder)
            if name.startswith("shard-") and name.endswith(".h5"))
        read = []
        #: Shards that could not be read, one message each naming the file; like vimo's own index, the
        #: rest of the folder is still read (`vimo verify --repair` recomputes what they held).
        self.problems: List[str] = []
        cached = self._index_entries()
        for path in self.shards:
            entry = cached.get(os.path.basename(path))
            try:
                stat = os.stat(path)
            except OSError as error:
                self.problems.append(f"{path}: {error.strerror}")
                continue
            if entry is not None and (entry.get("bytes"), entry.get("mtime_ns"), entry.get("inode")) == (stat.st_size, stat.st_mtime_ns, stat.st_ino):
                # Unchanged since vimo read it into the folder's index.json: not opened here.
                metadata = entry["metadata"]
                attributes = {key: metadata[key] for key in ("stage", "fingerprint", "params", "storage") if metadata.get(key) is not None}
                read.append((path, entry["items"], entry["offsets"], entry["sources"], entry.get("payload"), attributes,
                             entry.get("committed_at")))
                continue
            try:
                with h5py.File(path, "r") as file:
                    schema = int(file.attrs.get("schema", -1))
                    if schema != SCHEMA:
                        raise VimoCacheError(f"{path}: shard schema {schema}, this package reads schema {SCHEMA} (upgrade vimo_cache)")
                    items = [_text(x) for x in file["items"][()]]
                    offsets = [int(x) for x in file["offsets"][()]]
                    sources = [_text(x) for x in file["source"][()]] if "source" in file else [""] * len(items)
                    payload = next((name for name in _PAYLOADS if name in file), None)
                    attributes = {key: _text(file.attrs[key]) for key in ("stage", "fingerprint", "params", "storage") if key in file.attrs}
                    committed_at = _text(file.attrs["committed_at"]) if "committed_at" in file.attrs else None
            except VimoCacheError as error:
                self.problems.append(str(error))
                continue
            except (OSError, KeyError, ValueError) as error:
                self.problems.append(f"{path}: not a readable vimo shard ({error})")
                continue
            if len(offsets) != len(items) + 1:
                self.problems.append(f"{path}: {len(items)} items but {len(offsets)} offsets")
                continue
            read.append((path, items, offsets, sources, payload, attributes, committed_at))

        # Oldest first, so later shards overwrite earlier entries (vimo's ShardIndex rule).
        read.sort(key=lambda shard: (_seconds(shard[6]), os.path.basename(shard[0])))
        self._entries: Dict[str, _Entry] = {}
        for path, items, offsets, sources, _, _, _ in read:
            for position, item in enumerate(items):
                self._entries[item] = _Entry(path, position, offsets[position], offsets[position + 1], sources[position])
        payloads = {shard[4] for shard in read}
        if len(payloads) > 1:
            raise VimoCacheError(f"{self.folder}: shards hold different payloads {sorted(map(str, payloads))}")
        payload = payloads.pop() if payloads else None
        #: Whether the frames are JPEG blobs (the `compact` storage profile); rows come back decoded (Pillow).
        self.jpeg = payload == _JPEG
        #: `frames`, `flow`, `embeddings`, `scores`, or None (a folder of item lists only, or empty).
        self.payload: Optional[str] = "frames" if self.jpeg else payload
        newest = read[-1] if read else None
        #: The newest shard's `stage`, `fingerprint`, `params` and `storage` attributes.
        self.metadata: Dict[str, str] = dict(newest[5]) if newest else {}
        classes = os.path.join(self.folder, "classes.json")
        #: Class names of a scores folder (`classes.json`), else None.
        self.classes: Optional[List[str]] = None
        if os.path.exists(classes):
            with open(classes, encoding="utf-8") as handle:
                self.classes = json.load(handle)
        #: `scores` for a scores folder (one row of K class scores per item; before vimo named the
        #: dataset `scores`, such folders held them as `embeddings` beside a classes.json), else the payload.
        self.kind = "scores" if self.payload == "scores" or (self.classes is not None and self.payload == "embeddings") else self.payload

    def _index_entries(self) -> Dict[str, dict]:
        """The shards of the folder's index.json (vimo writes it as it commits), {} when there is none
        or it cannot be read: an entry is used only when its shard's size, mtime and inode still match."""
        try:
            with open(os.path.join(self.folder, "index.json"), encoding="utf-8") as handle:
                index = json.load(handle)
            return index["shards"] if index.get("schema") == 1 and isinstance(index.get("shards"), dict) else {}
        except (OSError, ValueError, KeyError):
            return {}

    # -- items ---------------------------------------------------------------------------------

    @property
    def items(self) -> List[str]:
        """Every item id, sorted (the order vimo lists them in)."""
        return sorted(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, item: str) -> bool:
        return item in self._entries

    def _entry(self, item: str) -> _Entry:
        try:
            return self._entries[item]
        except KeyError:
            raise KeyError(f"{self.folder}: no item {item!r}") from None

    def shard_of(self, item: str) -> Tuple[str, range]:
        """The shard holding `item`'s current rows and their row range in it."""
        entry = self._entry(item)
        return entry.shard, range(entry.start, entry.stop)

    def source(self, item: str) -> str:
        """The digest of what the item was computed from (its video, or its upstream item)."""
        return self._entry(item).source

    # -- rows ----------------------------------------------------------------------------------

    def _file(self, path: str) -> h5py.File:
        file = self._files.pop(path, None)
        if file is None:
            file = h5py.File(path, "r", rdcc_nbytes=8 << 20)
            while len(self._files) >= self._keep_open:
                old, closing = self._files.popitem(last=False)
                self._datasets = {key: value for key, value in self._datasets.items() if key[0] != old}
                closing.close()
        self._files[path] = file
        return file

    def _dataset(self, path: str, name: str) -> h5py.Dataset:
        """An open dataset of a kept-open shard: h5py opens one in about half a millisecond (with its
        chunk cache), longer than reading a clip's embeddings, so each is opened once."""
        file = self._file(path)
        dataset = self._datasets.get((path, name))
        if dataset is None:
            dataset = self._datasets[(path, name)] = file[name]
        return dataset

    def _read(self, path: str, name: str, rows: slice) -> np.ndarray:
        dataset = self._dataset(path, name)
        try:
            return dataset[rows]
        except OSError as error:
            plist = dataset.id.get_create_plist()
            filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
            if _ZSTD_FILTER in filters:
                raise VimoCacheError(
                    f"{path}: '{name}' is zstd-compressed (storage profile "
                    f"{self.metadata.get('storage', 'exact')}); pip install hdf5plugin (imported by vimo_cache "
                    f"when present) or set HDF5_PLUGIN_PATH to its plugins folder") from error
            raise VimoCacheError(f"{path}: cannot read '{name}' rows {rows.start}..{rows.stop} ({error})") from error

    def __getitem__(self, item: str) -> np.ndarray:
        """The item's rows: frames uint8 (T, H, W, 3), flow float16 (N, 2, H, W), embeddings float32
        (T, D), or for a scores folder its K class scores (float32, one vector)."""
        entry = self._entry(item)
        if self.payload is None:
            raise VimoCacheError(f"{self.folder}: the shards hold no payload dataset, only item lists")
        if self.jpeg:
            return self._decoded(entry.shard, entry.start, entry.stop)
        rows = self._read(entry.shard, self.payload, slice(entry.start, entry.stop))
        return rows[0] if self.kind == "scores" else rows

    def _decoded(self, path: str, start: int, stop: int) -> np.ndarray:
        """Rows start:stop of a `compact` shard's JPEG frames, decoded with Pillow to uint8 (T, H, W, C)."""
        try:
            from PIL import Image
        except ImportError:
            raise VimoCacheError(f"{path}: the frames are JPEG (storage profile {self.metadata.get('storage', 'compact')}); "
                                 "pip install pillow to decode them") from None
        import io

        offsets = self._dataset(path, _JPEG_OFFSETS)[start:stop + 1]
        height, width, channels = (int(x) for x in self._dataset(path, _JPEG_SHAPE)[()])
        blobs = self._read(path, _JPEG, slice(int(offsets[0]), int(offsets[-1])))
        frames = np.empty((stop - start, height, width, channels), dtype=np.uint8)
        for k in range(stop - start):
            blob = blobs[int(offsets[k] - offsets[0]):int(offsets[k + 1] - offsets[0])].tobytes()
            try:
                image = Image.open(io.BytesIO(blob))
                image.load()
            except (OSError, ValueError) as error:
                raise VimoCacheError(f"{path}: frame row {start + k} is not a decodable JPEG ({error})") from error
            if image.size != (width, height):
                raise VimoCacheError(f"{path}: frame row {start + k} is a {image.size[0]}x{image.size[1]} JPEG, not {width}x{height}")
            frames[k] = np.asarray(image.convert("RGB" if channels == 3 else "L")).reshape(height, width, channels)
        return frames

    def labels(self, item: str) -> Optional[np.ndarray]:
        """The item's multi-hot labels (uint8, one per class), or None when the shard has none."""
        entry = self._entry(item)
        return self._dataset(entry.shard, "labels")[entry.position] if "labels" in self._file(entry.shard) else None

    def frame_index(self, item: str) -> np.ndarray:
        """The source frame number of each of the item's rows (int32)."""
        entry = self._entry(item)
        return self._dataset(entry.shard, "frame_index")[entry.start:entry.stop]

    def iter_items(self) -> Iterator[Tuple[str, np.ndarray]]:
        """(item id, rows) for every current item, shard by shard in file order, rows in order within
        each shard: the fastest way through a folder."""
        by_shard: Dict[str, List[Tuple[int, str]]] = {}
        for item, entry in self._entries.items():
            by_shard.setdefault(entry.shard, []).append((entry.start, item))
        for path in sorted(by_shard):
            for _, item in sorted(by_shard[path]):
                yield item, self[item]

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Closes the shards kept open."""
        self._datasets.clear()
        while self._files:
            self._files.popitem()[1].close()

    def __enter__(self) -> "Stage":
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<vimo_cache.Stage {self.folder}: {len(self)} items of {self.kind}>"


def open_stage(path: str, pipeline: Optional[str] = None, stage: Optional[str] = None, **options) -> Stage:
    """A stage folder (`data/cache/clip/16cd4146bfb687519962`), or with `pipeline` and `stage` the
    folder the last `vimo run` of that pipeline used for that stage, `path` being the cache."""
    if pipeline is None and stage is None:
        return Stage(path, **options)
    if pipeline is None or stage is None:
        raise VimoCacheError("open_stage: give both pipeline= and stage=, or neither")
    record = os.path.join(path, "pipelines", pipeline + ".json")
    try:
        with open(record, encoding="utf-8") as handle:
            stages = json.load(handle)["stages"]
    except FileNotFoundError:
        raise VimoCacheError(f"{record}: no record of pipeline {pipeline!r} in this cache (has it been run?)") from None
    except (ValueError, KeyError) as error:
        raise VimoCacheError(f"{record}: not a pipeline record ({error})") from error
    if stage not in stages:
        raise VimoCacheError(f"{record}: pipeline {pipeline!r} has no stage {stage!r} (it has {', '.join(sorted(stages))})")
    directory = stages[stage]["directory"]
    return Stage(directory if os.path.isabs(directory) else os.path.join(path, directory), **options)
