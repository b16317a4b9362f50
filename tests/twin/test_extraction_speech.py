"""The twin's RuleBasedExtractor on ordinary first-person speech, and consolidation.

Through the real twin API (CreateEvent, ``run_extractions()``, ListMemoryRecords, in
process and over HTTP) and at unit level. The evaluation set's held-out goal
(precision and recall >= 0.9 per strategy) is asserted here too: the evaluation is
deterministic, so it is a behaviour check, not a timing one.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from langgraph_agentcore.twin.extraction import (
    ConversationTurn,
    ExistingRecord,
    ExtractedRecord,
    ExtractionRequest,
    RuleBasedExtractor,
    subject_key,
)
from tests.twin.support import Env, unique

ROOT = Path(__file__).resolve().parents[2]
EVAL_SCRIPT = ROOT / "benchmarks" / "extraction_eval.py"
FACTS, PREFS = "/users/{actor}/facts", "/users/{actor}/preferences"


def _request(
    strategy: str, *said: str, existing: list[tuple[str, str]] | None = None
) -> ExtractionRequest:
    return ExtractionRequest(
        strategy_type=strategy,
        strategy_id="strat-1",
        actor_id="actor-1",
        session_id="sess-1",
        turns=[ConversationTurn("USER", text) for text in said],
        existing=[ExistingRecord(i, t) for i, t in existing or []],
    )


def _texts(strategy: str, *said: str) -> list[str]:
    return [r.text for r in RuleBasedExtractor().extract(_request(strategy, *said))]


def _records(env: Env, namespace: str) -> list[dict[str, Any]]:
    pages = env.data.get_paginator("list_memory_records").paginate(
        memoryId=env.memory_id, namespace=namespace
    )
    return [r for page in pages for r in page["memoryRecordSummaries"]]


def _record_texts(env: Env, template: str, actor: str) -> list[str]:
    return sorted(r["content"]["text"] for r in _records(env, template.format(actor=actor)))


# --------------------------------------------------------------------------- the twin API


def test_compound_sentence_gives_both_facts_and_the_diet_preference(env: Env) -> None:
    """The memory loop's contract: one USER message, two facts, one preference."""
    twin = env.require_twin()
    alice, bob = unique("alice"), unique("bob")
    env.say(
        alice,
        unique("s"),
        ("USER", "I'm vegetarian and I live in Lisbon"),
        ("ASSISTANT", "Noted! Lisbon has great vegetarian food."),
    )
    env.say(bob, unique("s"), ("USER", "hi, what's the weather like?"))
    assert twin.run_extractions() > 0
    assert _record_texts(env, FACTS, alice) == [
        "The user is vegetarian.",
        "The user lives in Lisbon.",
    ]
    assert _record_texts(env, PREFS, alice) == ["The user is vegetarian."]
    assert _record_texts(env, FACTS, bob) == [] and _record_texts(env, PREFS, bob) == []


def test_allergy_is_a_fact_and_a_preference(env: Env) -> None:
    twin = env.require_twin()
    actor = unique("u")
    env.say(actor, unique("s"), ("USER", "I am allergic to peanuts."))
    twin.run_extractions()
    assert _record_texts(env, FACTS, actor) == ["The user is allergic to peanuts."]
    assert _record_texts(env, PREFS, actor) == ["The user is allergic to peanuts."]


CORRECTIONS = [
    # (namespace, first session, later session, the one record left about the slot)
    (FACTS, "I live in Lisbon.", "actually I moved to Porto", "The user lives in Porto."),
    (FACTS, "I work as a teacher.", "now I work as a nurse", "The user works as a nurse."),
    (
        FACTS,
        "My dog is called Rex",
        "sorry, my dog's name is Max, not Rex",
        "The user's dog is called Max.",
    ),
    (FACTS, "I have two kids", "we have three kids now", "The user has three kids now."),
    (PREFS, "I'm vegan", "I'm not vegan anymore", "The user is no longer vegan."),
    (
        PREFS,
        "I prefer window seats",
        "I prefer aisle seats these days",
        "The user prefers aisle seats these days.",
    ),
    # a new value for the slot replaces the old one, however the change is put
    (FACTS, "I'm 41", "had my birthday last week, 42 now", "The user is 42 years old."),
    (
        FACTS,
        "I work as a barista",
        "I'm a junior developer now",
        "The user is a junior developer now.",
    ),
    (FACTS, "I have a bike", "I sold my bike so no bike anymore", "The user no longer has a bike."),
    (
        FACTS,
        "I'm flying to Madrid in May",
        "change of plans, we're going to Rome instead",
        "The user is going to Rome instead.",
    ),
    (PREFS, "I love olives", "I've gone off olives tbh", "The user no longer likes olives."),
    (PREFS, "I'm vegan", "update: I'm vegetarian now", "The user is vegetarian now."),
]


