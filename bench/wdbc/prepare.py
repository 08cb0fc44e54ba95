"""Reference side of the tabular comparison (not part of CI).

Writes the Wisconsin breast-cancer table and 10 stratified 75/25 splits to a folder, and prints
scikit-learn MLPClassifier's test accuracy (its defaults) on each split. Needs scikit-learn, which
bundles the data set: `apt-get install python3-sklearn`, then

    /usr/bin/python3 bench/wdbc/prepare.py /tmp/wdbc
    node bench/wdbc/compare.mjs /tmp/wdbc
"""
import csv
import json
import os
import sys
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore")
out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/wdbc"
os.makedirs(out, exist_ok=True)
X, y = load_breast_cancer(return_X_y=True)
with open(os.path.join(out, "wdbc.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow([f"f{i}" for i in range(X.shape[1])] + ["target"])
    for row, t in zip(X, y):
        w.writerow(list(row) + [int(t)])
splits, accs = [], []
for seed in range(10):
    tr, te = train_test_split(np.arange(len(y)), test_size=0.25, random_state=seed, stratify=y)
    splits.append({"train": tr.tolist(), "test": te.tolist()})
    sc = StandardScaler().fit(X[tr])
    clf = MLPClassifier(random_state=seed).fit(sc.transform(X[tr]), y[tr])
    accs.append(clf.score(sc.transform(X[te]), y[te]))
with open(os.path.join(out, "splits.json"), "w") as f:
    json.dump(splits, f)
print("scikit-learn MLPClassifier defaults (100 relu, adam, batch 200, max_iter 200)")
print("  per split: " + " ".join(f"{a:.3f}" for a in accs))
print(f"  mean {np.mean(accs):.4f}  min {min(accs):.4f}  max {max(accs):.4f}")
