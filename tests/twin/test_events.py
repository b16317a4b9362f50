"""Contract: short-term memory (events, actors, sessions) through boto3 only."""

from __future__ import annotations

import pytest
from botocore.exceptions import ParamValidationError

from tests.twin.support import Env, unique

EVENT_ID = r"^[0-9]+#[a-fA-F0-9]+$"


def _turn(text: str, role: str = "USER") -> dict:
    return {"conversational": {"role": role, "content": {"text": text}}}


def test_create_get_delete_event(env: Env) -> None:
    actor, session = unique("actor"), unique("s")
    ev = env.say(actor, session, ("USER", "hello"), ("ASSISTANT", "hi there"))
    assert ev["actorId"] == actor and ev["sessionId"] == session
    assert __import__("re").match(EVENT_ID, ev["eventId"])
    got = env.data.get_event(
        memoryId=env.memory_id, actorId=actor, sessionId=session, eventId=ev["eventId"]
    )["event"]
    assert got["payload"] == ev["payload"]
    assert got["eventTimestamp"] == ev["eventTimestamp"]
    deleted = env.data.delete_event(
        memoryId=env.memory_id, actorId=actor, sessionId=session, eventId=ev["eventId"]
    )
    assert deleted["eventId"] == ev["eventId"]
    with pytest.raises(env.data.exceptions.ResourceNotFoundException):
        env.data.get_event(
            memoryId=env.memory_id, actorId=actor, sessionId=session, eventId=ev["eventId"]
        )


def test_list_events_newest_first_and_paginated(env: Env) -> None:
    actor, session = unique("actor"), unique("s")
    ids = [env.say(actor, session, ("USER", f"message {i}"))["eventId"] for i in range(5)]
    seen: list[str] = []
    kwargs: dict = {}
    while True:
        page = env.data.list_events(
            memoryId=env.memory_id, actorId=actor, sessionId=session, maxResults=2, **kwargs
        )
        assert len(page["events"]) <= 2
        seen += [e["eventId"] for e in page["events"]]
        if "nextToken" not in page:
            break
        kwargs = {"nextToken": page["nextToken"]}
    assert seen == list(reversed(ids))
    paginator = env.data.get_paginator("list_events")
    pages = paginator.paginate(
        memoryId=env.memory_id,
        actorId=actor,
        sessionId=session,
        PaginationConfig={"PageSize": 3},
    )
    assert [e["eventId"] for p in pages for e in p["events"]] == seen


def test_list_events_without_payloads(env: Env) -> None:
    actor, session = unique("actor"), unique("s")
    env.say(actor, session, ("USER", "secret"))
    events = env.data.list_events(
        memoryId=env.memory_id, actorId=actor, sessionId=session, includePayloads=False
    )["events"]
    assert len(events) == 1 and not events[0].get("payload")


def test_event_metadata_filter(env: Env) -> None:
    actor, session = unique("actor"), unique("s")
    env.say(actor, session, ("USER", "a"), metadata={"kind": {"stringValue": "note"}})
    env.say(actor, session, ("USER", "b"), metadata={"kind": {"stringValue": "chat"}})
    env.say(actor, session, ("USER", "c"))

    def texts(flt: dict) -> list[str]:
        events = env.data.list_events(
            memoryId=env.memory_id,
            actorId=actor,
            sessionId=session,
            filter={"eventMetadata": [flt]},
        )["events"]
        return [e["payload"][0]["conversational"]["content"]["text"] for e in events]

    assert texts(
        {
            "left": {"metadataKey": "kind"},
            "operator": "EQUALS_TO",
            "right": {"metadataValue": {"stringValue": "note"}},
        }
    ) == ["a"]
    assert texts({"left": {"metadataKey": "kind"}, "operator": "EXISTS"}) == ["b", "a"]
    assert texts({"left": {"metadataKey": "kind"}, "operator": "NOT_EXISTS"}) == ["c"]


def test_branches(env: Env) -> None:
    actor, session = unique("actor"), unique("s")
    first = env.say(actor, session, ("USER", "root question"))
    env.say(actor, session, ("ASSISTANT", "main answer"))
    env.say(
        actor,
        session,
        ("ASSISTANT", "alternative answer"),
        branch={"rootEventId": first["eventId"], "name": "alt"},
    )
    env.say(actor, session, ("USER", "follow-up on alt"), branch={"name": "alt"})

    def texts(**flt: object) -> list[str]:
        events = env.data.list_events(
            memoryId=env.memory_id, actorId=actor, sessionId=session, filter={"branch": flt}
        )["events"]
        return [e["payload"][0]["conversational"]["content"]["text"] for e in events]

    assert texts(name="alt") == ["follow-up on alt", "alternative answer"]
    assert texts(name="alt", includeParentBranches=True) == [
        "follow-up on alt",
        "alternative answer",
        "root question",
    ]
    everything = env.data.list_events(memoryId=env.memory_id, actorId=actor, sessionId=session)
    assert len(everything["events"]) == 4
    alt = [e for e in everything["events"] if e.get("branch")]
    assert {e["branch"]["name"] for e in alt} == {"alt"}


