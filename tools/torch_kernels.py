"""The matmul kernels of the chapters' shapes in PyTorch (MKL on x86), for a side-by-side run with
`swift run -c release bench --only kernels`. Same shapes, same three forms, GFLOP/s, median of runs.

    ~/peer/bin/python tools/torch_kernels.py [--threads 2] [--runs 5] [--shape "784->1024 b128"]
"""
import argparse, time
import torch

SHAPES = [("784->128 b32", 32, 784, 128), ("784->1024 b64", 64, 784, 1024), ("1024->784 b64", 64, 1024, 784),
          ("784->1024 b128", 128, 784, 1024), ("1024->512 b128", 128, 1024, 512), ("512->256 b128", 128, 512, 256),
          ("1024->784 b128", 128, 1024, 784), ("12288->1024 b128", 128, 12288, 1024), ("1024->12288 b128", 128, 1024, 12288)]

def median_seconds(body, runs):
    body()
    times = []
    for _ in range(runs):
        start = time.perf_counter(); body(); times.append(time.perf_counter() - start)
    return sorted(times)[runs // 2]

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--shape", help='only this shape, e.g. "784->1024 b128"')
a = ap.parse_args()
print("shape               threads        X*W     dY*W^T     X^T*dY   (PyTorch %s)" % torch.__version__)
for threads in [1, a.threads] if a.threads > 1 else [1]:
    torch.set_num_threads(threads)
    for label, m, k, n in SHAPES:
        if a.shape and label != a.shape: continue
        x, w, dy = torch.randn(m, k), torch.randn(k, n), torch.randn(m, n)
        y, dx, dw = torch.empty(m, n), torch.empty(m, k), torch.zeros(k, n)
        flops = 2.0 * m * k * n
        repeats = max(1, int(4e8 / flops))
        def forward():
            for _ in range(repeats): torch.matmul(x, w, out=y)
        def backward_input():
            for _ in range(repeats): torch.matmul(dy, w.t(), out=dx)
        def backward_weights():
            for _ in range(repeats): dw.addmm_(x.t(), dy)
        rates = [flops * repeats / median_seconds(f, a.runs) / 1e9 for f in (forward, backward_input, backward_weights)]
        print("%-20s%d      %s" % (label, threads, " ".join("%10.1f" % r for r in rates)))
