"""Minimal safetensors writer/reader (format: https://huggingface.co/docs/safetensors).

Layout: 8-byte little-endian header length, a JSON header {name: {dtype, shape,
data_offsets}}, then the raw little-endian tensor bytes. The header is padded with spaces to
a multiple of 8 bytes, as the reference implementation does. Written here because the
`safetensors` pip package is not available on these machines.
"""
import json
import struct

import torch

_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}
_TORCH = {v: k for k, v in _DTYPES.items()}


def _tensor_bytes(t):
    t = t.contiguous().cpu()
    if t.dtype == torch.bfloat16:
        # numpy has no bfloat16: reinterpret the 16-bit patterns.
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def save(tensors, path, metadata=None):
    """Writes {name: tensor} to `path` in the given dtypes, names sorted."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name]
        data = _tensor_bytes(t)
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def load(path):
    """Reads a safetensors file back into {name: tensor} (original dtypes)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        buf = bytearray(raw[8 + n + b:8 + n + end])
        dt = _TORCH[e["dtype"]]
        if dt == torch.bfloat16:
            t = torch.frombuffer(buf, dtype=torch.int16).view(torch.bfloat16)
        else:
            t = torch.frombuffer(buf, dtype=dt)
        out[name] = t.reshape(e["shape"]).clone()
    return out


def load_folder(d):
    """Loads every shard listed in model.safetensors.index.json of folder `d`."""
    import os
    with open(os.path.join(d, "model.safetensors.index.json")) as f:
        shards = sorted(set(json.load(f)["weight_map"].values()))
    out = {}
    for s in shards:
        out.update(load(os.path.join(d, s)))
    return out
