"""Chapter 8's diffusion step in PyTorch (CPU), layer for layer as Sources/Models/Diffusion/UNet.swift
builds it, for a side-by-side run with `swift run -c release bench --only steps --model diffusion --width W`.

    ~/peer/bin/python tools/torch_diffusion.py [--width 32] [--batch 128] [--steps 20] [--threads 2]

The U-Net for 1 x 32 x 32: a 3x3 stem to c channels; down1 block(c -> c), a 3x3 stride-2 convolution;
down2 block(c -> 2c), a 3x3 stride-2 convolution; middle block(2c -> 2c); nearest upsampling, the
kept maps joined, block(4c -> 2c); again, block(3c -> c); group norm, SiLU, a 3x3 convolution to 1.
A block: GroupNorm, SiLU, 3x3 conv, + Linear(embedding) per channel, GroupNorm, SiLU, 3x3 conv, + the
input (a 1x1 convolution when the channels change). The step t: sines and cosines (c numbers),
Linear(c, 4c), SiLU, Linear(4c, 4c), SiLU. The step: t ~ U{1..1000} (linear schedule), x_t in one
jump, mean squared error against the noise, Adam 2e-4, then an exponential moving average (0.999).
Prints as torch_ref.py does: s/step, samples/s=N, GFLOP/s (6 x the convolutions' multiply-adds).
"""
import argparse, math, time
import torch, torch.nn as nn, torch.nn.functional as F

class Block(nn.Module):
    def __init__(s, cin, cout, emb, groups):
        super().__init__()
        s.norm1, s.conv1 = nn.GroupNorm(groups, cin), nn.Conv2d(cin, cout, 3, padding=1)
        s.project = nn.Linear(emb, cout)
        s.norm2, s.conv2 = nn.GroupNorm(groups, cout), nn.Conv2d(cout, cout, 3, padding=1)
        s.skip = None if cin == cout else nn.Conv2d(cin, cout, 1)
    def forward(s, x, e):
        h = s.conv1(F.silu(s.norm1(x))) + s.project(e)[:, :, None, None]
        return s.conv2(F.silu(s.norm2(h))) + (x if s.skip is None else s.skip(x))

class UNet(nn.Module):
    def __init__(s, c=32, groups=8):
        super().__init__()
        s.c = c
        s.embed1, s.embed2 = nn.Linear(c, 4 * c), nn.Linear(4 * c, 4 * c)
        s.stem = nn.Conv2d(1, c, 3, padding=1)
        s.down1, s.downsample1 = Block(c, c, 4 * c, groups), nn.Conv2d(c, c, 3, stride=2, padding=1)
        s.down2, s.downsample2 = Block(c, 2 * c, 4 * c, groups), nn.Conv2d(2 * c, 2 * c, 3, stride=2, padding=1)
        s.middle = Block(2 * c, 2 * c, 4 * c, groups)
        s.up2, s.up1 = Block(4 * c, 2 * c, 4 * c, groups), Block(3 * c, c, 4 * c, groups)
        s.out_norm, s.out_conv = nn.GroupNorm(groups, c), nn.Conv2d(c, 1, 3, padding=1)
    def embedding(s, t):
        half = s.c // 2
        freqs = torch.pow(10000.0, -torch.arange(half, dtype=torch.float32) / (half - 1))
        angles = t[:, None].float() * freqs[None, :]
        return torch.cat([angles.sin(), angles.cos()], dim=1)
    def forward(s, x, t):
        e = F.silu(s.embed2(F.silu(s.embed1(s.embedding(t)))))
        s1 = s.down1(s.stem(x), e)
        s2 = s.down2(s.downsample1(s1), e)
        m = s.middle(s.downsample2(s2), e)
        r2 = s.up2(torch.cat([F.interpolate(m, scale_factor=2, mode="nearest"), s2], dim=1), e)
        r1 = s.up1(torch.cat([F.interpolate(r2, scale_factor=2, mode="nearest"), s1], dim=1), e)
        return s.out_conv(F.silu(s.out_norm(r1)))

def multiply_adds(side, c):
    conv = lambda i, o, k, r: o * r * r * i * k * k
    s = side
    return (conv(1, c, 3, s) + 2 * conv(c, c, 3, s) + conv(c, c, 3, s // 2)
            + conv(c, 2 * c, 3, s // 2) + conv(2 * c, 2 * c, 3, s // 2) + conv(c, 2 * c, 1, s // 2)
            + conv(2 * c, 2 * c, 3, s // 4) + 2 * conv(2 * c, 2 * c, 3, s // 4)
            + conv(4 * c, 2 * c, 3, s // 2) + conv(2 * c, 2 * c, 3, s // 2) + conv(4 * c, 2 * c, 1, s // 2)
            + conv(3 * c, c, 3, s) + conv(c, c, 3, s) + conv(3 * c, c, 1, s) + conv(c, 1, 3, s))

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    net = UNet(a.width, min(8, a.width))
    average = [p.detach().clone() for p in net.parameters()]
    opt = torch.optim.Adam(net.parameters(), lr=2e-4)
    betas = torch.linspace(1e-4, 0.02, 1000)
    alpha_bars = torch.cumprod(1 - betas, dim=0)
    x0 = torch.rand(a.batch, 1, 32, 32) * 2 - 1
    def step():
        t = torch.randint(1, 1001, (a.batch,))
        noise = torch.randn_like(x0)
        ab = alpha_bars[t - 1][:, None, None, None]
        xt = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
        opt.zero_grad()
        loss = F.mse_loss(net(xt, t), noise)
        loss.backward(); opt.step()
        with torch.no_grad():
            for avg, p in zip(average, net.parameters()): avg.mul_(0.999).add_(p, alpha=0.001)
    for _ in range(3): step()
    start = time.perf_counter()
    for _ in range(a.steps): step()
    dt = (time.perf_counter() - start) / a.steps
    flops = 6 * a.batch * multiply_adds(32, a.width)
    print(f"diffusion width={a.width} batch={a.batch} threads={a.threads} s/step={dt*1e3:.3f}ms "
          f"samples/s={a.batch/dt:.0f} GFLOP/s={flops/dt/1e9:.1f}")
