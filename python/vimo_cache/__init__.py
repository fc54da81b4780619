"""Read a vimo cache from Python: stage folders of HDF5 shards, item by item.

    import vimo_cache
    stage = vimo_cache.open_stage("data/cache/clip/16cd4146bfb687519962")
    stage = vimo_cache.open_stage("data/cache", pipeline="demo", stage="clip")
    stage.items                 # item ids, sorted
    stage[item_id]              # numpy array of the item's rows
    stage.labels(item_id)       # multi-hot uint8 vector, or None
    stage.frame_index(item_id)  # source frame number of each row
    for item_id, rows in stage.iter_items(): ...

Pure Python over numpy and h5py. Shards of the `exact` storage profile are zstd-compressed:
`hdf5plugin` (imported here when installed) or HDF5_PLUGIN_PATH lets h5py read them. Frames of the
`compact` profile are JPEG blobs, returned decoded (with Pillow).
"""

from ._stage import Stage, VimoCacheError, open_stage

__all__ = ["Stage", "VimoCacheError", "open_stage"]
__version__ = "0.1.0"
