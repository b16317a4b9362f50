"""Train the twin extractor's clause classifier from the hand-labelled clause corpus.

Reads ``benchmarks/data/clauses/*.jsonl`` (``{"text": ..., "label": ...}`` per line),
fits a multinomial logistic regression (AdaGrad, L2, fixed seed: the same data gives the
same model on every machine) and writes ``langgraph_agentcore/twin/clause_model.json``.
``--cv K`` reports K-fold cross-validated accuracy and a confusion matrix instead.

    python benchmarks/train_clause_model.py            # train and write the model
    python benchmarks/train_clause_model.py --cv 5     # estimate accuracy only
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from langgraph_agentcore.twin.clause_model import (  # noqa: E402
    LABELS,
    MODEL_PATH,
    ClauseModel,
    clause_features,
)

DATA_DIR = ROOT / "benchmarks" / "data" / "clauses"
# Features whose weights all stay below this are dropped from the shipped file: it halves
# the file and changes the label of fewer than 0.5% of the training clauses.
PRUNE = 0.2


def load(data_dir: Path = DATA_DIR) -> list[tuple[str, str]]:
    """(text, label) pairs from every ``*.jsonl`` file, in file and line order."""
    rows: list[tuple[str, str]] = []
    for path in sorted(data_dir.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            entry = json.loads(line)
            if entry["label"] not in LABELS:
                raise ValueError(f"{path.name}:{n}: unknown label {entry['label']!r}")
            rows.append((entry["text"], entry["label"]))
    return rows


def train(
    rows: Sequence[tuple[str, str]], *, epochs: int = 10, rate: float = 0.1, l2: float = 1e-4
) -> ClauseModel:
    """Fit weights by AdaGrad on the softmax cross-entropy, examples shuffled per epoch."""
    k = len(LABELS)
    data = [(clause_features(text), LABELS.index(label)) for text, label in rows]
    weights: dict[str, list[float]] = {}
    grad_sq: dict[str, list[float]] = {}
    rng = random.Random(7)
    order = list(range(len(data)))
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            feats, gold = data[i]
            scores = [0.0] * k
            for f in feats:
                row = weights.get(f)
                if row is not None:
                    for j in range(k):
                        scores[j] += row[j]
            top = max(scores)
            exp = [math.exp(s - top) for s in scores]
            norm = sum(exp)
            for f in feats:
                row = weights.setdefault(f, [0.0] * k)
                acc = grad_sq.setdefault(f, [1e-8] * k)
                for j in range(k):
                    g = exp[j] / norm - (1.0 if j == gold else 0.0) + l2 * row[j]
                    acc[j] += g * g
                    row[j] -= rate * g / math.sqrt(acc[j])
    return ClauseModel(weights)


def cross_validate(rows: Sequence[tuple[str, str]], folds: int) -> None:
    """Print K-fold accuracy and the confusion matrix (gold rows, predicted columns)."""
    rng = random.Random(11)
    shuffled = list(rows)
    rng.shuffle(shuffled)
    confusion: Counter[tuple[str, str]] = Counter()
    for f in range(folds):
        test = shuffled[f::folds]
        train_rows = [r for i, r in enumerate(shuffled) if i % folds != f]
        model = train(train_rows)
        for text, gold in test:
            probs = model.predict(text)
            confusion[(gold, max(probs, key=probs.__getitem__))] += 1
    total = sum(confusion.values())
    right = sum(v for (g, p), v in confusion.items() if g == p)
    print(f"{folds}-fold accuracy: {right / total:.3f} ({right}/{total})")
    print("gold \\ predicted " + " ".join(f"{label:>10}" for label in LABELS))
    for gold in LABELS:
        print(f"{gold:>16} " + " ".join(f"{confusion[(gold, p)]:>10}" for p in LABELS))


def main(argv: Sequence[str] | None = None) -> int:
    """Train and write the model, or cross-validate with ``--cv``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, help="K-fold cross-validation only")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    rows = load()
    print(f"{len(rows)} clauses: {dict(Counter(label for _, label in rows))}")
    if args.cv:
        cross_validate(rows, args.cv)
        return 0
    model = train(rows)
    meta = {"clauses": len(rows), "trainer": "benchmarks/train_clause_model.py", "prune": PRUNE}
    model.dump(args.out, meta, min_weight=PRUNE)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
