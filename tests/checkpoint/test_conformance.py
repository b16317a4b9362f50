"""LangGraph's conformance suite against DynamoDBSaver: async methods, then sync ones."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import Capability

from langgraph_agentcore.checkpoint import DynamoDBSaver

EXPECTED_TESTS = 81


class SyncRoutedSaver(DynamoDBSaver):
    """Routes every async method the suite calls through the sync implementation."""

    async def aget_tuple(self, config: Any) -> Any:
        return await asyncio.to_thread(self.get_tuple, config)

    async def alist(self, config: Any, **kw: Any) -> AsyncIterator[Any]:  # type: ignore[override]
        for tup in await asyncio.to_thread(lambda: list(self.list(config, **kw))):
            yield tup

    async def aput(self, *args: Any) -> Any:
        return await asyncio.to_thread(self.put, *args)

    async def aput_writes(self, *args: Any, **kw: Any) -> None:
        await asyncio.to_thread(self.put_writes, *args, **kw)

    async def adelete_thread(self, thread_id: str) -> None:
        await asyncio.to_thread(self.delete_thread, thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await asyncio.to_thread(self.delete_for_runs, run_ids)

    async def acopy_thread(self, source: str, target: str) -> None:
        await asyncio.to_thread(self.copy_thread, source, target)

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        await asyncio.to_thread(self.prune, thread_ids, strategy=strategy)


@pytest.mark.parametrize("route", ["async", "sync"])
async def test_conformance_full(make_saver: Any, route: str) -> None:
    base = make_saver()

    @checkpointer_test(name=f"DynamoDBSaver-{route}")
    async def factory() -> AsyncIterator[DynamoDBSaver]:
        saver = (
            base
            if route == "async"
            else SyncRoutedSaver(
                base.table_name,
                "agent-1",
                client=base.io.client,
                async_client_factory=base.io.dynamodb.async_client_factory,
            )
        )
        yield saver

    report = await validate(factory)
    failures = {name: r.failures for name, r in report.results.items() if r.failures}
    assert not failures, failures
    assert {c.value for c in Capability} == set(report.results)
    assert all(r.detected and r.passed for r in report.results.values())
    total = sum(r.tests_passed for r in report.results.values())
    assert total == EXPECTED_TESTS, f"{total} passed"
    await base.aclose()