@pytest.mark.parametrize(("template", "first", "later", "final"), CORRECTIONS)
def test_correction_updates_the_earlier_record(
    env: Env, template: str, first: str, later: str, final: str
) -> None:
    """A later session's correction consolidates into the earlier record (same id)."""
    twin = env.require_twin()
    actor = unique("u")
    namespace = template.format(actor=actor)
    env.say(actor, unique("s"), ("USER", first))
    twin.run_extractions()
    (before,) = _records(env, namespace)
    env.say(actor, unique("s"), ("USER", later), ("ASSISTANT", "Thanks, noted."))
    assert twin.run_extractions() >= 1
    (after,) = _records(env, namespace)
    assert after["content"]["text"] == final
    assert after["memoryRecordId"] == before["memoryRecordId"]


def test_preference_change_updates_and_adds(env: Env) -> None:
    """ "I don't like coffee anymore, I prefer tea": the coffee record says so; tea is new."""
    twin = env.require_twin()
    actor = unique("u")
    env.say(actor, unique("s"), ("USER", "I love coffee"))
    twin.run_extractions()
    (coffee,) = _records(env, PREFS.format(actor=actor))
    env.say(actor, unique("s"), ("USER", "I don't like coffee anymore, I prefer tea"))
    twin.run_extractions()
    records = {
        r["memoryRecordId"]: r["content"]["text"] for r in _records(env, PREFS.format(actor=actor))
    }
    assert records.pop(coffee["memoryRecordId"]) == "The user no longer likes coffee."
    assert list(records.values()) == ["The user prefers tea."]


def test_correction_within_one_session(env: Env) -> None:
    twin = env.require_twin()
    actor, session = unique("u"), unique("s")
    env.say(actor, session, ("USER", "I live in Lisbon."))
    env.say(actor, session, ("USER", "Actually no, I live in Porto."))
    twin.run_extractions()
    assert _record_texts(env, FACTS, actor) == ["The user lives in Porto."]


def test_small_talk_session_gets_no_summary(env: Env) -> None:
    twin = env.require_twin()
    actor, session = unique("u"), unique("s")
    env.say(actor, session, ("USER", "hey"), ("ASSISTANT", "Hi! How can I help?"))
    env.say(actor, session, ("USER", "just saying hi, bye"))
    twin.run_extractions()
    assert _records(env, f"/summaries/{actor}/{session}") == []


def test_session_summary_keeps_facts_requests_and_replies(env: Env) -> None:
    twin = env.require_twin()
    actor, session = unique("u"), unique("s")
    env.say(
        actor,
        session,
        ("USER", "hi! I'm vegetarian, can you recommend a restaurant in Kyoto?"),
        ("ASSISTANT", "Great choice! Try Shigetsu, a vegetarian temple restaurant."),
        ("USER", "thanks!"),
    )
    twin.run_extractions()
    (summary,) = _records(env, f"/summaries/{actor}/{session}")
    assert summary["content"]["text"] == (
        f"Summary of session {session}: The user is vegetarian. "
        'The user asked: "I am vegetarian, can you recommend a restaurant in Kyoto". '
        'The assistant replied: "Try Shigetsu, a vegetarian temple restaurant".'
    )


# --------------------------------------------------------------------------- unit level


