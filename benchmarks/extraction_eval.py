"""Extraction-quality evaluation of the twin's long-term memory strategies.

Each item of ``benchmarks/data/extraction_eval.json`` is a short conversation (one or
more sessions of USER / ASSISTANT turns, phrased the way people talk) and the memory
records the semantic (facts), user preference and summary strategies should hold after
extraction. The conversation goes through the real twin API (CreateEvent per turn,
``run_extractions()`` after each session, ListMemoryRecords per strategy namespace), so
consolidation across sessions is measured too. We report precision and recall per
strategy and split.

Matching (see ``docs/twin-retrieval.md``): an expected record is a list of key phrases,
each with ``|``-separated alternatives; a predicted record matches it when every key
phrase occurs as a whole-word sequence in the predicted text (both normalised), the two
agree on negation, and (facts, preferences) the predicted text is about "the user".
Predicted and expected records are paired one to one (maximum bipartite matching).

Usage::

    python benchmarks/extraction_eval.py                 # print the table
    python benchmarks/extraction_eval.py --misses        # also list every miss / extra
    python benchmarks/extraction_eval.py --split heldout # one split only
    python benchmarks/extraction_eval.py --write-docs    # refresh docs/twin-retrieval.md
    python benchmarks/extraction_eval.py --extractor pkg.module:factory   # another extractor
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "benchmarks"):  # runnable as a plain script from any directory
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from _docs import write_section  # noqa: E402

from langgraph_agentcore.twin import MemoryTwin  # noqa: E402
from langgraph_agentcore.twin.extraction import normalize_text  # noqa: E402

DATA_PATH = ROOT / "benchmarks" / "data" / "extraction_eval.json"
DOCS_PATH = ROOT / "docs" / "twin-retrieval.md"
DOCS_START = "<!-- extraction-eval:start -->"
DOCS_END = "<!-- extraction-eval:end -->"
# "heldout-independent-N": written by someone who had not read the rules, scored once; a
# measurement only (the >= 0.9 regression test reads "heldout"). "dev": written the same
# way, but looked at while tuning (a development set, not an estimate).
SPLITS = ("tuning", "heldout", "dev", "heldout-independent-9")
STRATEGIES = ("semantic", "preference", "summary")
ROLES = ("USER", "ASSISTANT", "TOOL", "OTHER")
NEGATIONS = frozenset({"not", "no", "never", "dislikes", "hates", "avoids", "cannot", "nor"})
# "doesn't" normalises to "doesn t", "dont" stays "dont": contracted negations count too
_NT_STEMS = frozenset(
    [
        "don",
        "doesn",
        "didn",
        "can",
        "won",
        "isn",
        "aren",
        "wasn",
        "weren",
        "wouldn",
        "shouldn",
        "couldn",
        "haven",
        "hasn",
        "hadn",
        "mustn",
        "ain",
    ]
)
_NT_WORDS = frozenset(f"{stem}t" for stem in _NT_STEMS if stem not in {"can", "won"}) | {
    "cant",
    "wont",
}
_NAMESPACES = {
    "semantic": "/users/{actor}/facts",
    "preference": "/users/{actor}/preferences",
    "summary": "/summaries/{actor}/{session}",
}
_SUMMARY_POINT = re.compile(r"(?<=[.!?\"])\s+(?=(?:The user|The assistant|A tool|\[\.\.\.\])\b)")

Expected = tuple[tuple[str, ...], ...]  # key phrases, each a tuple of alternatives


@dataclass(frozen=True)
class Item:
    """One evaluation conversation and the records each strategy should end up with."""

    id: str
    split: str
    sessions: tuple[tuple[tuple[str, str], ...], ...]
    expected: dict[str, tuple[Expected, ...]]
    note: str = ""


@dataclass
class Counts:
    """Matched, predicted and expected record counts for one strategy and split."""

    items: int = 0
    matched: int = 0
    predicted: int = 0
    expected: int = 0

    @property
    def precision(self) -> float:
        """Matched / predicted (1.0 when nothing was predicted)."""
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Matched / expected (1.0 when nothing was expected)."""
        return self.matched / self.expected if self.expected else 1.0


@dataclass
class Outcome:
    """What one item produced, per strategy, and what did not match."""

    item: Item
    predicted: dict[str, list[str]]
    missed: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, list[str]] = field(default_factory=dict)


# --------------------------------------------------------------------------- data


def _turn(raw: Any) -> tuple[str, str]:
    if isinstance(raw, str):
        return ("USER", raw)
    role, text = raw
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (expected one of {ROLES})")
    return (str(role), str(text))


def _expected(raw: Any) -> Expected:
    keys = [raw] if isinstance(raw, str) else list(raw)
    if not keys:
        raise ValueError("an expected record needs at least one key phrase")
    out = []
    for key in keys:
        alternatives = tuple(normalize_text(a) for a in str(key).split("|"))
        if not all(alternatives):
            raise ValueError(f"empty key phrase alternative in {key!r}")
        out.append(alternatives)
    return tuple(out)


