"""``targets.mentions``: the condition the demo and examples poll extraction with."""

from __future__ import annotations

from typing import Any

from langgraph_agentcore import targets


def _rec(namespace: str, text: str) -> dict[str, Any]:
    return {"namespaces": [namespace], "content": {"text": text}}


def test_mentions_every_word_in_any_record_any_case() -> None:
    check = targets.mentions("Lisbon", "vegetarian")
    assert check([_rec("/users/a/facts", "Lives in lisbon."), _rec("/x", "Is Vegetarian.")])
    assert not check([_rec("/users/a/facts", "Lives in Lisbon.")])


def test_mentions_in_a_namespace_ignores_a_summary_that_says_it_first() -> None:
    """Strategies extract independently: the summary may be written before the facts."""
    summary = _rec("/summaries/a/t-1", "The user is vegetarian. The user lives in Lisbon.")
    check = targets.mentions("Lisbon", "vegetarian", namespace="/facts")
    assert targets.mentions("Lisbon", "vegetarian")([summary])
    assert not check([summary])
    facts = [_rec("/users/a/facts", "Lives in Lisbon."), _rec("/users/a/facts", "Vegetarian.")]
    assert check([summary, *facts])


def test_mentions_of_cross_session_strategies_ignores_session_summaries() -> None:
    strategies = {
        "sem-1": ("semantic", ("/strategies/{memoryStrategyId}/actors/{actorId}",)),
        "pref-1": ("prefs", ("/users/{actorId}/preferences",)),
        "sum-1": ("summary", ("/summaries/{actorId}/{sessionId}",)),
    }
    assert targets.cross_session(strategies) == {"sem-1", "pref-1"}
    check = targets.mentions("Lisbon", strategy_ids=targets.cross_session(strategies))
    summary = {"memoryStrategyId": "sum-1", "content": {"text": "Lives in Lisbon."}}
    fact = {"memoryStrategyId": "sem-1", "content": {"text": "Lives in Lisbon."}}
    assert not check([summary]) and check([summary, fact])
