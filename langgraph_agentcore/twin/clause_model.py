"""A small learned classifier for the twin's extractor: is a clause worth remembering?

The rule table in :mod:`langgraph_agentcore.twin.extraction` knows sentence shapes; this
model knows words. It reads one first-person clause a user typed and says whether it holds
a durable fact about the user (``fact``), a preference or standing instruction
(``preference``), the user's own diet or allergy (``both``), or nothing to keep (``none``:
small talk, requests, wishes, momentary states, other people).

It is a multinomial logistic regression over sparse word features (words, word pairs,
the clause's opening words, word prefixes for typos), trained by
``benchmarks/train_clause_model.py`` on the hand-labelled clauses in
``benchmarks/data/clauses/`` and shipped as ``clause_model.json`` next to this module.
Pure Python, deterministic, about 1 ms per clause; no model weights to download.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

__all__ = ["LABELS", "ClauseModel", "clause_features", "default_model"]

LABELS = ("none", "fact", "preference", "both")
MODEL_PATH = Path(__file__).with_name("clause_model.json")

_APOSTROPHES = re.compile(r"[’‘`´]")
_EXPANSIONS = (
    (re.compile(r"\bi'?m\b"), "i am"),
    (re.compile(r"\bi'?ve\b"), "i have"),
    (re.compile(r"\bi'd\b"), "i would"),
    (re.compile(r"\bi'll\b"), "i will"),
    (re.compile(r"\b(we|you|they)'re\b"), r"\1 are"),
    (re.compile(r"\b(we|you|they)'ve\b"), r"\1 have"),
    (re.compile(r"\bcan'?t\b"), "can not"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (
        re.compile(r"\b(do|does|did|is|are|was|were|have|has|had|would|could|should)n'?t\b"),
        r"\1 not",
    ),
    (re.compile(r"\bcannot\b"), "can not"),
    (re.compile(r"'s\b"), " s"),
)
_WORD = re.compile(r"[a-z]+|\d+")
# Household words fold into the user's ("we have a dog" reads like "I have a dog").
_FOLD = {"we": "i", "our": "my", "us": "me", "ours": "mine", "im": "i"}
_LEAD = frozenset(
    re.findall(
        r"\w+",
        "oh ooh ah well also and but so yes yeah yep actually btw fyi um uh hmm ok okay lol "
        "haha hey hi hello honestly anyway plus basically fwiw tbh just",
    )
)


def _words(text: str) -> list[str]:
    text = _APOSTROPHES.sub("'", text.lower())
    for pattern, repl in _EXPANSIONS:
        text = pattern.sub(repl, text)
    words = [_FOLD.get(w, w) for w in _WORD.findall(text)]
    while words and words[0] in _LEAD:  # chatter before the statement
        words.pop(0)
    return ["#" if w.isdigit() else w for w in words]


def clause_features(text: str) -> list[str]:
    """Sparse feature names of one clause (the same at training and prediction time)."""
    words = _words(text)
    feats = ["bias", f"len:{min(len(words), 12) // 3}"]
    feats.extend(f"w:{w}" for w in words)
    feats.extend(f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False))
    feats.extend(f"p:{w[:5]}" for w in words if len(w) > 5)
    for n in (1, 2, 3, 4):
        if len(words) >= n:
            feats.append(f"s{n}:{'_'.join(words[:n])}")
    if words and words[0] not in {"i", "my", "me"}:
        feats.append("s:other")
    return feats


class ClauseModel:
    """Linear scores per label over :func:`clause_features`, softmax-normalised."""

    def __init__(self, weights: Mapping[str, Sequence[float]], labels: Sequence[str] = LABELS):
        self.labels = tuple(labels)
        self.weights = {k: tuple(v) for k, v in weights.items()}

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ClauseModel:
        """Read a model written by :meth:`dump`."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["weights"], data["labels"])

    def dump(
        self, path: Path, meta: Mapping[str, object] | None = None, *, min_weight: float = 5e-4
    ) -> None:
        """Write the model as sorted, rounded JSON (stable diffs); features whose weights
        are all below ``min_weight`` in magnitude are left out (they barely move a score)."""
        weights = {
            k: [round(x, 3) for x in v]
            for k, v in sorted(self.weights.items())
            if any(abs(x) >= min_weight for x in v)
        }
        body = {"labels": list(self.labels), "meta": dict(meta or {}), "weights": weights}
        path.write_text(json.dumps(body, separators=(",", ":")) + "\n", encoding="utf-8")

    def scores(self, features: Iterable[str]) -> list[float]:
        """Raw linear score per label."""
        total = [0.0] * len(self.labels)
        for feat in features:
            row = self.weights.get(feat)
            if row is not None:
                for i, x in enumerate(row):
                    total[i] += x
        return total

    def predict(self, text: str) -> dict[str, float]:
        """Probability of each label for one clause."""
        raw = self.scores(clause_features(text))
        top = max(raw)
        exp = [math.exp(x - top) for x in raw]
        norm = sum(exp)
        return {label: e / norm for label, e in zip(self.labels, exp, strict=True)}


@lru_cache(maxsize=1)
def default_model() -> ClauseModel | None:
    """The shipped model, or None when the package was installed without it."""
    if not MODEL_PATH.exists():
        return None
    return ClauseModel.load()
