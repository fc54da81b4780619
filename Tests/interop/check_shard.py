#!/usr/bin/python3
"""h5py side of the Store interop test (Tests/StoreTests/InteropTests.swift).

    check_shard.py verify SHARD SPEC.json   read a Swift-written shard with h5py and compare
                                            every dataset and attribute with SPEC exactly
    check_shard.py write  SHARD SPEC.json   write SPEC as a shard the way a Python user would,
                                            for the Swift reader to read back

Shards of the `exact` storage profile use Zstandard (HDF5 filter 32015): the script imports
`hdf5plugin` when it can, as a user's script would, unless VIMO_PLAIN_H5PY=1 asks for plain h5py
(the promise that `raw` shards need no plugin). Run it with Debian's /usr/bin/python3 (h5py on
HDF5 1.10) or with data/.venv-h5/bin/python (pip's h5py 3.16 on HDF5 2.0 and hdf5plugin 7.1).

SPEC holds the exact values as JSON: uint8 values for frames, raw uint16 bit patterns for
float16 flow and raw uint32 bit patterns for float32 embeddings, so no value passes through a
decimal float on the way. Exits 0 when all matches, 1 with one line per mismatch otherwise, and
2 when h5py or numpy is missing.
"""
import json
import os
import sys
from datetime import datetime, timezone

try:
    import h5py
    import numpy as np
except ImportError as error:
    print(f"{error}: install h5py for /usr/bin/python3 with `apt-get install python3-h5py`", file=sys.stderr)
    sys.exit(2)

hdf5plugin = None
if os.environ.get("VIMO_PLAIN_H5PY") != "1":
    try:
        import hdf5plugin
    except ImportError:
        pass

# payload name -> (numpy dtype stored, unsigned view used for exact comparison)
PAYLOAD_DTYPES = {
    "frames": (np.dtype("|u1"), np.dtype("|u1")),
    "flow": (np.dtype("<f2"), np.dtype("<u2")),
    "embeddings": (np.dtype("<f4"), np.dtype("<u4")),
    "scores": (np.dtype("<f4"), np.dtype("<u4")),
}
FILTER_IDS = {"none": [], "gzip": [2, 1], "lz4": [32004], "zstd": [2, 32015]}  # shuffle=2, deflate=1, zstd=32015
FLETCHER32 = 3  # Swift writers checksum every numeric dataset, after compression (as h5py orders it)
STRING_ATTRIBUTES = ("stage", "fingerprint", "params", "committed_at")
OPTIONAL_ATTRIBUTES = ("storage",)  # the storage profile, e.g. "exact;flow_rounding_bits=10"