@pytest.mark.parametrize(
    ("said", "facts", "prefs"),
    [
        (
            "I am allergic to peanuts.",
            ["The user is allergic to peanuts."],
            ["The user is allergic to peanuts."],
        ),
        ("i dont eat meat", ["The user does not eat meat."], ["The user does not eat meat."]),
        ("I don't have a car", ["The user does not have a car."], []),
        ("im a vegan btw", ["The user is vegan."], ["The user is vegan."]),
        ("we live just outside Munich", ["The user lives just outside Munich."], []),
        ("our dog is a beagle named Biscuit", ["The user's dog is a beagle named Biscuit."], []),
        (
            "I'm vegetarian, any good places nearby?",
            ["The user is vegetarian."],
            ["The user is vegetarian."],
        ),
        ("Please remember that I live in Porto.", ["The user lives in Porto."], []),
        ("I've got two cats lol", ["The user has two cats."], []),
        ("Not a big fan of horror movies tbh", [], ["The user dislikes horror movies."]),
        ("pizza is my favourite", [], ["The user's favourite is pizza."]),
        (
            "please always answer in Spanish",
            [],
            ["The user wants the assistant to always answer in Spanish."],
        ),
        ("my daughter is allergic to eggs", ["The user's daughter is allergic to eggs."], []),
        ("I'm 34, sorry, 35", ["The user is 35 years old."], []),
        (
            "a bit about me: 52, divorced, one daughter, living in Cork",
            [
                "The user is 52 years old.",
                "The user is divorced.",
                "The user has one daughter.",
                "The user lives in Cork.",
            ],
            [],
        ),
        (
            "pls keep your answers short",
            [],
            ["The user wants the assistant to keep answers short."],
        ),
        ("you can call me Sam", [], ["The user wants the assistant to call them Sam."]),
        (
            "no bullet points in your replies please, ever",
            [],
            ["The user does not want the assistant to use bullet points in your replies."],
        ),
        ("jazz isn't really my thing", [], ["The user dislikes jazz."]),
        ("as a nurse, which shoes are best for long shifts?", ["The user is a nurse."], []),
        ("I need a new charger, I'm on a 2021 Dell XPS", ["The user uses a 2021 Dell XPS."], []),
        ("these never fit my flat feet", ["The user has flat feet."], []),
        ("I need a new tent, I camp a lot", ["The user camps a lot."], []),
        (
            "I'm trying to get back into swimming after surgery",
            ["The user is getting back into swimming after surgery."],
            [],
        ),
        # a clause about the days after a condition is not part of it
        ("I have asthma and some mornings breathing is hard", ["The user has asthma."], []),
        # a question typed without "?" after a comma is not part of the statement
        (
            "I have a kindle and a windows laptop, which one is better for reading pdfs",
            ["The user has a kindle.", "The user has a windows laptop."],
            [],
        ),
        ("my cat is 14, is wet food ok for her", ["The user's cat is 14."], []),
        # traits stay facts, unlike moods
        ("I'm a nervous flyer", ["The user is a nervous flyer."], []),
        ("my son is scared of dogs", ["The user's son is scared of dogs."], []),
        # a diet the user is on, or holds to
        (
            "my gp put me on a low salt diet",
            ["The user is on a low salt diet."],
            ["The user is on a low salt diet."],
        ),
        (
            "been on keto for a month, is rice ok",
            ["The user has been on keto for a month."],
            ["The user has been on keto for a month."],
        ),
        (
            "i try to keep kosher",
            ["The user tries to keep kosher."],
            ["The user tries to keep kosher."],
        ),
        # what the user was before, and a given name
        (
            "I am retired now, before I was a bus driver",
            ["The user is retired now.", "The user was a bus driver."],
            [],
        ),
        (
            "hi, I am Tomasz, I live in Gdansk",
            ["The user's name is Tomasz.", "The user lives in Gdansk."],
            [],
        ),
        ("I am Fine", [], []),
        ("I am Polish", ["The user is Polish."], []),
        # what the user would rather do, "id" typed for "I'd", or with its "I" left out
        (
            "id much rather cycle to work than drive",
            [],
            ["The user would rather cycle to work than drive."],
        ),
        (
            "hate crowds, would rather stay in",
            [],
            ["The user dislikes crowds.", "The user would rather stay in."],
        ),
        # a kind of person is a preference, "at all" or not; the time they are up, a habit
        ("I'm not a night owl at all", [], ["The user is not a night owl."]),
        (
            "I'm an early bird, usually up at 6 on weekdays",
            [],
            ["The user is an early bird.", "The user is usually up at 6 on weekdays."],
        ),
        # a label before the statement ("quick q:") is chatter
        (
            "quick q: i tend to have a green tea after lunch, is that bad for iron?",
            [],
            ["The user tends to have a green tea after lunch."],
        ),
        # "me and my son (he is 7)": the aside is a fact about him, the rest the user's taste
        (
            "me and my son (hes 7) are obsessed with lego",
            ["The user's son is 7."],
            ["The user loves lego."],
        ),
        # have with a routine time is a consumption habit, not a possession
        ("i have a flat white every morning", [], ["The user has a flat white every morning."]),
        # languages for answers, said in different ways
        (
            "please reply to me in French from now on",
            [],
            ["The user wants the assistant to answer in French from now on."],
        ),
        ("answer me in German", [], ["The user wants the assistant to answer in German."]),
        (
            "explain maths stuff in simple english",
            [],
            ["The user wants the assistant to explain maths stuff in simple english."],
        ),
        (
            "Por favor, always answer in Spanish",
            [],
            ["The user wants the assistant to always answer in Spanish."],
        ),
        # how the user wants to be treated: "do not <verb> me", "I want <style> answers"
        (
            "dont lecture me about sugar",
            [],
            ["The user does not want the assistant to lecture them about sugar."],
        ),
        ("I want short practical answers", [], ["The user wants short practical answers."]),
        # something finished and loved is a taste
        ("just watched the bear and loved it", [], ["The user loved the bear."]),
        # a habit with its occasion first
        (
            "whenever I travel I always book an aisle seat",
            [],
            ["The user always books an aisle seat whenever they travel."],
        ),
        # an instruction, then a statement of its own after the comma
        (
            "when you plan meals assume I have no oven, there is only a hob",
            [],
            ["The user wants the assistant to assume they have no oven when you plan meals."],
        ),
        # a choice made every time, and loyalty, are preferences
        ("aisle seat always", [], ["The user prefers aisle seat."]),
        ("I'm very loyal to Lidl", [], ["The user is loyal to Lidl."]),
        # coeliac disease is a condition and a diet
        (
            "I have coeliac disease",
            ["The user has coeliac disease."],
            ["The user has coeliac disease."],
        ),
        # earnings are no habit, and a decimal point ends no sentence
        ("I take home 2.5k a month", ["The user takes home 2.5k a month."], []),
        # "never" with a past verb is what happened, not an instruction or a habit
        (
            "dont have a bike and never learned to ride one tbh, so",
            ["The user does not have a bike.", "The user never learned to ride one."],
            [],
        ),
    ],
)
def test_speech_patterns(said: str, facts: list[str], prefs: list[str]) -> None:
    assert _texts("SEMANTIC", said) == facts
    assert _texts("USER_PREFERENCE", said) == prefs


