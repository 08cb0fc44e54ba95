# PyTorch counterparts of bench rows: usage mlp.py small|wide THREADS N_TRAIN
#   small: 784-100-10 sigmoid, SGD lr 0.1, batch 100; inference batch 1000 on the 10,000 test images
#   wide:  784-1024-1024-10 ReLU, Adam 1e-3, batch 128; inference batch 500 on the 10,000 test images
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import images_per_second, load_mnist, report, setup, time_training
import torch.nn as nn
import torch.optim as optim

which, threads, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
setup(threads)
xtr, ytr, xte, _ = load_mnist()


def build():
    if which == 'small':
        m = nn.Sequential(nn.Linear(784, 100), nn.Sigmoid(), nn.Linear(100, 10))
        return m, optim.SGD(m.parameters(), lr=0.1)
    m = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
    return m, optim.Adam(m.parameters(), lr=1e-3)


batch, infer_batch = (100, 1000) if which == 'small' else (128, 500)
model, epoch = time_training(build, xtr, ytr, batch, n)
report(epoch=epoch, inference=images_per_second(model, xte, infer_batch))