@pytest.mark.parametrize("actor", ["user/with/slashes", "tenant:alice", "org/a:b/c:d_e-f"])
def test_actor_ids_with_separators_round_trip(env: Env, actor: str) -> None:
    actor = f"{actor}{unique('')}"
    session = unique("s")
    ev = env.say(actor, session, ("USER", "hi"))
    got = env.data.get_event(
        memoryId=env.memory_id, actorId=actor, sessionId=session, eventId=ev["eventId"]
    )["event"]
    assert got["actorId"] == actor
    listed = env.data.list_events(memoryId=env.memory_id, actorId=actor, sessionId=session)
    assert [e["eventId"] for e in listed["events"]] == [ev["eventId"]]
    sessions = env.data.list_sessions(memoryId=env.memory_id, actorId=actor)["sessionSummaries"]
    assert [(s["actorId"], s["sessionId"]) for s in sessions] == [(actor, session)]


def test_list_actors_and_sessions(env: Env) -> None:
    actor = unique("actor")
    sessions = [unique("s") for _ in range(3)]
    for s in sessions:
        env.say(actor, s, ("USER", "hello"))
    listed = [
        s["sessionId"]
        for p in env.data.get_paginator("list_sessions").paginate(
            memoryId=env.memory_id, actorId=actor, PaginationConfig={"PageSize": 2}
        )
        for s in p["sessionSummaries"]
    ]
    assert sorted(listed) == sorted(sessions)
    actors = [
        a["actorId"]
        for p in env.data.get_paginator("list_actors").paginate(memoryId=env.memory_id)
        for a in p["actorSummaries"]
    ]
    assert actor in actors


def test_client_token_makes_create_event_idempotent(env: Env) -> None:
    actor, session = unique("actor"), unique("s")
    ts = env.ts()
    kwargs = {
        "memoryId": env.memory_id,
        "actorId": actor,
        "sessionId": session,
        "eventTimestamp": ts,
        "payload": [_turn("once")],
        "clientToken": unique("token"),
    }
    a = env.data.create_event(**kwargs)["event"]
    b = env.data.create_event(**kwargs)["event"]
    assert a["eventId"] == b["eventId"]
    events = env.data.list_events(memoryId=env.memory_id, actorId=actor, sessionId=session)
    assert len(events["events"]) == 1


def test_event_in_other_session(env: Env) -> None:
    actor = unique("actor")
    ev = env.say(actor, unique("s"), ("USER", "x"))
    with pytest.raises(
        (env.data.exceptions.ValidationException, env.data.exceptions.ResourceNotFoundException)
    ):
        env.data.get_event(
            memoryId=env.memory_id, actorId=actor, sessionId=unique("s"), eventId=ev["eventId"]
        )


def _assert_invalid(env: Env, field: str, **kwargs: object) -> None:
    with pytest.raises(env.data.exceptions.ValidationException) as info:
        env.data.create_event(**kwargs)
    err = info.value.response
    if env.is_twin:
        assert err.get("reason") == "FieldValidationFailed"
        assert any(field in f["name"] for f in err.get("fieldList", [])), err


@pytest.mark.parametrize(
    ("field", "override"),
    [
        ("actorId", {"actorId": "alice@example.com"}),
        ("actorId", {"actorId": "a" * 256}),
        ("sessionId", {"sessionId": "s" * 101}),
        ("sessionId", {"sessionId": "-leading-dash"}),
        ("role", {"payload": [{"conversational": {"role": "ROBOT", "content": {"text": "x"}}}]}),
        ("payload", {"payload": [_turn("x")] * 101}),
        ("metadata", {"metadata": {f"k{i}": {"stringValue": "v"} for i in range(16)}}),
        ("text", {"payload": [_turn("x" * 100_001)]}),
        ("branch.name", {"branch": {"name": "bad name!"}}),
    ],
)
def test_create_event_validation(env: Env, field: str, override: dict) -> None:
    kwargs: dict = {
        "memoryId": env.memory_id,
        "actorId": unique("actor"),
        "sessionId": unique("s"),
        "eventTimestamp": env.ts(),
        "payload": [_turn("hello")],
    }
    kwargs.update(override)
    _assert_invalid(env, field, **kwargs)


def test_list_events_max_results_bound(env: Env) -> None:
    with pytest.raises(env.data.exceptions.ValidationException):
        env.data.list_events(
            memoryId=env.memory_id, actorId=unique("a"), sessionId=unique("s"), maxResults=101
        )


def test_client_side_minimum_still_applies(env: Env) -> None:
    with pytest.raises(ParamValidationError):
        env.data.list_events(
            memoryId=env.memory_id, actorId=unique("a"), sessionId=unique("s"), maxResults=0
        )


def test_unknown_memory_is_not_found(env: Env) -> None:
    with pytest.raises(env.data.exceptions.ResourceNotFoundException):
        env.data.list_events(
            memoryId="NoSuchMemory-0123456789", actorId=unique("a"), sessionId=unique("s")
        )


def test_malformed_memory_id_is_invalid(env: Env) -> None:
    with pytest.raises(env.data.exceptions.ValidationException):
        env.data.list_events(memoryId="not a memory id!", actorId="a", sessionId="s")
