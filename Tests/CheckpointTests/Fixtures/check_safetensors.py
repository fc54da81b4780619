#!/usr/bin/python3
"""Independently checks a safetensors file written by Swift against a JSON description of what it should hold.

    /usr/bin/python3 check_safetensors.py FILE EXPECTED.json

EXPECTED.json: {"metadata": {...}, "tensors": [{"name", "dtype", "shape", "hex", "values"}]} where hex is the
tensor's little-endian bytes and values its elements as float64 reprs in strings ("0.25", "-inf") or ints. The file is parsed
with struct + json + numpy only (no safetensors library): header length, 8-byte alignment, sorted gapless offsets,
__metadata__, then every tensor decoded with numpy (bf16 by widening to float32) and compared exactly.
Exits 0 when everything matches; otherwise prints each mismatch and exits 1.
"""

import json
import math
import struct
import sys

import numpy as np

NUMPY = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
         "U8": "u1", "BOOL": "u1"}
NAMES = {"f64": "F64", "f32": "F32", "f16": "F16", "bf16": "BF16", "i64": "I64", "i32": "I32", "i16": "I16",
         "i8": "I8", "u8": "U8", "bool": "BOOL"}


def decode(dtype, raw):
    if dtype == "BF16":
        return (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    array = np.frombuffer(raw, dtype=NUMPY[dtype])
    return array.astype(np.float64) if array.dtype.kind == "f" else array.astype(np.int64)


def main(path, expected_path):
    problems = []
    with open(path, "rb") as handle:
        blob = handle.read()
    with open(expected_path) as handle:
        expected = json.load(handle)
    (size,) = struct.unpack("<Q", blob[:8])
    if (8 + size) % 8:
        problems.append(f"data section starts at {8 + size}, not 8-byte aligned")
    text = blob[8:8 + size]
    if text.rstrip(b" ") != text.rstrip():
        problems.append("header padding is not spaces")
    header = json.loads(text)
    data = blob[8 + size:]
    if header.pop("__metadata__", {}) != expected["metadata"]:
        problems.append("metadata differs")
    names = sorted(header)
    offset = 0
    for name in names:
        begin, end = header[name]["data_offsets"]
        if begin != offset:
            problems.append(f"{name}: starts at {begin}, expected {offset} (sorted, gapless)")
        offset = end
    if offset != len(data):
        problems.append(f"data section has {len(data)} bytes, offsets cover {offset}")
    wanted = {row["name"]: row for row in expected["tensors"]}
    if set(wanted) != set(names):
        problems.append(f"names differ: {sorted(set(wanted) ^ set(names))}")
    for name in names:
        if name not in wanted:
            continue
        row, entry = wanted[name], header[name]
        begin, end = entry["data_offsets"]
        raw = data[begin:end]
        if entry["dtype"] != NAMES[row["dtype"]]:
            problems.append(f"{name}: dtype {entry['dtype']}, expected {NAMES[row['dtype']]}")
            continue
        if entry["shape"] != row["shape"]:
            problems.append(f"{name}: shape {entry['shape']}, expected {row['shape']}")
        if raw.hex() != row["hex"]:
            problems.append(f"{name}: bytes differ")
        values = decode(entry["dtype"], raw).tolist()
        wanted_values = [float(v) if isinstance(v, str) else v for v in row["values"]]
        same = len(values) == len(wanted_values) and all(
            (math.isnan(a) and math.isnan(b)) if isinstance(a, float) and math.isnan(a)
            else (a == b and math.copysign(1, a) == math.copysign(1, b)) if isinstance(a, float)
            else a == b
            for a, b in zip(values, wanted_values))
        if not same:
            problems.append(f"{name}: values differ: {values[:6]} vs {wanted_values[:6]}")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