def load_items(path: Path = DATA_PATH) -> list[Item]:
    """Read the evaluation items from JSON (see the file's ``format`` member)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    items: list[Item] = []
    for entry in raw["items"]:
        if "say" in entry:
            said = entry["say"]
            sessions = [[said] if isinstance(said, str) else list(said)]
        else:
            sessions = entry["sessions"]
        expected = {
            strategy: tuple(_expected(r) for r in entry.get(strategy, []))
            for strategy in STRATEGIES
            if strategy != "summary" or "summary" in entry
        }
        if entry["split"] not in SPLITS:
            raise ValueError(f"item {entry['id']}: unknown split {entry['split']!r}")
        items.append(
            Item(
                id=entry["id"],
                split=entry["split"],
                sessions=tuple(tuple(_turn(t) for t in s) for s in sessions),
                expected=expected,
                note=entry.get("note", ""),
            )
        )
    ids = [i.id for i in items]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate item ids")
    return items


# --------------------------------------------------------------------------- matching


def matches(predicted: str, expected: Expected, *, about_user: bool) -> bool:
    """Whether a predicted record text satisfies an expected record (the matching rule)."""
    words = normalize_text(predicted).split()
    if about_user and words[:2] != ["the", "user"]:
        return False
    padded = f" {' '.join(words)} "
    for alternatives in expected:
        if _negation_key(alternatives):  # "not|no|never": any negation satisfies it
            continue
        if not any(f" {a} " in padded for a in alternatives):
            return False
    expected_words = [w for alternatives in expected for a in alternatives for w in a.split()]
    return _negated(words) == _negated(expected_words)


_NEGATION_FILLER = frozenset({"t", "does", "do", "did", "can", "will"})


def _negation_key(alternatives: Sequence[str]) -> bool:
    """Whether a key phrase only asks for a negation ("not|no|never|does not")."""
    return all(
        _negated(a.split())
        and all(
            w in NEGATIONS or w in _NT_WORDS or w in _NT_STEMS or w in _NEGATION_FILLER
            for w in a.split()
        )
        for a in alternatives
    )


def _negated(words: Sequence[str]) -> bool:
    """Whether a word list negates: a negation word, "no" unless it abbreviates "number"."""
    return any(
        (w in NEGATIONS and not (w == "no" and i + 1 < len(words) and words[i + 1].isdigit()))
        or w in _NT_WORDS
        or (w == "t" and i > 0 and words[i - 1] in _NT_STEMS)
        for i, w in enumerate(words)
    )


def pair(
    predicted: Sequence[str], expected: Sequence[Expected], *, about_user: bool
) -> dict[int, int]:
    """Maximum one-to-one matching: expected index -> predicted index (Kuhn's algorithm)."""
    edges = [
        [p for p, text in enumerate(predicted) if matches(text, e, about_user=about_user)]
        for e in expected
    ]
    owner: dict[int, int] = {}  # predicted index -> expected index

    def augment(e: int, seen: set[int]) -> bool:
        for p in edges[e]:
            if p in seen:
                continue
            seen.add(p)
            if p not in owner or augment(owner[p], seen):
                owner[p] = e
                return True
        return False

    for e in range(len(expected)):
        augment(e, set())
    return {e: p for p, e in owner.items()}


def summary_points(text: str) -> list[str]:
    """The sentences of a ``Summary of session <id>:`` record (each scored as one record)."""
    body = re.sub(r"^Summary of session \S+:\s*", "", text.strip())
    return [p.strip() for p in _SUMMARY_POINT.split(body) if p.strip()]


# --------------------------------------------------------------------------- running


def _records(data: Any, memory_id: str, namespace: str) -> list[str]:
    texts: list[str] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"memoryId": memory_id, "namespace": namespace}
        if token:
            kwargs["nextToken"] = token
        page = data.list_memory_records(**kwargs)
        texts.extend(
            r["content"]["text"]
            for r in page["memoryRecordSummaries"]
            if namespace in r.get("namespaces", [namespace])
        )
        token = page.get("nextToken")
        if not token:
            return texts


def run_items(items: Sequence[Item], extractor: Any = None) -> list[Outcome]:
    """Play every item into one twin memory (one actor per item) and collect the records."""
    outcomes: list[Outcome] = []
    clock = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with MemoryTwin(extraction_delay=None, extractor=extractor) as twin:
        memory_id = str(twin.create_memory("ExtractionEval")["id"])
        data = twin.client("bedrock-agentcore")
        for item in items:
            actor = f"eval-{item.id}"
            session = ""
            for n, turns in enumerate(item.sessions):
                session = f"{item.id}-s{n}"
                for role, text in turns:
                    clock += timedelta(seconds=1)
                    data.create_event(
                        memoryId=memory_id,
                        actorId=actor,
                        sessionId=session,
                        eventTimestamp=clock,
                        payload=[{"conversational": {"role": role, "content": {"text": text}}}],
                    )
                twin.run_extractions()
            predicted: dict[str, list[str]] = {}
            for strategy in item.expected:
                ns = _NAMESPACES[strategy].format(actor=actor, session=session)
                texts = _records(data, memory_id, ns)
                if strategy == "summary":
                    texts = [p for t in texts for p in summary_points(t)]
                predicted[strategy] = texts
            outcomes.append(_score(item, predicted))
    return outcomes


