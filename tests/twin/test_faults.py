"""Fault injection surfaces as the modelled AgentCore errors; retries recover."""

from __future__ import annotations

import time

import pytest

from tests.twin.support import Env, unique

PAYLOAD = [{"conversational": {"role": "USER", "content": {"text": "hi"}}}]


def _create(client: object, env: Env) -> dict:
    return client.create_event(  # type: ignore[attr-defined]
        memoryId=env.memory_id,
        actorId=unique("a"),
        sessionId=unique("s"),
        eventTimestamp=env.ts(),
        payload=PAYLOAD,
    )


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ("ThrottledException", 429),
        ("ServiceQuotaExceededException", 402),
        ("RetryableConflictException", 409),
        ("ServiceException", 500),
    ],
)
def test_injected_error_is_the_modelled_exception(env: Env, error: str, status: int) -> None:
    twin = env.require_twin()
    client = env.data_client(retries={"mode": "standard", "total_max_attempts": 1})
    twin.faults.inject(error, operations="CreateEvent", count=1)
    with pytest.raises(getattr(client.exceptions, error)) as info:
        _create(client, env)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert _create(client, env)["event"]["eventId"]  # count=1: the next call succeeds


@pytest.mark.parametrize("error", ["ThrottledException", "RetryableConflictException"])
def test_standard_retry_recovers_from_one_failure(env: Env, error: str) -> None:
    twin = env.require_twin()
    client = env.data_client(retries={"mode": "standard", "max_attempts": 3})
    twin.faults.inject(error, operations=["CreateEvent"], count=1)
    out = _create(client, env)
    assert out["ResponseMetadata"]["RetryAttempts"] == 1


def test_faults_only_hit_named_operations(env: Env) -> None:
    twin = env.require_twin()
    twin.faults.inject("ServiceException", operations="ListActors", count=None)
    assert _create(env.data, env)["event"]
    with pytest.raises(env.data.exceptions.ServiceException):
        env.data_client(retries={"mode": "standard", "total_max_attempts": 1}).list_actors(
            memoryId=env.memory_id
        )
    twin.faults.clear()
    assert "actorSummaries" in env.data.list_actors(memoryId=env.memory_id)


def test_probability_is_reproducible_with_a_seed(env: Env) -> None:
    twin = env.require_twin()
    client = env.data_client(retries={"mode": "standard", "total_max_attempts": 1})

    def outcomes() -> list[bool]:
        twin.faults.clear()
        twin.faults.seed(42)
        twin.faults.inject(
            "ThrottledException", operations="ListActors", count=None, probability=0.5
        )
        result = []
        for _ in range(12):
            try:
                client.list_actors(memoryId=env.memory_id)
                result.append(True)
            except client.exceptions.ThrottledException:
                result.append(False)
        return result

    first = outcomes()
    assert first == outcomes()
    assert True in first and False in first


def test_latency(env: Env) -> None:
    twin = env.require_twin()
    twin.faults.add_latency(0.2, operations="ListActors")
    start = time.monotonic()
    env.data.list_actors(memoryId=env.memory_id)
    assert time.monotonic() - start >= 0.2
    start = time.monotonic()
    env.data.list_sessions(memoryId=env.memory_id, actorId="someone")
    assert time.monotonic() - start < 0.2


def test_unknown_fault_name_is_rejected(env: Env) -> None:
    twin = env.require_twin()
    with pytest.raises(ValueError):
        twin.faults.inject("ThrottlingException")
