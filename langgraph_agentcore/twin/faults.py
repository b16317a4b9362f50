"""Fault injection for the AgentCore Memory twin.

Tests of retry and error handling need the failures AWS produces under load: throttles
(429), quota errors (402), retryable conflicts (409 on CreateEvent), internal errors
(500) and latency. Rules match by operation name and fire a fixed number of times or
with a seeded probability, so failures are reproducible.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from langgraph_agentcore.twin.errors import ModelledError, TwinError

logger = logging.getLogger(__name__)

#: Error codes the twin can inject, with the message AWS uses for each.
INJECTABLE = {
    "ThrottledException": "Rate exceeded",
    "ServiceQuotaExceededException": "Service quota exceeded",
    "RetryableConflictException": "Conflicting concurrent request, please retry",
    "ServiceException": "Internal service error",
    "AccessDeniedException": "Access denied",
    "ConflictException": "Conflicting request",
}


@dataclass
class FaultRule:
    """One rule: fail (or delay) matching operations ``count`` times or with ``probability``."""

    error: str | None
    operations: frozenset[str] | None
    count: int | None
    probability: float | None
    latency: float = 0.0
    fired: int = 0

    def matches(self, operation: str) -> bool:
        return self.operations is None or operation in self.operations

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count


class FaultInjector:
    """Holds fault rules; ``check(operation)`` sleeps and/or raises as the rules say."""

    def __init__(self, seed: int | None = 0) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def inject(
        self,
        error: str = "ThrottledException",
        *,
        operations: str | Iterable[str] | None = None,
        count: int | None = 1,
        probability: float | None = None,
        latency: float = 0.0,
    ) -> FaultRule:
        """Make matching operations fail with ``error`` (``count`` times, or by probability).

        ``operations`` is an operation name (``"CreateEvent"``) or several; None = all.
        With ``probability`` set, ``count`` caps how many times it may fire (None = no cap).
        """
        if error not in INJECTABLE:
            raise ValueError(f"cannot inject {error!r}; choose from {sorted(INJECTABLE)}")
        return self._add(FaultRule(error, _ops(operations), count, probability, latency))

    def add_latency(
        self, seconds: float, *, operations: str | Iterable[str] | None = None
    ) -> FaultRule:
        """Delay matching operations by ``seconds`` (no error), until cleared."""
        return self._add(FaultRule(None, _ops(operations), None, None, seconds))

    def seed(self, seed: int) -> None:
        """Re-seed the random source that probability rules draw from."""
        with self._lock:
            self._random.seed(seed)

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        """A snapshot of the active rules."""
        with self._lock:
            return list(self._rules)

    def _add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def check(self, operation: str) -> None:
        """Apply the rules to one call of ``operation``: sleep, then raise if one fires."""
        delay = 0.0
        failure: TwinError | None = None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(operation) or rule.exhausted:
                    continue
                if rule.probability is not None and self._random.random() >= rule.probability:
                    continue
                if rule.error is None:
                    delay += rule.latency
                    continue
                if failure is None:
                    rule.fired += 1
                    delay += rule.latency
                    failure = ModelledError(rule.error, INJECTABLE[rule.error])
            self._rules = [r for r in self._rules if not r.exhausted]
        if delay:
            time.sleep(delay)
        if failure is not None:
            logger.debug("injecting %s into %s", failure.code, operation)
            raise failure


def _ops(operations: str | Iterable[str] | None) -> frozenset[str] | None:
    if operations is None:
        return None
    if isinstance(operations, str):
        return frozenset({operations})
    return frozenset(operations)
