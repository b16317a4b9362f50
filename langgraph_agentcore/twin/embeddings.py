"""Offline, deterministic text embeddings for the AgentCore Memory twin.

The twin must rank memory records by semantic relevance without network access or
model weights, so the default embedder is a signed feature-hashing model over:

* word unigrams after lowercasing, contraction expansion, stopword removal and light
  suffix stripping (``lives``/``living``/``lived`` -> ``liv``);
* character 3-5 grams of each word with boundary marks (``<dog>``), which tolerate
  spelling variants and morphology the stemmer misses;
* a small concept table for common agent-memory vocabulary, so that paraphrases such
  as "enjoys" / "is fond of" / "favourite" share a feature.

Each feature is hashed with BLAKE2b (stable across processes, unlike ``hash()``) to an
index and a sign, term frequencies are damped with ``1 + log(tf)`` and the vector is
L2-normalised, so a dot product is a cosine similarity. Any LangChain ``Embeddings``
(for example Bedrock Titan) can replace it; see ``docs/twin-retrieval.md``.
"""

from __future__ import annotations

import hashlib
import math
import operator
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from langchain_core.embeddings import Embeddings

__all__ = ["HashingEmbeddings", "cosine_similarity", "stem", "tokenize"]

# Relative weights of the three feature families (word, concept, character n-grams).
_WORD_WEIGHT = 1.0
_CONCEPT_WEIGHT = 1.25
_NGRAM_WEIGHT = 0.5
_NGRAM_SIZES = (3, 4, 5)


def _words(text: str) -> list[str]:
    """Split a whitespace-separated word list (keeps the tables compact)."""
    return text.split()


_STOPWORDS = frozenset(
    _words(
        """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself me more most my myself nor of off on once only or other ought our
    ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours
    yourself yourselves also just really actually please pretty quite rather much many
    anything something everything thing things lot lots kind sort get got gets getting
    user users assistant s t d ll m re ve
    """
    )
)

# Words that flip meaning are kept and folded into one token rather than dropped.
_NEGATIONS = frozenset({"not", "no", "never", "nor", "cannot", "without"})

# Concept table: each concept lists surface words; a word may belong to several.
_CONCEPTS: dict[str, str] = {
    "like": (
        "like likes love loves enjoy enjoys prefer prefers preference favorite favourite fond "
        "fan adore keen passion passionate hobby hobbies interest interested dislike hate "
        "detest loathe"
    ),
    "neg": "dislike hate detest loathe avoid not never no",
    "diet": (
        "vegetarian vegan meat pescatarian diet dietary dairy gluten kosher halal plant keto "
        "eat eats lactose milk"
    ),
    "food": (
        "food eat eats ate meal meals cuisine dish dishes dinner lunch breakfast restaurant "
        "cook cooking pizza sushi pasta spicy snack vegetarian vegan meat pescatarian dairy "
        "milk cheese egg eggs bread chicken beef pork fish seafood shellfish peanut peanuts "
        "nut nuts fruit vegetables gluten lactose"
    ),
    "drink": "drink drinks coffee tea espresso latte beverage wine beer juice",
    "residence": (
        "live lives living reside resides resident home based house apartment flat hometown "
        "move moved located address neighborhood neighbourhood relocate relocated"
    ),
    "place": "city town country state region area village",
    "job": (
        "job work works working worked occupation employed employ employer employment career "
        "profession professional company office colleague role position hired"
    ),
    "pet": "pet pets dog dogs cat cats puppy kitten hamster parrot rabbit animal",
    "family": (
        "family wife husband spouse partner married kid kids child children son daughter "
        "mother father mom mum dad brother sister sibling siblings parent parents"
    ),
    "name": "name named called",
    "travel": (
        "travel trip trips flight flights fly flying vacation holiday holidays airline hotel "
        "abroad journey"
    ),
    "language": (
        "language languages speak speaks fluent spanish french german english mandarin "
        "japanese italian"
    ),
    "music": "music song songs band listen playlist concert jazz rock singer album",
    "exercise": (
        "sport sports exercise workout gym run running jog jogging hike hiking swim swimming "
        "yoga fitness cycling bike marathon train training outdoor outdoors mountain "
        "mountains camping climbing ski skiing"
    ),
    "allergy": "allergy allergies allergic intolerant intolerance lactose celiac anaphylaxis",
    "birth": "birthday born birth age aged",
    "education": (
        "study studies studied student school university college degree major graduate "
        "graduated class"
    ),
    "contact": "email phone contact message notify notification reach text sms",
    "schedule": (
        "morning evening night schedule meeting meetings calendar appointment early late "
        "weekend wake waking sleep bedtime"
    ),
    "frequency": "often frequently daily weekly monthly times every usually regularly routine",
    "programming": (
        "programming code coding software developer python javascript typescript java rust "
        "golang sql engineer engineering framework"
    ),
    "style": (
        "response responses reply replies answer answers verbose concise brief short detailed "
        "length tone formal casual explanation explanations"
    ),
    "reading": "book books read reading novel novels author",
    "film": "movie movies film films cinema series show watch",
    "vehicle": "car drive drives driving vehicle commute truck",
    "money": "budget price cheap expensive afford cost spend money affordable",
    "health": "doctor medication medicine health condition diabetes diabetic illness sick",
    "seat": "seat seats aisle window row",
}