def verify(path, spec):
    problems = []

    def expect(condition, message):
        if not condition:
            problems.append(message)

    with h5py.File(path, "r") as f:
        payload = spec["payload"]
        expected_names = {"items", "offsets", "source", "frame_index"}
        if payload["name"]:
            expected_names.add(payload["name"])
        if spec.get("labels"):
            expected_names.add("labels")
        expect(set(f.keys()) == expected_names, f"datasets {sorted(f.keys())} != {sorted(expected_names)}")

        for name, key in (("items", "items"), ("source", "source")):
            ds = f[name]
            info = h5py.check_string_dtype(ds.dtype)
            expect(info is not None and info.encoding == "utf-8" and info.length is None,
                   f"{name}: not variable-length UTF-8 strings ({ds.dtype}, {info})")
            expect(ds.shape == (len(spec[key]),), f"{name}: shape {ds.shape}")
            expect(list(ds.asstr()[()]) == spec[key], f"{name}: {list(ds.asstr()[()])} != {spec[key]}")

        for name, dtype in (("offsets", "<i8"), ("frame_index", "<i4")):
            ds = f[name]
            expect(ds.dtype == np.dtype(dtype), f"{name}: dtype {ds.dtype} != {dtype}")
            expect(ds[()].tolist() == spec[name], f"{name}: {ds[()].tolist()} != {spec[name]}")
            expect(ds.fletcher32 or ds.size == 0, f"{name}: no Fletcher-32 checksum")

        if payload["name"]:
            ds = f[payload["name"]]
            stored, view = PAYLOAD_DTYPES[payload["name"]]
            expect(ds.dtype == stored, f"{payload['name']}: dtype {ds.dtype} != {stored}")
            if payload["name"] == "flow":
                expect(ds.id.get_type() == h5py.h5t.IEEE_F16LE, "flow: file type is not h5py's IEEE half type")
            expect(list(ds.shape) == payload["shape"], f"{payload['name']}: shape {ds.shape} != {payload['shape']}")
            expect(ds.maxshape[0] is None and list(ds.maxshape[1:]) == payload["shape"][1:],
                   f"{payload['name']}: maxshape {ds.maxshape}")
            expect(list(ds.chunks) == payload["chunks"], f"{payload['name']}: chunks {ds.chunks} != {payload['chunks']}")
            plist = ds.id.get_create_plist()
            filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
            expected_filters = FILTER_IDS[payload["compression"]] + [FLETCHER32]
            expect(ds.fletcher32, f"{payload['name']}: no Fletcher-32 checksum")
            expect(filters == expected_filters, f"{payload['name']}: filters {filters} != {expected_filters}")
            bits = ds[()].view(view).ravel().tolist()
            mismatches = [i for i, (a, b) in enumerate(zip(bits, payload["bits"])) if a != b]
            expect(len(bits) == len(payload["bits"]) and not mismatches,
                   f"{payload['name']}: {len(mismatches)} values differ, first at flat index "
                   f"{mismatches[:1]} (read {[bits[i] for i in mismatches[:3]]}, "
                   f"expected {[payload['bits'][i] for i in mismatches[:3]]})")

        if spec.get("labels"):
            ds = f["labels"]
            expect(ds.dtype == np.dtype("|u1"), f"labels: dtype {ds.dtype}")
            expect(list(ds.shape) == spec["labels"]["shape"], f"labels: shape {ds.shape}")
            expect(ds[()].ravel().tolist() == spec["labels"]["values"], "labels: values differ")
            expect(ds.fletcher32, "labels: no Fletcher-32 checksum")

        attrs = spec["attrs"]
        expected_attrs = {"schema", *STRING_ATTRIBUTES, *(name for name in OPTIONAL_ATTRIBUTES if name in attrs)}
        expect(set(f.attrs.keys()) == expected_attrs, f"attributes {sorted(f.attrs.keys())} != {sorted(expected_attrs)}")
        schema = f.attrs.get("schema")
        expect(type(schema) is np.int64 and schema.shape == () and schema == attrs["schema"],
               f"schema: {schema!r} ({type(schema).__name__}), expected int64 scalar {attrs['schema']}")
        for name in STRING_ATTRIBUTES + tuple(name for name in OPTIONAL_ATTRIBUTES if name in attrs):
            value = f.attrs.get(name)
            expect(type(value) is str, f"{name}: read as {type(value).__name__}, expected str")
            if name in attrs:
                expect(value == attrs[name], f"{name}: {value!r} != {attrs[name]!r}")
        committed_at = f.attrs.get("committed_at")
        if type(committed_at) is str:
            try:
                moment = datetime.fromisoformat(committed_at.replace("Z", "+00:00"))
                expect(moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 0,
                       f"committed_at {committed_at} is not UTC")
                expect(moment.microsecond != 0 or "." in committed_at, f"committed_at {committed_at} has no fraction")
                age = (datetime.now(timezone.utc) - moment).total_seconds()
                expect(-5 < age < 600, f"committed_at {committed_at} is not recent")
            except ValueError as error:
                problems.append(f"committed_at {committed_at!r}: {error}")

    # numpy's float32 -> float16 rounding must agree with Swift's Float16(_:).
    rounding = spec.get("float16_from_float32")
    if rounding:
        converted = np.array(rounding["float32_bits"], dtype=np.uint32).view(np.float32).astype(np.float16)
        bits = converted.view(np.uint16).tolist()
        differ = [i for i, (a, b) in enumerate(zip(bits, rounding["float16_bits"])) if a != b]
        expect(not differ, f"numpy and Swift round float32 -> float16 differently at {differ[:5]}")
    return problems


def write(path, spec):
    with h5py.File(path, "w") as f:
        f.create_dataset("items", data=spec["items"], dtype=h5py.string_dtype())
        f.create_dataset("offsets", data=np.array(spec["offsets"], dtype=np.int64))
        f.create_dataset("source", data=spec["source"], dtype=h5py.string_dtype())
        f.create_dataset("frame_index", data=np.array(spec["frame_index"], dtype=np.int32))
        payload = spec["payload"]
        if payload["name"]:
            stored, view = PAYLOAD_DTYPES[payload["name"]]
            data = np.array(payload["bits"], dtype=view).view(stored).reshape(payload["shape"])
            if payload["compression"] == "zstd":
                if hdf5plugin is None:
                    raise SystemExit("writing zstd needs `pip install hdf5plugin`")
                compression = {**hdf5plugin.Zstd(clevel=3), "shuffle": True}
            else:
                compression = {"none": {}, "gzip": {"compression": "gzip", "shuffle": True}}[payload["compression"]]
            f.create_dataset(payload["name"], data=data, chunks=tuple(payload["chunks"]),
                             maxshape=(None, *payload["shape"][1:]), **compression)
        if spec.get("labels"):
            labels = np.array(spec["labels"]["values"], dtype=np.uint8).reshape(spec["labels"]["shape"])
            f.create_dataset("labels", data=labels)
        for name, value in spec["attrs"].items():
            f.attrs[name] = value


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("verify", "write"):
        print(__doc__, file=sys.stderr)
        return 2
    command, path, spec_path = sys.argv[1:]
    with open(spec_path, encoding="utf-8") as spec_file:
        spec = json.load(spec_file)
    if command == "write":
        write(path, spec)
        return 0
    problems = verify(path, spec)
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