@pytest.mark.parametrize(
    "said",
    [
        "hi there! how are you today?",
        "can you book a table for two at 8?",
        "Ana loves jazz, she's vegetarian too",
        "I'd like to book a flight to Rome",
        "If I lived in Paris I would walk everywhere",
        "I wish I had a dog",
        "I'm so tired today lol",
        "Am I allergic to anything you know of?",
        "my order hasn't arrived yet",
        "my boss is really annoying today",
        "My colleague Tom lives in Oslo",
        "I'm running late, sorry",
        "my coworker Priya is vegan, any recipe ideas?",
        "my neighbour's cat is called Tom",
        "my sister thinks I should move to Berlin",
        "nothing really, just saying hi",
        "I think so",
        # moods and states of the moment, the user's or a relative's
        "my son is really anxious about his exams",
        "I'm absolutely shattered",
        "my schedule is all over the place",
        "she is so excited, she starts nursery next week",
        # one-off arrangements
        "I'm organising the office party",
        "cooking for my in-laws on sunday",
        "I'm hosting the team quiz next week",
        # "X here" about the place, not a self-description
        "the heating here is broken",
        "gorgeous morning here finally",
        # objects that stand for something said before ("one", "them", "it")
        "we watch one most nights",
        "i usually read them on the train",
        "I just finished it and loved it",
        # past events, not knowing, circumstances: not preferences
        "never watched the show, can you summarise it",
        "she moved to Spain and never came back",
        "I don't understand why my code fails",
        "I can't just leave the kids alone",
    ],
)
def test_no_records_from_small_talk_questions_requests_or_third_parties(said: str) -> None:
    assert _texts("SEMANTIC", said) == [] and _texts("USER_PREFERENCE", said) == []


def test_bare_correction_in_the_next_turn_fixes_the_previous_statement() -> None:
    """ "sorry, the 5th" corrects the value of the same shape in the previous statement."""
    said = ("I'm flying to Oslo on the 3rd", "sorry, the 5th")
    assert _texts("SEMANTIC", *said) == ["The user is flying to Oslo on the 5th."]
    assert _texts("SEMANTIC", "I live in Lyon", "I mean Lille") == ["The user lives in Lille."]
    assert _texts("SEMANTIC", "I have a dog", "sorry, what?") == ["The user has a dog."]