_CONTRACTIONS = (
    (re.compile(r"\bcan['’]t\b"), "cannot"),
    (re.compile(r"\bwon['’]t\b"), "will not"),
    (re.compile(r"n['’]t\b"), " not"),
    (re.compile(r"['’]s\b"), ""),
    (re.compile(r"['’](m|re|ve|ll|d)\b"), " "),
)
_WORD_RE = re.compile(r"[a-z0-9]+")


def stem(word: str) -> str:
    """Strip common English suffixes so inflections share a feature (deliberately light)."""
    w = word
    if len(w) <= 3:
        return w
    stripped_verbal = False
    if w.endswith(("ies", "ied")) and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith(("ness", "ment", "ence", "ance")) and len(w) >= 8:
        w = w[:-4]
    elif w.endswith("ly") and len(w) >= 7:
        w = w[:-2]
    elif w.endswith("ing") and len(w) >= 6 and _has_vowel(w[:-3]):
        w, stripped_verbal = w[:-3], True
    elif w.endswith("ed") and len(w) >= 5 and _has_vowel(w[:-2]):
        w, stripped_verbal = w[:-2], True
    elif w.endswith(("ches", "shes", "xes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if stripped_verbal and len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


def _has_vowel(s: str) -> bool:
    return any(c in "aeiouy" for c in s)


def tokenize(text: str) -> list[str]:
    """Lowercase, expand contractions and return content-word stems (negations kept)."""
    lowered = text.lower()
    for pattern, repl in _CONTRACTIONS:
        lowered = pattern.sub(repl, lowered)
    tokens: list[str] = []
    for raw in _WORD_RE.findall(lowered):
        if raw in _NEGATIONS:
            tokens.append("not")
        elif raw not in _STOPWORDS:
            tokens.append(raw)
    return tokens


def _build_concept_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for concept, words in _CONCEPTS.items():
        for word in _words(words):
            for key in {word, stem(word)}:
                bucket = index.setdefault(key, [])
                if concept not in bucket:
                    bucket.append(concept)
    return {k: tuple(v) for k, v in index.items()}


_CONCEPT_INDEX = _build_concept_index()


def _hash_feature(feature: str) -> tuple[int, float]:
    """Return a stable 64-bit hash of ``feature`` and its sign (+1 or -1)."""
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "big")
    return value >> 1, 1.0 if value & 1 else -1.0


@lru_cache(maxsize=65536)
def _token_features(token: str) -> tuple[tuple[str, float], ...]:
    """Weighted features for one token: its stem, its concepts and its character n-grams."""
    stemmed = stem(token)
    features: list[tuple[str, float]] = [("w:" + stemmed, _WORD_WEIGHT)]
    concepts = _CONCEPT_INDEX.get(token) or _CONCEPT_INDEX.get(stemmed) or ()
    features.extend(("c:" + c, _CONCEPT_WEIGHT) for c in concepts)
    if len(token) > 2 and token != "not":
        marked = f"<{token}>"
        grams = [marked[i : i + n] for n in _NGRAM_SIZES for i in range(len(marked) - n + 1)]
        # Each word's n-gram block gets the same total L2 mass, whatever its length.
        weight = _NGRAM_WEIGHT / math.sqrt(len(grams))
        features.extend(("g:" + g, weight) for g in grams)
    return tuple(features)


def _sparse_features(text: str) -> dict[str, float]:
    """Feature -> weight for ``text``; repeated tokens count ``1 + log(tf)`` (sublinear tf)."""
    token_counts = Counter(tokenize(text))
    features: dict[str, float] = {}
    for token, tf in token_counts.items():
        damping = 1.0 + math.log(tf)
        for feature, weight in _token_features(token):
            features[feature] = features.get(feature, 0.0) + weight * damping
    return features


class HashingEmbeddings(Embeddings):
    """Deterministic feature-hashing embeddings: offline, pure Python, no model weights.

    Vectors are L2-normalised (text with no content words embeds to the zero vector).
    """

    def __init__(self, dims: int = 512) -> None:
        """Create an embedder producing ``dims``-dimensional vectors."""
        if not isinstance(dims, int) or isinstance(dims, bool) or dims < 1:
            raise ValueError(f"dims must be a positive integer, got {dims!r}")
        self.dims = dims

    def __repr__(self) -> str:
        return f"HashingEmbeddings(dims={self.dims})"

    def _embed(self, text: str) -> list[float]:
        vector = [0.0] * self.dims
        for feature, weight in _sparse_features(text).items():
            value, sign = _hash_feature(feature)
            vector[value % self.dims] += sign * weight
        norm = math.hypot(*vector)
        if norm == 0.0:
            return vector
        return [x / norm for x in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed stored memory texts."""
        return [self._embed(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query (same space as documents: the model is symmetric)."""
        return self._embed(text)


def cosine_similarity(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine of the angle between ``a`` and ``b``; 0.0 when either is the zero vector."""
    if len(a) != len(b):
        raise ValueError(f"vector lengths differ: {len(a)} != {len(b)}")
    norm = math.hypot(*a) * math.hypot(*b)
    if norm == 0.0:
        return 0.0
    dot = sum(map(operator.mul, a, b))
    return max(-1.0, min(1.0, dot / norm))
