"""Differential: random op sequences against this store and LangGraph's InMemoryStore.

InMemoryStore has no TTL, so the reference is InMemoryStore plus a small expiry model on
the same fake clock. Two documented differences are normalised here: search without a
query returns items sorted by (namespace, key) (InMemoryStore: insertion order), and
namespaces without live items are not listed (InMemoryStore keeps emptied ones).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from langgraph.store.base import GetOp, ListNamespacesOp, MatchCondition, PutOp, SearchOp
from langgraph.store.memory import InMemoryStore

from langgraph_agentcore.store import AgentCoreMemoryStore
from tests.store.conftest import Env

LABELS = ["a", "ab", "a b", "ü", "x:y", "a/b", "#", "$", "*", "users", "alice@example com"]
KEYS = ["k", "k#1", "", "ü", "K", "mem-not-a-record", "a/b", "z"]
FILTERS: list[dict[str, Any] | None] = [
    None,
    {"tag": "a"},
    {"n": {"$gt": 2}},
    {"n": {"$lte": 3, "$ne": 1}},
    {"nested": {"x": True}},
    {"tag": {"$eq": "b"}, "n": {"$gte": 1}},
    {"tag": {"$ne": "a"}},
    {"n": {"$lt": 2}},
]
TTLS = [None, None, 0.5, 1.0]


class Reference:
    """InMemoryStore + expiry bookkeeping (minutes) on a shared fake clock."""

    def __init__(self, clock: list[float]) -> None:
        self.mem = InMemoryStore()
        self.clock = clock
        self.expiry: dict[tuple[tuple[str, ...], str], tuple[float, float]] = {}

    def purge(self) -> None:
        now = self.clock[0]
        for (ns, key), (at, _) in list(self.expiry.items()):
            if at <= now:
                self.mem.batch([PutOp(ns, key, None)])
                del self.expiry[(ns, key)]
        for ns in [n for n, d in self.mem._data.items() if not d]:
            del self.mem._data[ns]

    def refresh(self, ns: tuple[str, ...], key: str) -> None:
        if (ns, key) in self.expiry:
            _, seconds = self.expiry[(ns, key)]
            self.expiry[(ns, key)] = (self.clock[0] + seconds, seconds)

    def run(self, op: Any) -> Any:
        self.purge()
        if isinstance(op, PutOp):
            self.mem.batch([op._replace(ttl=None)])
            if op.value is not None and op.ttl is not None:
                self.expiry[(op.namespace, op.key)] = (
                    self.clock[0] + op.ttl * 60,
                    op.ttl * 60,
                )
            else:
                self.expiry.pop((op.namespace, op.key), None)
            self.purge()
            return None
        if isinstance(op, GetOp):
            item = self.mem.batch([op])[0]
            if item is not None and op.refresh_ttl:
                self.refresh(op.namespace, op.key)
            return item
        if isinstance(op, SearchOp):
            full = self.mem.batch([op._replace(limit=10**9, offset=0)])[0]
            full.sort(key=lambda it: (it.namespace, it.key))
            page = full[op.offset : op.offset + op.limit]
            if op.refresh_ttl:
                for it in page:
                    self.refresh(it.namespace, it.key)
            return page
        return self.mem.batch([op])[0]


def _value(rng: random.Random) -> dict[str, Any]:
    v: dict[str, Any] = {"n": rng.randint(0, 5), "tag": rng.choice("ab")}
    if rng.random() < 0.5:
        v["nested"] = {"x": rng.random() < 0.5}
    if rng.random() < 0.2:
        v["text"] = rng.choice(["hello world", "ünïcode ✓", 'a"quote', ""])
    return v


def _ns(rng: random.Random, lo: int = 1, hi: int = 2) -> tuple[str, ...]:
    depth = rng.randint(lo, hi) if rng.random() < 0.9 else 3
    return tuple(
        rng.choice(LABELS[:3]) if rng.random() < 0.85 else rng.choice(LABELS) for _ in range(depth)
    )


def _key(rng: random.Random) -> str:
    return rng.choice(KEYS[:3]) if rng.random() < 0.8 else rng.choice(KEYS)


def _cond(rng: random.Random, kind: str) -> MatchCondition:
    path = tuple(rng.choice(LABELS[:4] + ["*"]) for _ in range(rng.randint(1, 2)))
    return MatchCondition(match_type=kind, path=path)  # type: ignore[arg-type]


def _op(rng: random.Random, recent: list[tuple[tuple[str, ...], str]] | None = None) -> Any:
    """A random op; gets and deletes mostly address recently written keys."""
    recent = recent if recent is not None else []

    def addr() -> tuple[tuple[str, ...], str]:
        if recent and rng.random() < 0.7:
            return rng.choice(recent[-8:])
        return _ns(rng), _key(rng)

    r = rng.random()
    if r < 0.35:
        ns, key = _ns(rng), _key(rng)
        recent.append((ns, key))
        return PutOp(ns, key, _value(rng), ttl=rng.choice(TTLS))
    if r < 0.45:
        return PutOp(*addr(), None)
    if r < 0.65:
        return GetOp(*addr(), refresh_ttl=rng.random() < 0.7)
    if r < 0.85:
        return SearchOp(
            _ns(rng, 0, 2),
            filter=rng.choice(FILTERS),
            limit=rng.choice([1, 2, 3, 10, 100]),
            offset=rng.choice([0, 0, 1, 2]),
            refresh_ttl=rng.random() < 0.7,
        )
    conds = []
    if rng.random() < 0.5:
        conds.append(_cond(rng, "prefix"))
    if rng.random() < 0.4:
        conds.append(_cond(rng, "suffix"))
    return ListNamespacesOp(
        match_conditions=tuple(conds),
        max_depth=rng.choice([None, None, 1, 2]),
        limit=rng.choice([1, 3, 100]),
        offset=rng.choice([0, 0, 1]),
    )


def _norm(result: Any) -> Any:
    if result is None:
        return None
    if isinstance(result, list):
        return [_norm(r) for r in result]
    if isinstance(result, tuple):
        return result
    return (result.namespace, result.key, result.value)


def _setup(env: Env, **kw: Any) -> tuple[AgentCoreMemoryStore, Reference, list[float]]:
    clock = [1_800_000_000.0]
    store = env.store(**kw)
    store._now = lambda: clock[0]
    return store, Reference(clock), clock


def _check(i: int, op: Any, got: Any, want: Any) -> None:
    assert _norm(got) == _norm(want), f"op #{i} {op!r}"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_sequences_sync(env: Env, seed: int) -> None:
    store, ref, clock = _setup(env)
    rng = random.Random(seed)
    recent: list[tuple[tuple[str, ...], str]] = []
    for i in range(160):
        clock[0] += rng.choice([0, 1, 5, 20, 45])
        op = _op(rng, recent)
        want = ref.run(op)
        got = store.batch([op])[0]
        _check(i, op, got, want)
    store.flush()


def test_random_sequences_include_extracted(env: Env) -> None:
    """Browsing AgentCore too changes nothing while it holds only the store's own records
    (mirrors of index items, stale and expired ones included: never listed twice)."""
    store, ref, clock = _setup(env, include_extracted=True)
    rng = random.Random(3)
    recent: list[tuple[tuple[str, ...], str]] = []
    for i in range(120):
        clock[0] += rng.choice([0, 1, 5, 20, 45])
        op = _op(rng, recent)
        want = ref.run(op)
        got = store.batch([op])[0]
        _check(i, op, got, want)
    assert "ListMemoryRecords" in env.ac.ops
    store.flush()


async def test_random_sequences_async(env: Env) -> None:
    store, ref, clock = _setup(env)
    rng = random.Random(7)
    recent: list[tuple[tuple[str, ...], str]] = []
    for i in range(120):
        clock[0] += rng.choice([0, 1, 5, 20, 45])
        op = _op(rng, recent)
        want = ref.run(op)
        got = (await store.abatch([op]))[0]
        _check(i, op, got, want)
    await store.aclose()


def test_multi_op_batches_read_before_write(env: Env) -> None:
    """Like InMemoryStore: reads in a batch see the state before its writes; last put wins."""
    store, ref, clock = _setup(env)
    rng = random.Random(11)
    recent: list[tuple[tuple[str, ...], str]] = []
    for i in range(40):
        clock[0] += 3
        ops = [_op(rng, recent) for _ in range(rng.randint(2, 5))]
        wants = []
        # Reference: reads first, then puts (deduplicated by key, last wins).
        for op in ops:
            if not isinstance(op, PutOp):
                wants.append(ref.run(op))
            else:
                wants.append(None)
        last: dict[Any, PutOp] = {}
        for op in ops:
            if isinstance(op, PutOp):
                last.pop((op.namespace, op.key), None)
                last[(op.namespace, op.key)] = op
        for op in last.values():
            ref.run(op)
        gots = store.batch(ops)
        for op, got, want in zip(ops, gots, wants, strict=True):
            _check(i, op, got, want)
