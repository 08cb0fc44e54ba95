"""Reference side of the tabular comparison (not part of CI).

Exports scikit-learn's bundled iris, wine, breast cancer and diabetes tables to CSV (the class as
its name for iris and wine), draws 10 splits per table (80/20, random_state 0–9, stratified for the
classifiers), and scores scikit-learn's LogisticRegression and MLPClassifier (classification) or
LinearRegression and MLPRegressor (regression), each on standardised features, on every split (the
MLPs seeded with the split's seed). One split is one test row in 30 for iris and wine, so a single
split cannot tell models apart; compare.ts reports the mean ± sd over the 10.

Writes DIR/<name>.csv, DIR/splits/<name>-<seed>-train.csv and -test.csv, and DIR/sklearn.json
({name: {task, train, test, scores: {model: [one score per split]}}}). Needs Debian's python3-sklearn:

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

SPLITS = 10
warnings.filterwarnings("ignore")
out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/tabular"
os.makedirs(os.path.join(out, "splits"), exist_ok=True)


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def models(task, seed):
    if task == "classification":
        return {
            "LogisticRegression": LogisticRegression(max_iter=5000),
            "MLPClassifier": MLPClassifier(max_iter=2000, random_state=seed),
        }
    return {
        "LinearRegression": LinearRegression(),
        "MLPRegressor": MLPRegressor(max_iter=2000, random_state=seed),
    }


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
    header = features + ["target"]
    rows = [list(X[i]) + [labels[i]] for i in range(len(y))]
    write(os.path.join(out, f"{name}.csv"), header, rows)
    scores = {}
    for seed in range(SPLITS):
        tr, te = train_test_split(
            np.arange(len(y)),
            test_size=0.2,
            random_state=seed,
            stratify=y if task == "classification" else None,
        )
        prefix = os.path.join(out, "splits", f"{name}-{seed}")
        write(f"{prefix}-train.csv", header, [rows[i] for i in tr])
        write(f"{prefix}-test.csv", header, [rows[i] for i in te])
        for k, m in models(task, seed).items():
            fitted = make_pipeline(StandardScaler(), m).fit(X[tr], y[tr])
            score = (
                fitted.score(X[te], y[te])
                if task == "classification"
                else r2_score(y[te], fitted.predict(X[te]))
            )
            scores.setdefault(k, []).append(float(score))
    results[name] = {"task": task, "train": len(tr), "test": len(te), "scores": scores}
    print(
        name,
        task,
        {k: f"{np.mean(v):.4f} ± {np.std(v, ddof=1):.4f}" for k, v in scores.items()},
    )
with open(os.path.join(out, "sklearn.json"), "w") as f:
    json.dump(results, f, indent=2)
