"""Behaviour of the twin's long-term memory extractors."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from langgraph_agentcore.twin.extraction import (
    ChatModelExtractor,
    ConversationTurn,
    ExistingRecord,
    ExtractedRecord,
    ExtractionRequest,
    Extractor,
    RuleBasedExtractor,
    normalize_strategy_type,
    parse_model_records,
)

U, A, T = "USER", "ASSISTANT", "TOOL"


def _request(
    strategy: str,
    turns: list[tuple[str, str]],
    existing: list[tuple[str, str]] | None = None,
    instructions: str | None = None,
    session: str = "sess-1",
) -> ExtractionRequest:
    return ExtractionRequest(
        strategy_type=strategy,
        strategy_id="strat-1",
        actor_id="actor-1",
        session_id=session,
        turns=[ConversationTurn(role, text) for role, text in turns],
        existing=[ExistingRecord(i, t) for i, t in existing or []],
        instructions=instructions,
    )


def _texts(records: list[ExtractedRecord]) -> list[str]:
    return [r.text for r in records]


CONVERSATION = [
    (
        U,
        "Hi! I live in Irvine and I work as a nurse. My dog is called Rex. "
        "I'm vegetarian, and I don't like spicy food. Can you find me a restaurant?",
    ),
    (A, "Sure. Here are three vegetarian places near Irvine. I love helping!"),
    (T, "search_restaurants returned 3 results"),
    (U, "I prefer window seats. I'm 34. My favorite cuisine is Thai."),
]


# --------------------------------------------------------------------------- interfaces


def test_extractors_satisfy_protocol() -> None:
    extractors: list[Extractor] = [
        RuleBasedExtractor(),
        ChatModelExtractor(GenericFakeChatModel(messages=iter(["[]"]))),
    ]
    assert all(hasattr(e, "extract") for e in extractors)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("SEMANTIC", "SEMANTIC"),
        ("user_preference", "USER_PREFERENCE"),
        ("SUMMARY_OVERRIDE", "SUMMARIZATION"),
        ("EPISODIC_OVERRIDE", "EPISODIC"),
    ],
)
def test_normalize_strategy_type(given: str, expected: str) -> None:
    assert normalize_strategy_type(given) == expected


@pytest.mark.parametrize("bad", ["CUSTOM", "", "FACTS"])
def test_unknown_strategy_type_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="strategy type"):
        RuleBasedExtractor().extract(_request(bad, CONVERSATION))


# --------------------------------------------------------------------------- semantic


def test_semantic_rewrites_user_facts_in_third_person() -> None:
    records = RuleBasedExtractor().extract(_request("SEMANTIC", CONVERSATION))
    assert _texts(records) == [
        "The user lives in Irvine.",
        "The user works as a nurse.",
        "The user's dog is called Rex.",
        "The user is vegetarian.",  # the user's diet is a fact and a preference
        "The user is 34 years old.",
    ]
    assert all(r.replaces is None for r in records)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("I reside in Berlin with my wife.", "The user lives in Berlin with their wife."),
        ("I just moved to Austin", "The user lives in Austin."),
        ("I'm from Lisbon.", "The user is from Lisbon."),
        ("My daughter's name is Maya.", "The user's daughter is called Maya."),
        ("I have two cats", "The user has two cats."),
        ("I speak Spanish fluently.", "The user speaks Spanish fluently."),
        ("I was born in 1990.", "The user was born in 1990."),
        ("I'm a software engineer at Acme.", "The user is a software engineer at Acme."),
        ("I am married to Sam.", "The user is married to Sam."),
    ],
)
def test_semantic_patterns(said: str, expected: str) -> None:
    records = RuleBasedExtractor().extract(_request("SEMANTIC", [(U, said)]))
    assert _texts(records) == [expected]


@pytest.mark.parametrize(
    "said",
    [
        "Can you book me a table?",
        "What's the weather like in Irvine?",
        "I have a question about my order.",
        "I am going to call them tomorrow.",
        "Please remember to be brief.",
        "If I lived in Paris I would walk more.",
    ],
)
def test_semantic_ignores_questions_requests_and_hypotheticals(said: str) -> None:
    assert RuleBasedExtractor().extract(_request("SEMANTIC", [(U, said)])) == []


def test_only_user_turns_are_mined_for_facts() -> None:
    turns = [(A, "I live in the cloud and I work as an assistant."), (T, "I have 3 results")]
    for strategy in ("SEMANTIC", "USER_PREFERENCE"):
        assert RuleBasedExtractor().extract(_request(strategy, turns)) == []


# --------------------------------------------------------------------------- preferences


def test_user_preference_extraction() -> None:
    records = RuleBasedExtractor().extract(_request("USER_PREFERENCE", CONVERSATION))
    assert _texts(records) == [
        "The user is vegetarian.",
        "The user dislikes spicy food.",
        "The user prefers window seats.",
        "The user's favorite cuisine is Thai.",
    ]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("I prefer window seats", "The user prefers window seats."),
        ("I really love hiking in the Alps!", "The user loves hiking in the Alps."),
        ("I can't stand loud music.", "The user dislikes loud music."),
        ("I don't eat pork.", "The user does not eat pork."),
        ("I'd rather take the train.", "The user would rather take the train."),
        ("I'm allergic to peanuts.", "The user is allergic to peanuts."),
        ("I'm a big fan of the Celtics.", "The user likes the Celtics."),
        ("I always order oat milk lattes.", "The user always orders oat milk lattes."),
    ],
)
def test_preference_patterns(said: str, expected: str) -> None:
    records = RuleBasedExtractor().extract(_request("USER_PREFERENCE", [(U, said)]))
    assert _texts(records) == [expected]


def test_preferences_are_not_also_facts() -> None:
    said = [(U, "I like jazz. I have a piano.")]
    assert _texts(RuleBasedExtractor().extract(_request("SEMANTIC", said))) == [
        "The user has a piano."
    ]


# --------------------------------------------------------------------------- consolidation


def test_exact_duplicates_of_existing_records_are_dropped() -> None:
    existing = [("mem-1", "the user lives in irvine"), ("mem-2", "The user's dog is called Rex.")]
    records = RuleBasedExtractor().extract(_request("SEMANTIC", CONVERSATION, existing))
    assert "The user lives in Irvine." not in _texts(records)
    assert "The user's dog is called Rex." not in _texts(records)
    assert "The user works as a nurse." in _texts(records)


UPDATES = [
    # (strategy, existing record, what the user says now, the updated record)
    ("SEMANTIC", "The user lives in Boston.", "I live in Irvine", "The user lives in Irvine."),
    ("SEMANTIC", "The user works as a teacher.", "I work as a nurse", "The user works as a nurse."),
    (
        "SEMANTIC",
        "The user's dog is called Max.",
        "My dog is named Rex",
        "The user's dog is called Rex.",
    ),
    ("USER_PREFERENCE", "The user is vegan.", "I'm vegetarian", "The user is vegetarian."),
    (
        "USER_PREFERENCE",
        "The user likes spicy food.",
        "I hate spicy food",
        "The user dislikes spicy food.",
    ),
    (
        "USER_PREFERENCE",
        "The user prefers aisle seats.",
        "I prefer window seats",
        "The user prefers window seats.",
    ),
    (
        "USER_PREFERENCE",
        "The user's favorite cuisine is Thai.",
        "My favourite cuisine is Greek",
        "The user's favourite cuisine is Greek.",
    ),
]


@pytest.mark.parametrize(("strategy", "old", "said", "new"), UPDATES)
def test_updates_replace_the_existing_record(strategy: str, old: str, said: str, new: str) -> None:
    existing = [("mem-other", "The user has a cat."), ("mem-old", old)]
    records = RuleBasedExtractor().extract(_request(strategy, [(U, said)], existing))
    assert records == [ExtractedRecord(new, replaces="mem-old")]


def test_near_duplicate_by_embedding_replaces() -> None:
    # Worded differently (e.g. by another extractor) but the same content words.
    existing = [("mem-1", "User volunteers at an animal shelter on Saturdays")]
    records = RuleBasedExtractor().extract(
        _request("SEMANTIC", [(U, "I volunteer at the animal shelter on Saturdays.")], existing)
    )
    assert records == [
        ExtractedRecord("The user volunteers at the animal shelter on Saturdays.", "mem-1")
    ]


def test_similarity_threshold_is_configurable() -> None:
    existing = [("mem-1", "The user speaks Spanish.")]
    request = _request("SEMANTIC", [(U, "I speak French.")], existing)
    assert RuleBasedExtractor().extract(request) == [ExtractedRecord("The user speaks French.")]
    loose = RuleBasedExtractor(similarity_threshold=0.5).extract(request)
    assert loose == [ExtractedRecord("The user speaks French.", "mem-1")]


def test_distinct_facts_are_added_not_replaced() -> None:
    existing = [("mem-1", "The user likes pizza."), ("mem-2", "The user has a cat.")]
    records = RuleBasedExtractor().extract(
        _request("USER_PREFERENCE", [(U, "I like sushi.")], existing)
    )
    assert records == [ExtractedRecord("The user likes sushi.")]


def test_later_statement_in_the_same_batch_wins() -> None:
    turns = [(U, "I live in Boston."), (U, "Actually I live in Irvine now. I live in Irvine now.")]
    records = RuleBasedExtractor().extract(_request("SEMANTIC", turns))
    assert records == [ExtractedRecord("The user lives in Irvine now.")]


def test_rule_based_extraction_is_deterministic() -> None:
    for strategy in ("SEMANTIC", "USER_PREFERENCE", "SUMMARIZATION", "EPISODIC"):
        first = RuleBasedExtractor().extract(_request(strategy, CONVERSATION))
        assert first == RuleBasedExtractor().extract(_request(strategy, CONVERSATION))


# --------------------------------------------------------------------------- summaries


def test_one_summary_per_session() -> None:
    records = RuleBasedExtractor().extract(_request("SUMMARIZATION", CONVERSATION))
    assert len(records) == 1
    summary = records[0]
    assert summary.replaces is None
    assert summary.text.startswith("Summary of session sess-1:")
    assert "The user lives in Irvine." in summary.text
    assert "Can you find me a restaurant" in summary.text
    assert "The assistant replied" in summary.text


def test_summary_update_replaces_existing_summary_and_keeps_history() -> None:
    x = RuleBasedExtractor()
    first = x.extract(_request("SUMMARIZATION", CONVERSATION[:2]))[0]
    existing = [("mem-other", "Summary of session sess-0: old."), ("mem-sum", first.text)]
    update = x.extract(_request("SUMMARIZATION", CONVERSATION[2:], existing))
    assert len(update) == 1 and update[0].replaces == "mem-sum"
    assert update[0].text.startswith(first.text)
    assert "The user prefers window seats." in update[0].text
    # Re-running over turns already summarised changes nothing.
    again = [("mem-sum", update[0].text)]
    assert x.extract(_request("SUMMARIZATION", CONVERSATION, again)) == []


def test_summary_stays_bounded() -> None:
    turns = [(U, f"I have {i} plants in room number {i}.") for i in range(400)]
    (summary,) = RuleBasedExtractor().extract(_request("SUMMARIZATION", turns))
    assert len(summary.text) < 4200 and "[...]" in summary.text
    assert "399 plants" in summary.text


def test_summary_of_nothing_is_empty() -> None:
    assert RuleBasedExtractor().extract(_request("SUMMARIZATION", [(U, "  ")])) == []


# --------------------------------------------------------------------------- episodes


def test_episode_record() -> None:
    (episode,) = RuleBasedExtractor().extract(_request("EPISODIC", CONVERSATION))
    assert episode.replaces is None
    assert episode.text.startswith("Episode in session sess-1.")
    assert 'Goal: "Can you find me a restaurant"' in episode.text
    assert "1 tool call(s)" in episode.text
    assert "Outcome:" in episode.text


def test_episode_duplicate_is_dropped_and_no_user_means_no_episode() -> None:
    x = RuleBasedExtractor()
    (episode,) = x.extract(_request("EPISODIC", CONVERSATION))
    assert x.extract(_request("EPISODIC", CONVERSATION, [("mem-1", episode.text)])) == []
    assert x.extract(_request("EPISODIC", [(A, "Hello, how can I help?")])) == []


# --------------------------------------------------------------------------- chat model


def _fake(*replies: str | AIMessage) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter(replies))


def test_chat_model_extractor_prompt_contents() -> None:
    request = _request(
        "USER_PREFERENCE",
        CONVERSATION,
        [("mem-1", "The user likes tea.")],
        instructions="Only record food preferences.",
    )
    system, human = ChatModelExtractor(_fake("[]")).build_messages(request)
    assert isinstance(system, SystemMessage) and isinstance(human, HumanMessage)
    assert "preferences" in system.text
    assert "Only record food preferences." in system.text
    assert '"replaces"' in system.text and "JSON array" in system.text
    assert "mem-1: The user likes tea." in human.text
    assert "USER: Hi! I live in Irvine" in human.text and "TOOL: search_restaurants" in human.text


@pytest.mark.parametrize("strategy", ["SEMANTIC", "USER_PREFERENCE", "SUMMARIZATION", "EPISODIC"])
def test_chat_model_prompts_differ_per_strategy(strategy: str) -> None:
    messages = ChatModelExtractor(_fake("[]")).build_messages(_request(strategy, CONVERSATION))
    others = {
        s: ChatModelExtractor(_fake("[]")).build_messages(_request(s, CONVERSATION))[0].text
        for s in ("SEMANTIC", "USER_PREFERENCE", "SUMMARIZATION", "EPISODIC")
        if s != strategy
    }
    assert messages[0].text not in others.values()


def test_chat_model_extractor_parses_fenced_json_with_prose() -> None:
    reply = (
        "Here are the records:\n```json\n"
        '[{"text": "The user lives in Irvine.", "replaces": "mem-1"},\n'
        ' {"text": "The user is a nurse.", "replaces": null}]\n```\nDone!'
    )
    existing = [("mem-1", "The user lives in Boston.")]
    records = ChatModelExtractor(_fake(reply)).extract(_request("SEMANTIC", CONVERSATION, existing))
    assert records == [
        ExtractedRecord("The user lives in Irvine.", "mem-1"),
        ExtractedRecord("The user is a nurse."),
    ]


def test_chat_model_extractor_cleans_model_output() -> None:
    reply = (
        '[{"text": "The user lives in Boston.", "replaces": null},'
        ' {"text": "The user is a nurse.", "replaces": "mem-unknown"},'
        ' {"text": "the user is a nurse", "replaces": null},'
        ' {"text": "   ", "replaces": null}, "The user has a dog."]'
    )
    existing = [("mem-1", "The user lives in Boston.")]
    records = ChatModelExtractor(_fake(reply)).extract(_request("SEMANTIC", CONVERSATION, existing))
    # exact duplicates dropped, unknown ids ignored, blank text skipped, bare strings accepted
    assert records == [
        ExtractedRecord("The user is a nurse."),
        ExtractedRecord("The user has a dog."),
    ]


def test_chat_model_extractor_accepts_content_blocks() -> None:
    message = AIMessage(content=[{"type": "text", "text": '[{"text": "The user is 34."}]'}])
    records = ChatModelExtractor(_fake(message)).extract(_request("SEMANTIC", CONVERSATION))
    assert records == [ExtractedRecord("The user is 34.")]


async def test_chat_model_extractor_async() -> None:
    reply = 'Sure: {"records": [{"text": "Summary: the user asked for a restaurant."}]}'
    records = await ChatModelExtractor(_fake(reply)).aextract(
        _request("SUMMARIZATION", CONVERSATION)
    )
    assert records == [ExtractedRecord("Summary: the user asked for a restaurant.")]


@pytest.mark.parametrize(
    "reply",
    ["I could not find anything worth remembering.", "```json\n[{'text': 1}\n```", "42"],
)
def test_chat_model_extractor_unparsable_output_names_strategy(reply: str) -> None:
    with pytest.raises(ValueError, match="USER_PREFERENCE extraction"):
        ChatModelExtractor(_fake(reply)).extract(_request("USER_PREFERENCE", CONVERSATION))


@pytest.mark.parametrize("items", ['[{"text": 5}]', "[[1, 2]]"])
def test_parse_model_records_rejects_bad_items(items: str) -> None:
    with pytest.raises(ValueError, match="EPISODIC extraction"):
        parse_model_records(items, "EPISODIC")


def test_parse_model_records_empty_list() -> None:
    assert parse_model_records("Nothing new.\n[]", "SEMANTIC") == []


def test_parse_accepts_single_object_and_alt_keys() -> None:
    assert parse_model_records('{"text": "A", "replaces": "m"}', "SEMANTIC") == [
        ExtractedRecord("A", "m")
    ]
    data: Any = '{"memories": [{"content": "B"}]}'
    assert parse_model_records(data, "SEMANTIC") == [ExtractedRecord("B")]


def test_lowercase_pronoun_and_clause_split() -> None:
    said = [(U, "i live in irvine and i work as a nurse, my cat is called luna")]
    assert _texts(RuleBasedExtractor().extract(_request("SEMANTIC", said))) == [
        "The user lives in irvine.",
        "The user works as a nurse.",
        "The user's cat is called luna.",
    ]


def test_summary_written_elsewhere_is_extended() -> None:
    existing = [("mem-llm", "The user planned a trip to Japan.")]
    (summary,) = RuleBasedExtractor().extract(
        _request("SUMMARIZATION", [(U, "I prefer window seats.")], existing)
    )
    assert summary.replaces == "mem-llm"
    assert summary.text == (
        "Summary of session sess-1: The user planned a trip to Japan. "
        "The user prefers window seats."
    )