@pytest.mark.parametrize(
    ("strategy", "old", "said", "new"),
    [
        (
            "SEMANTIC",
            "The user lives in Lisbon.",
            "actually I moved to Porto",
            "The user lives in Porto.",
        ),
        (
            "SEMANTIC",
            "The user is single.",
            "I got married in May!",
            "The user got married in May.",
        ),
        (
            "SEMANTIC",
            "The user works at Google.",
            "I started a new job at Spotify",
            "The user started a new job at Spotify.",
        ),
        (
            "USER_PREFERENCE",
            "The user loves coffee.",
            "I don't like coffee anymore",
            "The user no longer likes coffee.",
        ),
        (
            "USER_PREFERENCE",
            "The user dislikes olives.",
            "I've started to like olives",
            "The user likes olives.",
        ),
        (
            "USER_PREFERENCE",
            "The user is vegetarian.",
            "I went fully vegan last month",
            "The user became vegan last month.",
        ),
        (
            "USER_PREFERENCE",
            "The user's favorite color is blue.",
            "my favourite colour is green",
            "The user's favourite colour is green.",
        ),
    ],
)
def test_corrections_replace_the_existing_record(
    strategy: str, old: str, said: str, new: str
) -> None:
    existing = [("mem-other", "The user has a cat."), ("mem-old", old)]
    records = RuleBasedExtractor().extract(_request(strategy, said, existing=existing))
    assert records == [ExtractedRecord(new, replaces="mem-old")]


def test_distinct_facts_about_similar_things_are_not_merged() -> None:
    existing = [
        ("mem-1", "The user lives in Lisbon."),
        ("mem-2", "The user's daughter is allergic to eggs."),
    ]
    records = RuleBasedExtractor().extract(
        _request("SEMANTIC", "I live with my parents. My daughter is 5.", existing=existing)
    )
    assert records == [
        ExtractedRecord("The user lives with their parents."),
        ExtractedRecord("The user's daughter is 5."),
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The user likes coffee.", "The user no longer likes coffee."),
        ("The user has two kids.", "The user has three kids now."),
        ("The user eats meat.", "The user does not eat meat."),
        ("The user is vegan.", "The user is no longer vegan."),
        ("The user works at Google.", "The user is a manager at Acme."),
        ("The user's favorite color is blue.", "The user's favourite colour is green."),
    ],
)
def test_subject_key_same_slot(a: str, b: str) -> None:
    assert subject_key(a) is not None and subject_key(a) == subject_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The user lives in Lisbon.", "The user lives with their parents."),
        ("The user is vegetarian.", "The user is lactose intolerant."),
        ("The user likes coffee.", "The user likes tea."),
    ],
)
def test_subject_key_different_slots(a: str, b: str) -> None:
    assert subject_key(a) != subject_key(b)


# --------------------------------------------------------------------------- evaluation


