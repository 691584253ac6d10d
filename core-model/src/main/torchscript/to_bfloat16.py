"""Writes the two TorchScript modules behind org.geodecoder.model.nn.Bf16Cast.

DJL 0.36 cannot cast to bfloat16 itself: its JNI maps no DataType to torch.bfloat16
(NDArray.toType(BFLOAT16) aborts the JVM in GetScalarTypeFromDType), and its toType runs under
NoGradGuard, so no cast it makes is differentiable. These modules make both casts as libtorch's
differentiable Tensor.to. Regenerate with any PyTorch >= 1.10 (e.g. Debian's python3-torch):
    /usr/bin/python3 core-model/src/main/torchscript/to_bfloat16.py \
        core-model/src/main/resources/org/geodecoder/model/nn
"""
import os
import sys

import torch


class ToBfloat16(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.bfloat16)


class ToFloat32(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.float32)


out = sys.argv[1]
torch.jit.script(ToBfloat16()).save(os.path.join(out, "to_bfloat16.pt"))
torch.jit.script(ToFloat32()).save(os.path.join(out, "to_float32.pt"))
