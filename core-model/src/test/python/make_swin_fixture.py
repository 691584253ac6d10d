#!/usr/bin/python3
"""Generates the independent Swin reference fixture of SwinTorchvisionReferenceTest.

Not used by the build or CI; run once, by hand, and commit its output:

    apt-get install -y python3-torch python3-torchvision   # Debian: torch 1.13, torchvision 0.14
    /usr/bin/python3 core-model/src/test/python/make_swin_fixture.py \
        core-model/src/test/resources/swin-reference

A tiny torchvision SwinTransformer (patch 4, embed 16, depths [2, 2], heads [1, 2], window 7,
56x56 input: stage 0 is a 14x14 grid with regular and shifted 7x7 windows, then a patch merging,
stage 1 a 7x7 grid) with random weights. It writes:

  tv_swin.safetensors   the model's state_dict in torchvision names (head included)
  io.safetensors        'input' [2, 3, 56, 56] and 'output' [2, 49, 32]: the tokens after the
                        final LayerNorm, norm(features(x)) flattened row-major, i.e. what
                        torchvision computes before its avgpool and classification head
  timm_names.tsv        torchvision name <TAB> timm (>= 0.9) name of every tensor: the same
                        weights under timm's names, so one fixture tests both name sets

Debian has no safetensors package; the format is written directly: an 8-byte little-endian
header length, a JSON header {name: {dtype, shape, data_offsets}}, then the raw little-endian
data (https://github.com/huggingface/safetensors#format).
"""
import json
import os
import re
import struct
import sys

import torch
from torchvision.models.swin_transformer import SwinTransformer

DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def write_safetensors(path, tensors):
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)  # keeps the data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def timm_name(tv):
    """torchvision -> timm (>= 0.9, 'layers.i.downsample' at the start of stage i) names.

    torchvision's `features` is a flat Sequential: 0 = patch embedding (0.0 conv, 0.2 norm),
    then for stage s the blocks at index 2s+1 and, between stages, the PatchMerging at 2s+2.
    """
    m = re.match(r"features\.0\.0\.(weight|bias)$", tv)
    if m:
        return "patch_embed.proj." + m.group(1)
    m = re.match(r"features\.0\.2\.(weight|bias)$", tv)
    if m:
        return "patch_embed.norm." + m.group(1)
    m = re.match(r"features\.(\d+)\.(\d+)\.(.+)$", tv)
    if m and int(m.group(1)) % 2 == 1:
        stage = (int(m.group(1)) - 1) // 2
        rest = m.group(3).replace("mlp.0.", "mlp.fc1.").replace("mlp.3.", "mlp.fc2.")
        return "layers.%d.blocks.%s.%s" % (stage, m.group(2), rest)
    m = re.match(r"features\.(\d+)\.(norm|reduction)\.(weight|bias)$", tv)
    if m:
        stage = int(m.group(1)) // 2  # the merge after stage s-1 starts stage s
        return "layers.%d.downsample.%s.%s" % (stage, m.group(2), m.group(3))
    m = re.match(r"norm\.(weight|bias)$", tv)
    if m:
        return tv
    m = re.match(r"head\.(weight|bias)$", tv)
    if m:
        return "head.fc." + m.group(1)
    raise ValueError("no timm name for " + tv)


def main(out):
    torch.manual_seed(20230304)
    model = SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2], num_heads=[1, 2],
                            window_size=[7, 7], stochastic_depth_prob=0.0, num_classes=10)
    # torchvision initialises biases, the norms and the position bias tables to constants;
    # random values everywhere make every parameter (and its placement) matter.
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn_like(p) * (0.2 if p.dim() > 1 else 0.5)
                    + (1.0 if name.endswith("norm.weight") or re.search(r"norm\d\.weight$", name) else 0.0))
    model.eval()
    x = torch.randn(2, 3, 56, 56)
    with torch.no_grad():
        y = model.norm(model.features(x))  # [2, 7, 7, 32]
    y = y.reshape(2, 49, 32)
    state = model.state_dict()
    os.makedirs(out, exist_ok=True)
    write_safetensors(os.path.join(out, "tv_swin.safetensors"), state)
    write_safetensors(os.path.join(out, "io.safetensors"), {"input": x, "output": y})
    with open(os.path.join(out, "timm_names.tsv"), "w") as f:
        for name in state:
            f.write("%s\t%s\n" % (name, timm_name(name)))
    print("torch %s, torchvision %s: %d tensors, output %s, |output| mean %.4f"
          % (torch.__version__, __import__("torchvision").__version__, len(state), tuple(y.shape),
             y.abs().mean().item()))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "swin-reference")