def _score(item: Item, predicted: dict[str, list[str]]) -> Outcome:
    outcome = Outcome(item, predicted)
    for strategy, expected in item.expected.items():
        got = predicted[strategy]
        paired = pair(got, expected, about_user=strategy != "summary")
        outcome.missed[strategy] = [
            " & ".join("|".join(a) for a in e) for i, e in enumerate(expected) if i not in paired
        ]
        used = set(paired.values())
        outcome.extra[strategy] = [t for i, t in enumerate(got) if i not in used]
    return outcome


def tally(outcomes: Sequence[Outcome]) -> dict[tuple[str, str], Counts]:
    """Counts per (split, strategy), plus ("all", strategy)."""
    counts: dict[tuple[str, str], Counts] = {}
    for o in outcomes:
        for strategy, expected in o.item.expected.items():
            for split in (o.item.split, "all"):
                c = counts.setdefault((split, strategy), Counts())
                c.items += 1
                c.expected += len(expected)
                c.predicted += len(o.predicted[strategy])
                c.matched += len(expected) - len(o.missed[strategy])
    return counts


def evaluate(
    items: Sequence[Item] | None = None, extractor: Any = None, split: str | None = None
) -> tuple[dict[tuple[str, str], Counts], list[Outcome]]:
    """Run the items (optionally one split) and return the counts and per-item outcomes."""
    items = list(items) if items is not None else load_items()
    if split is not None:
        items = [i for i in items if i.split == split]
    outcomes = run_items(items, extractor)
    return tally(outcomes), outcomes


# --------------------------------------------------------------------------- output


def format_table(counts: dict[tuple[str, str], Counts]) -> str:
    """Markdown table of precision and recall per split and strategy."""
    lines = [
        "| split | strategy | items | expected | predicted | matched | precision | recall |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for split in (*SPLITS, "all"):
        for strategy in STRATEGIES:
            c = counts.get((split, strategy))
            if c is None:
                continue
            lines.append(
                f"| {split} | {strategy} | {c.items} | {c.expected} | {c.predicted} | "
                f"{c.matched} | {c.precision:.3f} | {c.recall:.3f} |"
            )
    return "\n".join(lines)


def write_docs(table: str, extractor: str, path: Path = DOCS_PATH) -> None:
    """Replace the generated section of the docs page with ``table``."""
    body = (
        f"Generated by `python benchmarks/extraction_eval.py --write-docs` with `{extractor}`.\n\n"
        f"{table}\n"
    )
    write_section(path, DOCS_START, DOCS_END, body, append=False)


def _load_extractor(spec: str | None) -> Any:
    """``module:attribute`` names a zero-argument factory (or class) of an Extractor."""
    if spec is None:
        return None
    module_name, _, attribute = spec.partition(":")
    extractor = getattr(importlib.import_module(module_name), attribute)()
    if not callable(getattr(extractor, "extract", None)):
        raise SystemExit(f"{spec} did not return an object with extract(request)")
    return extractor


def print_misses(outcomes: Sequence[Outcome]) -> None:
    """One line per missed and per extra record, item by item."""
    for o in outcomes:
        for strategy in o.item.expected:
            for miss in o.missed[strategy]:
                print(f"  {o.item.id} {strategy} MISSED {miss!r}")
            for extra in o.extra[strategy]:
                print(f"  {o.item.id} {strategy} EXTRA  {extra!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extractor", help="module:factory returning another Extractor")
    parser.add_argument("--data", type=Path, default=DATA_PATH, help="items JSON file")
    parser.add_argument("--split", choices=SPLITS, help="evaluate one split only")
    parser.add_argument("--misses", action="store_true", help="list misses and extras")
    parser.add_argument("--write-docs", action="store_true", help=f"update {DOCS_PATH.name}")
    args = parser.parse_args(argv)

    extractor = _load_extractor(args.extractor)
    counts, outcomes = evaluate(load_items(args.data), extractor, args.split)
    name = "RuleBasedExtractor()" if extractor is None else repr(extractor)
    table = format_table(counts)
    print(f"extractor: {name}")
    print(table)
    if args.misses:
        print_misses(outcomes)
    if args.write_docs:
        if args.split is not None:
            raise SystemExit("--write-docs needs both splits")
        write_docs(table, name)
        print(f"\nwrote {DOCS_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
