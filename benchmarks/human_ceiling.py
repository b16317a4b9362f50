"""How well careful humans score on the extraction evaluation: the ceiling of its protocol.

A human annotator who saw only the conversations and the written annotation rules (never
the gold key phrases, never the extractor) wrote the records each strategy should hold;
those records are scored here exactly as the extractor's are (same matcher, same one-to-one
pairing, ``benchmarks/extraction_eval.py``). Precision below 1.0 means the human kept
records the gold's annotator did not; it measures how much two careful people disagree on
what is worth remembering, which bounds what any extractor can score on this protocol.

    python benchmarks/human_ceiling.py                      # every file in data/human_ceiling
    python benchmarks/human_ceiling.py --misses FILE ...    # one or more files, with misses
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "benchmarks"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import extraction_eval as ev  # noqa: E402

CEILING_DIR = ROOT / "benchmarks" / "data" / "human_ceiling"


def score(
    records: Mapping[str, Mapping[str, Sequence[str]]], items: Sequence[ev.Item] | None = None
) -> tuple[dict[tuple[str, str], ev.Counts], list[ev.Outcome]]:
    """Score human-written records (item id -> strategy -> texts) against the gold items."""
    by_id = {i.id: i for i in (items if items is not None else ev.load_items())}
    unknown = sorted(set(records) - set(by_id))
    if unknown:
        raise ValueError(f"records for unknown item ids: {unknown[:5]}")
    outcomes = []
    for item_id, written in records.items():
        item = by_id[item_id]
        predicted = {s: [str(t) for t in written.get(s, [])] for s in item.expected}
        outcomes.append(ev._score(item, predicted))
    return ev.tally(outcomes), outcomes


def _row(name: str, counts: dict[tuple[str, str], ev.Counts]) -> str:
    cells = []
    for strategy in ev.STRATEGIES:
        c = counts.get(("all", strategy))
        cells.append(f"{c.precision:.3f} / {c.recall:.3f}" if c else "-")
    return f"| {name} | " + " | ".join(cells) + " |"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: one table row per file of human records."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="human record files (JSON)")
    parser.add_argument("--misses", action="store_true", help="list misses and extras")
    args = parser.parse_args(argv)
    files = args.files or sorted(CEILING_DIR.glob("*.json"))
    items = ev.load_items()
    print("| records | facts P / R | preferences P / R | summaries P / R |")
    print("| --- | --- | --- | --- |")
    for path in files:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
        counts, outcomes = score(raw["records"], items)
        print(_row(path.stem, counts))
        if args.misses:
            ev.print_misses(outcomes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
