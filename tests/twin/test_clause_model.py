"""The twin extractor's learned clause model and the sentence shapes it made reachable.

The model (``langgraph_agentcore/twin/clause_model.json``) is trained by
``benchmarks/train_clause_model.py`` from the hand-labelled corpus in
``benchmarks/data/clauses/``; these tests check the corpus, that the shipped model is the
one the corpus and trainer produce, that it reads plain cases right, and that the
extractor still works (rules only) without it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from langgraph_agentcore.twin import clause_model
from langgraph_agentcore.twin.clause_model import LABELS, ClauseModel, clause_features
from langgraph_agentcore.twin.extraction import (
    ConversationTurn,
    ExtractionRequest,
    RuleBasedExtractor,
    rules,
)

ROOT = Path(__file__).resolve().parents[2]
TRAINER = ROOT / "benchmarks" / "train_clause_model.py"


def _trainer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("train_clause_model", TRAINER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _texts(strategy: str, *said: str) -> list[str]:
    request = ExtractionRequest(
        strategy_type=strategy,
        strategy_id="strat-1",
        actor_id="actor-1",
        session_id="sess-1",
        turns=[ConversationTurn("USER", text) for text in said],
        existing=[],
    )
    return [r.text for r in RuleBasedExtractor().extract(request)]


# --------------------------------------------------------------------------- the corpus


def test_corpus_is_labelled_distinct_and_large() -> None:
    rows = _trainer().load()
    assert len(rows) >= 3000
    assert {label for _, label in rows} == set(LABELS)
    counts = Counter(label for _, label in rows)
    assert min(counts.values()) >= 200, counts
    texts = [" ".join(text.lower().split()) for text, _ in rows]
    assert len(set(texts)) == len(texts), [t for t, n in Counter(texts).items() if n > 1][:5]


def test_corpus_rejects_an_unknown_label(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"text": "I live in Oslo", "label": "fakt"}\n')
    with pytest.raises(ValueError, match="bad.jsonl:1: unknown label 'fakt'"):
        _trainer().load(tmp_path)


# --------------------------------------------------------------------------- the model


def test_shipped_model_is_what_the_trainer_makes_from_the_corpus(tmp_path: Path) -> None:
    """Deterministic training: the committed JSON is reproducible from the corpus."""
    trainer = _trainer()
    out = tmp_path / "model.json"
    assert trainer.main(["--out", str(out)]) == 0
    fresh = json.loads(out.read_text())
    shipped = json.loads(clause_model.MODEL_PATH.read_text())
    assert fresh["labels"] == shipped["labels"] == list(LABELS)
    assert fresh["meta"] == shipped["meta"]
    assert fresh["weights"].keys() == shipped["weights"].keys()
    worst = max(
        abs(a - b)
        for k, row in fresh["weights"].items()
        for a, b in zip(row, shipped["weights"][k], strict=True)
    )
    assert worst < 1e-3


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I live in Lisbon", "fact"),
        ("my sister is a nurse", "fact"),
        ("we have two kids", "fact"),
        ("I love jazz", "preference"),
        ("please keep your answers short", "preference"),
        ("I'm allergic to peanuts", "both"),
        ("i dont eat pork", "both"),
        ("thanks so much!", "none"),
        ("can you find me a hotel in Rome", "none"),
        ("my coworker is vegan", "none"),
        ("I'm so tired today", "none"),
    ],
)
def test_model_reads_plain_cases(text: str, label: str) -> None:
    model = clause_model.default_model()
    assert model is not None
    probs = model.predict(text)
    assert abs(sum(probs.values()) - 1.0) < 1e-9
    assert max(probs, key=probs.__getitem__) == label, probs


def test_features_fold_household_words_and_chatter() -> None:
    assert clause_features("btw we've got a dog") == clause_features("I have got a dog")
    assert "s2:i_am" in clause_features("Im from Cork")
    assert "w:#" in clause_features("I am 34")


def test_dump_and_load_round_trip(tmp_path: Path) -> None:
    model = ClauseModel({"w:jazz": [0.0, 0.1, 2.0, 0.0], "w:zero": [0.0, 0.0, 0.0, 0.0]})
    model.dump(tmp_path / "m.json", {"clauses": 1})
    loaded = ClauseModel.load(tmp_path / "m.json")
    assert loaded.weights == {"w:jazz": (0.0, 0.1, 2.0, 0.0)}  # rows below 5e-4 dropped
    assert max(loaded.predict("jazz").items(), key=lambda kv: kv[1])[0] == "preference"


def test_extractor_without_the_model_uses_rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    said = "I overpronate a bit"  # read by a rule
    learned = "I'm on blood thinners"  # no rule: read by the model
    assert _texts("SEMANTIC", learned) == ["The user is on blood thinners."]
    monkeypatch.setattr(rules, "default_model", lambda: None)  # the module that calls it
    assert _texts("SEMANTIC", said) == ["The user overpronates a bit."]
    assert _texts("SEMANTIC", learned) == []


# ------------------------------------------------------- shapes the new mechanisms read


@pytest.mark.parametrize(
    ("said", "facts", "prefs"),
    [
        # the "I" left out
        (
            "been vegan for 6 years",
            ["The user has been vegan for 6 years."],
            ["The user has been vegan for 6 years."],
        ),
        (
            "flying to lisbon on the 14th for a conference",
            ["The user is flying to lisbon on the 14th for a conference."],
            [],
        ),
        ("big fan of board games", [], ["The user likes board games."]),
        ("honestly cant stand coriander", [], ["The user dislikes coriander."]),
        # a question inside a sentence without "?", emoji as a break
        (
            "running an old thinkpad x220, how do i update the kernel safely",
            ["The user uses an old thinkpad x220."],
            [],
        ),
        (
            "getting married next june!! 💍 need venue ideas",
            ["The user is getting married next june."],
            [],
        ),
        # standing instructions put other ways
        (
            "Could you always give me metric units?",
            [],
            ["The user wants the assistant to always give them metric units."],
        ),
        (
            "when you write code for me, use TypeScript",
            [],
            ["The user wants the assistant to use TypeScript when you write code for me."],
        ),
        ("keep it brief pls", [], ["The user wants the assistant to keep answers brief."]),
        ("no emojis please", [], ["The user does not want the assistant to use emojis."]),
        # idioms with the thing as the subject
        ("nothing beats a flat white", [], ["The user loves a flat white."]),
        ("true crime freaks me out", [], ["The user dislikes true crime."]),
        # corrections inside one message, "X is where I work"
        (
            "flying to Lisbon on the 3rd, no wait, the 5th",
            ["The user is flying to Lisbon on the 5th."],
            [],
        ),
        (
            "i live in leicester, wait no, nottingham, leicester is where i work",
            ["The user lives in nottingham.", "The user works in leicester."],
            [],
        ),
        # medical devices are facts, not habits; "we both" is the user
        ("i wear hearing aids in both ears", ["The user wears hearing aids in both ears."], []),
        ("we both love onsen", [], ["The user loves onsen."]),
        # dashes and appositive names, "X here", ages, two possessions, "??" after a statement
        (
            "our rescue greyhound, biscuit, is terrified of thunder — any tips for fireworks?",
            ["The user's rescue greyhound biscuit is terrified of thunder."],
            [],
        ),
        (
            "pescatarian here, fish yes meat no",
            ["The user is pescatarian."],
            ["The user is pescatarian."],
        ),
        (
            "im lactose intolerant and also like allergic to kiwi??",
            ["The user is lactose intolerant.", "The user is allergic to kiwi."],
            ["The user is lactose intolerant.", "The user is allergic to kiwi."],
        ),
        (
            "we have two cats (miso and tofu) and a very old tortoise called gerald",
            [
                "The user has two cats (miso and tofu).",
                "The user has a very old tortoise called gerald.",
            ],
            [],
        ),
        (
            "47 and back at uni doing a part time MSc",
            ["The user is 47 years old.", "The user is back at uni doing a part time MSc."],
            [],
        ),
        # non-native grammar, leading topic phrases, "make them X when you ..."
        (
            "I not eat pork because of my religion",
            ["The user does not eat pork because of their religion."],
            ["The user does not eat pork because of their religion."],
        ),
        ("For travel I prefer aisle seats", [], ["The user prefers aisle seats."]),
        (
            "when u give me code examples make them typescript, thx",
            [],
            ["The user wants the assistant to use typescript when you give me code examples."],
        ),
        # read by the model: no rule knows these shapes
        ("I'm on blood thinners (warfarin)", ["The user is on blood thinners (warfarin)."], []),
        ("Originally I'm from Cork", ["The user is originally from Cork."], []),
    ],
)
def test_new_shapes(said: str, facts: list[str], prefs: list[str]) -> None:
    assert _texts("SEMANTIC", said) == facts
    assert _texts("USER_PREFERENCE", said) == prefs


@pytest.mark.parametrize(
    "said",
    [
        "give me a minute",
        "my first electric car",
        "I'm heading out now, talk later",
        "hows your day going",
        "I need help with my taxes",
    ],
)
def test_still_nothing_from(said: str) -> None:
    assert _texts("SEMANTIC", said) == [] and _texts("USER_PREFERENCE", said) == []
