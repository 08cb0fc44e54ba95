# PyTorch counterparts of bench rows: usage cnn.py small|keras THREADS N_TRAIN
#   small: conv 5×5×8 same + ReLU → pool 2 → conv 5×5×16 same + ReLU → pool 2 → dense 10; Adam 1e-3, batch 64
#   keras: Keras' mnist_cnn: conv 3×3×32 → conv 3×3×64 → pool 2 → dropout .25 → dense 128 → dropout .5 →
#          dense 10; Adam 1e-3, batch 128
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import load_mnist, report, setup, time_training
import torch.nn as nn
import torch.optim as optim

which, threads, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
setup(threads)
xtr, ytr, _, _ = load_mnist()
xtr = xtr.view(-1, 1, 28, 28)


def build():
    if which == 'small':
        m = nn.Sequential(nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 7 * 7, 10))
    else:
        m = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
                          nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
    return m, optim.Adam(m.parameters(), lr=1e-3)


_, epoch = time_training(build, xtr, ytr, 64 if which == 'small' else 128, n)
report(epoch=epoch)
