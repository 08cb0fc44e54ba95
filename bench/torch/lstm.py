# PyTorch counterpart of the bench row: usage lstm.py THREADS N_TRAIN
# Row-by-row MNIST (28 steps of 28 pixels) → LSTM(128) → dense 10; Adam 1e-3, batch 128.
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import load_mnist, report, setup, time_training
import torch.nn as nn
import torch.optim as optim

threads, n = int(sys.argv[1]), int(sys.argv[2])
setup(threads)
xtr, ytr, _, _ = load_mnist()
xtr = xtr.view(-1, 28, 28)


class RowLstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(28, 128, batch_first=True)
        self.out = nn.Linear(128, 10)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.out(h[:, -1])


def build():
    m = RowLstm()
    return m, optim.Adam(m.parameters(), lr=1e-3)


_, epoch = time_training(build, xtr, ytr, 128, n)
report(epoch=epoch)