def _load_eval() -> ModuleType:
    spec = importlib.util.spec_from_file_location("extraction_eval", EVAL_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


def test_matching_rule() -> None:
    ev = _load_eval()
    key = ev._expected(["dislikes|not like", "coffee"])
    assert ev.matches("The user dislikes coffee.", key, about_user=True)
    assert ev.matches("The user does not like coffee anymore.", key, about_user=True)
    assert not ev.matches("The user likes coffee.", key, about_user=True)  # no key phrase
    assert not ev.matches("Ana dislikes coffee.", key, about_user=True)  # not about the user
    porto = ev._expected(["lives in porto"])
    assert ev.matches("The user lives in Porto now.", porto, about_user=True)
    assert not ev.matches("The user no longer lives in Porto.", porto, about_user=True)  # negation
    assert not ev.matches("The user lives in portofino.", porto, about_user=True)  # whole words
    assert ev.matches(
        'The assistant replied: "Felco No. 2 shears".', ev._expected(["felco"]), about_user=False
    )
    pork = ev._expected(["pork", "not|no|never"])
    for negated in ("doesn't eat", "dont eat", "can't stand", "won't touch", "does not eat"):
        assert ev.matches(f"The user {negated} pork.", pork, about_user=True), negated
    assert not ev.matches("The user eats pork.", pork, about_user=True)
    assert not ev.matches("The user can eat pork.", pork, about_user=True)  # "can", no "t"
    assert ev.matches("The user avoids pork.", pork, about_user=True)  # any negation
    assert not ev.matches("The user does not eat beef.", pork, about_user=True)  # the value


def test_pairing_is_one_to_one_and_maximal() -> None:
    ev = _load_eval()
    expected = [ev._expected(["lives"]), ev._expected(["lives in porto"])]
    # greedy would give "lives" the Porto record and leave the second unmatched
    predicted = ["The user lives in Porto.", "The user lives with their parents."]
    assert ev.pair(predicted, expected, about_user=True) == {0: 1, 1: 0}
    assert ev.pair(predicted[:1], expected, about_user=True) in ({0: 0}, {1: 0})


def test_evaluation_set_shape() -> None:
    ev = _load_eval()
    items = ev.load_items()
    assert len(items) >= 80
    heldout = [i for i in items if i.split == "heldout"]
    assert len(heldout) >= 40 and {"tuning", "heldout"} <= {i.split for i in items}
    assert {i.split for i in items} <= set(ev.SPLITS)
    for strategy in ev.STRATEGIES:
        assert any(i.expected.get(strategy) for i in heldout), strategy
    assert any(not any(i.expected.values()) for i in heldout)  # negative examples
    assert any(len(i.sessions) > 1 for i in heldout)  # corrections across sessions


def test_heldout_goal_precision_and_recall_at_least_0_9() -> None:
    """The issue's goal on the held-out split, per strategy (see docs/twin-retrieval.md)."""
    ev = _load_eval()
    counts, outcomes = ev.evaluate(split="heldout")
    for strategy in ev.STRATEGIES:
        c = counts["heldout", strategy]
        misses = [
            (o.item.id, o.missed[strategy], o.extra[strategy])
            for o in outcomes
            if o.missed.get(strategy) or o.extra.get(strategy)
        ]
        assert c.precision >= 0.9 and c.recall >= 0.9, (strategy, c, misses)
    assert "| heldout | semantic |" in ev.format_table(counts)


def test_write_docs_replaces_only_the_marked_section(tmp_path: Path) -> None:
    ev = _load_eval()
    doc = tmp_path / "doc.md"
    doc.write_text(f"# T\n\n{ev.DOCS_START}\nold\n{ev.DOCS_END}\n\ntail\n", encoding="utf-8")
    ev.write_docs("| new table |", "RuleBasedExtractor()", doc)
    text = doc.read_text(encoding="utf-8")
    assert "old" not in text and "| new table |" in text and text.endswith("tail\n")


def _load_ceiling() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "human_ceiling", ROOT / "benchmarks" / "human_ceiling.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_human_ceiling_scores_records_with_the_evaluation_matcher() -> None:
    """Records built from the gold keys score 1.0; a missing and an extra record count."""
    ceiling = _load_ceiling()
    items = [i for i in ceiling.ev.load_items() if i.split == "heldout"][:20]

    def written(item: Any) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for strategy, expected in item.expected.items():
            lead = "The user" if strategy != "summary" else ""
            out[strategy] = [f"{lead} {' '.join(alt[0] for alt in e)}".strip() for e in expected]
        return out

    perfect = {i.id: written(i) for i in items}
    counts, _ = ceiling.score(perfect, items)
    for strategy in ("semantic", "preference"):
        assert counts[("all", strategy)].precision == counts[("all", strategy)].recall == 1.0
    first = next(i for i in items if i.expected["semantic"])
    flawed = dict(perfect)
    flawed[first.id] = {**perfect[first.id], "semantic": ["The user owns a yacht."]}
    counts, outcomes = ceiling.score(flawed, items)
    assert counts[("all", "semantic")].precision < 1.0 and counts[("all", "semantic")].recall < 1.0
    assert any(o.extra["semantic"] == ["The user owns a yacht."] for o in outcomes)
    with pytest.raises(ValueError, match="unknown item ids"):
        ceiling.score({"no-such-item": {}}, items)


def test_committed_human_ceiling_records_cover_their_items() -> None:
    ceiling = _load_ceiling()
    files = sorted(ceiling.CEILING_DIR.glob("*.json"))
    assert files
    ids = {i.id for i in ceiling.ev.load_items()}
    for path in files:
        records = json.loads(path.read_text(encoding="utf-8"))["records"]
        assert len(records) >= 80 and set(records) <= ids, path.name
