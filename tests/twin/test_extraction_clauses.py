"""The clause reader of the twin's RuleBasedExtractor: how user messages are cut into
sentences and clauses, and how each clause is read into a fact record.

Plain sentences written for these tests (not copies of evaluation items), each asserting
the records produced.
"""

from __future__ import annotations

import pytest

from langgraph_agentcore.twin.extraction import (
    ConversationTurn,
    ExtractionRequest,
    RuleBasedExtractor,
    _sentences,
)


def _texts(strategy: str, said: str) -> list[str]:
    request = ExtractionRequest(
        strategy_type=strategy,
        strategy_id="strat-1",
        actor_id="actor-1",
        session_id="sess-1",
        turns=[ConversationTurn("USER", said)],
    )
    return [r.text for r in RuleBasedExtractor().extract(request)]


def _facts(said: str) -> list[str]:
    return _texts("SEMANTIC", said)


def _prefs(said: str) -> list[str]:
    return _texts("USER_PREFERENCE", said)


# --------------------------------------------------------------------------- sentences


def test_a_decimal_point_is_no_sentence_end() -> None:
    assert _sentences("my commute is 3.5 miles each way. it rains a lot") == [
        ("my commute is 3.5 miles each way", False),
        ("it rains a lot", False),
    ]
    assert _facts("i earn about 1.8k a month") == ["The user earns about 1.8k a month."]


def test_an_inline_question_keeps_its_question_word() -> None:
    assert _sentences("i keep bees how do i stop them swarming") == [
        ("i keep bees", False),
        ("how do i stop them swarming", True),
    ]
    assert _sentences("how do i stop them swarming") == [("how do i stop them swarming", True)]


def test_a_conjunction_left_before_a_cut_question_is_dropped() -> None:
    assert _sentences("i sold my car last year, so what is the cheapest bus pass") == [
        ("i sold my car last year", False),
        ("what is the cheapest bus pass", True),
    ]


# --------------------------------------------------------------------------- misreadings


@pytest.mark.parametrize(
    "said",
    [
        # "work" and "live" as nouns are no verb of a left-out "I"
        "ok quick work thing",
        "live music tonight was great",
        # "took ages", "cost a fortune": what was left out is "it"
        "took 3 months lol",
        "cost a fortune tbh",
        # anger and a body worn out by the day are moods, the user's or anyone's
        "my back is killing me",
        "my hands are wrecked after the move",
        "he is livid about it",
    ],
)
def test_no_record_from_nouns_read_as_verbs_durations_or_moods(said: str) -> None:
    assert _facts(said) == [] and _prefs(said) == []


def test_a_noun_before_is_is_the_subject_not_a_verb() -> None:
    """ "rent is 700" is about the user's rent, not "the user rents is 700"."""
    assert _facts("rent is 700 a month") == ["The user's rent is 700 a month."]
    assert _facts("salary is 31k, is that low") == ["The user's salary is 31k."]


def test_income_is_a_fact_not_a_habit() -> None:
    assert _facts("i take home about 1900 a month") == ["The user takes home about 1900 a month."]
    assert _prefs("i take home about 1900 a month") == []


def test_an_amount_after_a_comma_is_a_clause_of_its_own() -> None:
    assert _facts("I just got a new job, salary is 30k") == [
        "The user got a new job.",
        "The user's salary is 30k.",
    ]


@pytest.mark.parametrize(
    ("said", "facts"),
    [
        ("never learned to swim, honestly", ["The user never learned to swim."]),
        ("I never finished my degree", ["The user never finished their degree."]),
    ],
)
def test_never_with_a_past_verb_is_a_fact_not_an_instruction(said: str, facts: list[str]) -> None:
    assert _facts(said) == facts
    assert _prefs(said) == []


def test_an_instruction_still_needs_a_verb_in_its_base_form() -> None:
    assert _prefs("never use emojis") == ["The user wants the assistant to never use emojis."]


def test_a_verb_joined_to_someone_elses_clause_is_theirs() -> None:
    """ "my dad retired and moved to Spain": the dad moved, not the user."""
    assert _facts("my dad retired last year and moved to Spain") == [
        "The user's dad retired last year.",
        "The user's dad moved to Spain.",
    ]
    # a third party's doings are no record of the user's
    assert _facts("she sold the house and never told anyone") == []


# --------------------------------------------------------------------------- facts in passing


@pytest.mark.parametrize(
    ("said", "facts"),
    [
        # a second clause joined by "and"/"but" whose "I" was left out
        (
            "I am blind and use a screen reader",
            ["The user is blind.", "The user uses a screen reader."],
        ),
        (
            "i am from chile but living in leeds now",
            ["The user is from chile.", "The user lives in leeds now."],
        ),
        # a clause with its own subject after "and"
        (
            "I am hard of hearing and Makaton is my first language",
            ["The user is hard of hearing.", "The user's first language is Makaton."],
        ),
        # a mood joined to a fact is dropped, the fact kept
        (
            "doing my a-levels and kinda stressing about chemistry",
            ["The user is doing their a-levels."],
        ),
        # the job a move is for
        (
            "moving to york for a new job at a law firm",
            ["The user is moving to york.", "The user has a new job at a law firm."],
        ),
        # a topic phrase before "we"
        ("at home we speak welsh and english", ["The user speaks welsh and english."]),
        # what was just done after a comma: a shift at a workplace
        (
            "knackered, just finished a night shift at the depot",
            ["The user works shifts at the depot."],
        ),
        # at a kind of employer, with an aside after the comma
        ("for context I am at a charity, tiny team", ["The user works at a charity."]),
        # a diagnosis, without its aside
        (
            "got diagnosed with coeliac disease in may which explains a lot",
            ["The user was diagnosed with coeliac disease in may."],
        ),
        # an operation named as "my ... surgery"
        (
            "still sore since my knee surgery in march",
            ["The user had knee surgery in march."],
        ),
        (
            "it is my first time hosting christmas",
            ["The user is hosting christmas for the first time."],
        ),
        ("FINALLY PAID OFF MY CAR LOAN", ["The user paid off their CAR LOAN."]),
        # a trip with the place typed lowercase
        ("off to krakow next month", ["The user is off to krakow next month."]),
    ],
)
def test_facts_said_in_passing(said: str, facts: list[str]) -> None:
    assert _facts(said) == facts


@pytest.mark.parametrize(
    "said",
    [
        # "going to" + a verb is no trip; "at the bank" is an errand, not an employer
        "going to cook next week",
        "I am at the bank",
    ],
)
def test_no_trip_or_employer_from_look_alikes(said: str) -> None:
    assert _facts(said) == []
