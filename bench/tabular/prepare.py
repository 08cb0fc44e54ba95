"""Reference side of the tabular comparison (not part of CI).

Exports scikit-learn's bundled iris, wine, breast cancer and diabetes tables to CSV (the class as
its name for iris and wine), draws one fixed split per table (stratified 80/20 for the classifiers,
80/20 for diabetes; random_state 0), and scores scikit-learn's LogisticRegression and MLPClassifier
(classification) or LinearRegression and MLPRegressor (regression), each on standardised features,
on that split. Writes DIR/<name>.csv, DIR/<name>-train.csv, DIR/<name>-test.csv and DIR/sklearn.json.
Needs Debian's python3-sklearn:

    /usr/bin/python3 bench/tabular/prepare.py /tmp/tabular
    npx tsx bench/tabular/compare.ts /tmp/tabular
"""
import csv
import json
import os
import sys
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore")
out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/tabular"
os.makedirs(out, exist_ok=True)


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


results = {}
for name, loader, task in [
    ("iris", load_iris, "classification"),
    ("wine", load_wine, "classification"),
    ("breast-cancer", load_breast_cancer, "classification"),
    ("diabetes", load_diabetes, "regression"),
]:
    data = loader(scaled=False) if name == "diabetes" else loader()
    X, y = data.data, data.target
    features = [str(f).replace(" ", "_") for f in data.feature_names]
    if task == "classification":
        names = [str(n) for n in data.target_names]
        labels = [names[int(t)] for t in y]
    else:
        labels = [float(t) for t in y]
    idx = np.arange(len(y))
    tr, te = train_test_split(
        idx, test_size=0.2, random_state=0, stratify=y if task == "classification" else None
    )
    header = features + ["target"]
    rows = [list(X[i]) + [labels[i]] for i in idx]
    write(os.path.join(out, f"{name}.csv"), header, rows)
    write(os.path.join(out, f"{name}-train.csv"), header, [rows[i] for i in tr])
    write(os.path.join(out, f"{name}-test.csv"), header, [rows[i] for i in te])
    if task == "classification":
        models = {
            "LogisticRegression": LogisticRegression(max_iter=5000),
            "MLPClassifier": MLPClassifier(max_iter=2000, random_state=0),
        }
        scores = {k: m_score for k, m_score in (
            (k, make_pipeline(StandardScaler(), m).fit(X[tr], y[tr]).score(X[te], y[te]))
            for k, m in models.items())}
    else:
        models = {
            "LinearRegression": LinearRegression(),
            "MLPRegressor": MLPRegressor(max_iter=2000, random_state=0),
        }
        scores = {}
        for k, m in models.items():
            p = make_pipeline(StandardScaler(), m).fit(X[tr], y[tr]).predict(X[te])
            scores[k] = r2_score(y[te], p)
    results[name] = {"task": task, "train": len(tr), "test": len(te), "scores": scores}
    print(name, task, {k: round(v, 4) for k, v in scores.items()})
with open(os.path.join(out, "sklearn.json"), "w") as f:
    json.dump(results, f, indent=2)
