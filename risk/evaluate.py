"""Repeated stratified cross-validation of the whole training recipe (binning included).

Each fold refits the bins and the model on its training part and scores the other part with the
rounded points table, exactly what runs in production.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from risk.dataset import DEFAULT_DATA, load_rows
from risk.metrics import auc, ks
from risk.scorecard import scorecard_from_document


def cross_validate(
    data: Path = DEFAULT_DATA, *, folds: int = 5, repeats: int = 3, seed: int = 0
) -> dict[str, list[float]]:
    from sklearn.model_selection import RepeatedStratifiedKFold

    from risk.train import fit, to_document

    rows, bad = load_rows(data)
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    results: dict[str, list[float]] = {"AUC": [], "KS": [], "Gini": []}
    for train_index, test_index in splitter.split(rows, bad):
        model = fit([rows[i] for i in train_index], [bad[i] for i in train_index], seed=seed)
        card = scorecard_from_document(to_document(model, data_name=data.name, holdout=[]))
        scores = [card.score(rows[i]) for i in test_index]
        labels = [bad[i] for i in test_index]
        area = auc(scores, labels)
        results["AUC"].append(area)
        results["KS"].append(ks(scores, labels))
        results["Gini"].append(2 * area - 1)
    return results


def report(results: dict[str, list[float]], folds: int, repeats: int) -> str:
    lines = [f"{repeats}x{folds}-fold cross-validation", f"{'metric':<6} {'mean':>7} {'std':>7}"]
    for name, values in results.items():
        lines.append(f"{name:<6} {statistics.mean(values):>7.4f} {statistics.stdev(values):>7.4f}")
    return "\n".join(lines)
