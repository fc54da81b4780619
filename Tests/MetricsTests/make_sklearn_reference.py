#!/usr/bin/python3
"""Writes scikit-learn's numbers for seeded multi-label scores, as the reference MetricsTests compare with.

Run with Debian's interpreter (apt-get install python3-sklearn):
    /usr/bin/python3 make_sklearn_reference.py OUTPUT.json
Scores are rounded to 2 decimals so many of them tie, and cast to float32 (what the Swift side
holds) before anything is computed. One class has no positive, one has a single positive, one is
positive everywhere.
"""
import json
import sys

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, precision_recall_fscore_support

V, K = 50, 12
THRESHOLD = 0.5
TOP_K = [1, 3]
SEGMENTS = ["head"] * 4 + ["middle"] * 4 + ["tail"] * 4

rng = np.random.RandomState(20240607)
rates = np.linspace(0.5, 0.05, K)
labels = (rng.rand(V, K) < rates).astype(np.uint8)
labels[:, 7] = 0            # no positive: excluded from every mean AP
labels[:, 10] = 0
labels[rng.randint(V), 10] = 1  # a single positive
labels[:, 2] = 1            # positive everywhere: AP 1
scores = np.clip(rng.rand(V, K) * 0.75 + 0.3 * labels, 0, 1)
scores = np.round(scores, 2).astype(np.float32)

per_class = [float(average_precision_score(labels[:, k], scores[:, k])) if labels[:, k].any() else None
             for k in range(K)]

# SlowFast get_map (slowfast/utils/meters.py), which Animal Kingdom cites as its metric.
keep = ~np.all(labels == 0, axis=0)
slowfast_map = float(np.mean(average_precision_score(labels[:, keep], scores[:, keep], average=None)))

micro_ap = float(average_precision_score(labels.ravel(), scores.ravel()))
assert abs(micro_ap - average_precision_score(labels, scores, average="micro")) < 1e-15

segment_map = {}
for name in ["head", "middle", "tail"]:
    aps = [per_class[k] for k in range(K) if SEGMENTS[k] == name and per_class[k] is not None]
    segment_map[name] = float(np.mean(aps)) if aps else None


def prf(predicted):
    out = {}
    for average in ["micro", "macro"]:
        p, r, f, _ = precision_recall_fscore_support(labels, predicted, average=average, zero_division=0)
        out[average] = {"precision": float(p), "recall": float(r), "f1": float(f)}
    return out


thresholded = (scores >= THRESHOLD).astype(np.uint8)
top_k = {}
for k in TOP_K:
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    predicted = np.zeros_like(labels)
    np.put_along_axis(predicted, order, 1, axis=1)
    top_k[str(k)] = prf(predicted)

precision, recall, thresholds = precision_recall_curve(labels.ravel(), scores.ravel())

reference = {
    "items": V,
    "classes": K,
    "segments": SEGMENTS,
    "scores": [float(x) for x in scores.ravel()],
    "labels": [int(x) for x in labels.ravel()],
    "per_class_ap": per_class,
    "slowfast_map": slowfast_map,
    "micro_ap": micro_ap,
    "segment_map": segment_map,
    "threshold": THRESHOLD,
    "at_threshold": prf(thresholded),
    "top_k": top_k,
    # scikit-learn order: lowest threshold first, plus a final (precision 1, recall 0) point.
    "micro_curve": {"precision": precision.tolist(), "recall": recall.tolist(), "thresholds": thresholds.tolist()},
}
with open(sys.argv[1], "w") as f:
    json.dump(reference, f)
