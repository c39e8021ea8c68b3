#!/usr/bin/env python3
"""Writes the GEMM probe the throughput benchmark times to find this CPU's peak: a scripted TorchScript module
without weights (a few KB), so the same libtorch, with the same ISA caps, runs it in the benchmark's JVM.

forward(a, b, mode, iters) multiplies a [M, K] by b^T ([N, K]) `iters` times and returns the last product:
  mode 0  fp32 matmul (MKL/oneDNN sgemm)
  mode 1  dynamic int8 Linear: b quantized per tensor to qint8 once and packed, `a` quantized per call
          (torch.ops.quantized.linear_dynamic, FBGEMM on x86): what the int8 variants' Linears run
  mode 2  bf16 matmul (oneDNN)
The pack (mode 1) and casts (mode 2) happen once before the loop, so the loop times only the products.

Run with Debian's torch (python3-torch 1.13); the file loads in libtorch 2.7.1 (DJL):
  /usr/bin/python3 model/make_gemm_probe.py [OUT]
Default OUT: tools/src/main/resources/dev/batchqa/bench/gemm-probe.pt (committed).
"""

import os
import sys

import torch
from torch import Tensor, nn


class GemmProbe(nn.Module):
    def forward(self, a: Tensor, b: Tensor, mode: Tensor, iters: Tensor) -> Tensor:
        m = int(mode.item())
        n = int(iters.item())
        out = a
        if m == 0:
            for _ in range(n):
                out = torch.matmul(a, b.t())
        elif m == 1:
            scale = float(b.abs().max().item()) / 127.0
            packed = torch.ops.quantized.linear_prepack(torch.quantize_per_tensor(b, scale, 0, torch.qint8), None)
            for _ in range(n):
                out = torch.ops.quantized.linear_dynamic(a, packed, False)
        else:
            ab = a.to(torch.bfloat16)
            bb = b.t().contiguous().to(torch.bfloat16)
            for _ in range(n):
                out = torch.matmul(ab, bb).float()
        return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "tools", "src", "main", "resources", "dev", "batchqa", "bench", "gemm-probe.pt")
    torch.backends.quantized.engine = "onednn" if "onednn" in torch.backends.quantized.supported_engines else "qnnpack"
    probe = torch.jit.script(GemmProbe().eval())
    a, b = torch.randn(64, 96), torch.randn(32, 96)
    for mode in (0, 1, 2):  # every branch runs here once: a typo fails now, not in the benchmark
        y = probe(a, b, torch.tensor(mode), torch.tensor(1))
        assert y.shape == (64, 32), y.shape
        assert float((y - a @ b.t()).abs().max()) < 0.5 * float((a @ b.t()).abs().max()), mode
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    probe.save(out)
    print(f"{out}: {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
