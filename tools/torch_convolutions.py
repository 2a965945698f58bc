"""The convolutions of chapter 6's DCGAN networks in PyTorch (oneDNN on x86), for a side-by-side run
with `swift run -c release bench --only convolutions --width W`. The same layers at batch 128:
forward, input gradient, weight gradient, GFLOP/s (2 x multiply-adds, as torch_ref.py counts),
median of runs.

    ~/peer/bin/python tools/torch_convolutions.py [--threads 2] [--runs 5] [--width 32]
"""
import argparse, time
import torch, torch.nn as nn

def median_seconds(body, runs):
    body()
    times = []
    for _ in range(runs):
        start = time.perf_counter(); body(); times.append(time.perf_counter() - start)
    return sorted(times)[runs // 2]

def layers(channels, size, width, nz=100):
    """(name, layer, input shape) for G's transposed convolutions and D's convolutions, as torch_ref.py builds them."""
    stages = {64: [8, 4, 2, 1], 32: [4, 2, 1]}[size]
    out, side = [("G", nn.ConvTranspose2d(nz, width * stages[0], 4, 1, 0, bias=False), (nz, 1, 1))], 4
    for a, b in zip(stages, stages[1:]):
        out.append(("G", nn.ConvTranspose2d(width * a, width * b, 4, 2, 1, bias=False), (width * a, side, side))); side *= 2
    out.append(("G", nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False), (width, side, side)))
    out.append(("D", nn.Conv2d(channels, width, 4, 2, 1, bias=False), (channels, size, size)))
    rev, side = stages[::-1], size // 2
    for a, b in zip(rev, rev[1:]):
        out.append(("D", nn.Conv2d(width * a, width * b, 4, 2, 1, bias=False), (width * a, side, side))); side //= 2
    out.append(("D", nn.Conv2d(width * stages[0], 1, 4, 1, 0, bias=False), (width * stages[0], 4, 4)))
    return out

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--width", type=int, default=64)
a = ap.parse_args()
torch.set_num_threads(a.threads)
print(f"layer                                      forward   input gradient   weight gradient   (PyTorch {torch.__version__}, {a.threads} threads)")
for net, channels, size in [("faces", 3, 64), ("digits", 1, 32)]:
    for name, layer, shape in layers(channels, size, a.width):
        x = torch.randn(128, *shape, requires_grad=True)
        y = layer(x)
        dy = torch.randn_like(y)
        if isinstance(layer, nn.Conv2d):
            macs = y[0].numel() * layer.in_channels * 16
        else:
            macs = x[0].numel() * layer.out_channels * 16
        flops = 2.0 * macs * 128
        def forward():
            with torch.no_grad(): layer(x)
        def input_gradient():
            layer.weight.requires_grad_(False); x.requires_grad_(True)
            torch.autograd.grad(layer(x), x, dy)
        def weight_gradient():
            layer.weight.requires_grad_(True); x.requires_grad_(False)
            torch.autograd.grad(layer(x), layer.weight, dy)
        forward_s = median_seconds(forward, a.runs)
        # the gradients' times include their forward pass; subtract it, as bench times backward alone
        rates = [flops / forward_s / 1e9] + [flops / max(median_seconds(f, a.runs) - forward_s, 1e-9) / 1e9 for f in (input_gradient, weight_gradient)]
        label = f"{net} {name} {type(layer).__name__} {'x'.join(map(str, shape))}->{'x'.join(map(str, y.shape[1:]))}"
        print(f"{label:<40}" + "".join(f"{r:10.1f}       " for r in rates))
