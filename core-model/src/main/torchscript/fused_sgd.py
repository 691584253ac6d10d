"""Writes the TorchScript module behind org.geodecoder.model.train.FusedSgdKernel.

DJL 0.36 exposes no PyTorch optimizer kernel (its sgdUpdate follows MXNet's semantics and clones
the gradient), so the device optimizer made ~8 passes over the weights per step with two
full-size temporaries. libtorch (>= 2.4) has a fused, vectorized, multi-threaded CPU kernel for
PyTorch's SGD (torch._fused_sgd_, what torch.optim.SGD(fused=True) calls; CUDA has one too):
one pass reads weight, gradient and momentum and writes weight and momentum. This module calls it.

The op is newer than Debian's python3-torch (1.13), which cannot script it. A TorchScript
archive holds its code as source that libtorch compiles at load time, so this script scripts a
module of the same signature with a placeholder call and writes the archive with the call
replaced by torch._fused_sgd_ (the debug source map, which would no longer match, is left out).
Any PyTorch >= 1.10 runs it:
    /usr/bin/python3 core-model/src/main/torchscript/fused_sgd.py \
        core-model/src/main/resources/org/geodecoder/model/train
"""
import io
import os
import sys
import zipfile
from typing import List

import torch

PLACEHOLDER = "torch._foreach_add_(params, grads)"
FUSED = ("torch._fused_sgd_(params, grads, momentum_buffers, weight_decay=weight_decay, "
         "momentum=momentum, lr=lr, dampening=0., nesterov=False, maximize=False, "
         "is_first_step=first_step)")


class FusedSgd(torch.nn.Module):
    def forward(self, params: List[torch.Tensor], grads: List[torch.Tensor],
                momentum_buffers: List[torch.Tensor], weight_decay: float, momentum: float,
                lr: float, first_step: bool) -> int:
        torch._foreach_add_(params, grads)  # replaced by FUSED in the written archive
        return len(params)


buffer = io.BytesIO()
torch.jit.save(torch.jit.script(FusedSgd()), buffer)
target = os.path.join(sys.argv[1], "fused_sgd.pt")
with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, \
        zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as out:
    for info in source.infolist():
        if info.filename.endswith(".debug_pkl"):
            continue
        data = source.read(info.filename)
        if info.filename.endswith(".py"):
            text = data.decode("utf-8")
            if PLACEHOLDER not in text:
                sys.exit("placeholder call not found in " + info.filename)
            data = text.replace(PLACEHOLDER, FUSED).encode("utf-8")
        fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible bytes
        out.writestr(fixed, data)
print("wrote", target)
