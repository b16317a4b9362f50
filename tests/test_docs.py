"""Every Python code block in README.md and docs/*.md runs as written.

Each block runs on its own, in a fresh namespace, against the embedded local stack
(DynamoDB and the AgentCore Memory twin on loopback), with the environment a user gets
from ``langgraph-agentcore local --create-memory dev`` (endpoints, dummy credentials,
region, ``AGENTCORE_MEMORY_ID``). A block may use top-level ``await``. A block that cannot
run offline says so in an HTML comment right above it: ``<!-- docs-test: skip (why) -->``.
"""

from __future__ import annotations

import ast
import asyncio
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^([ \t]*)```python[ \t]*\n(.*?)^\1```[ \t]*$", re.S | re.M)
SKIP = re.compile(r"<!--\s*docs-test:\s*skip\s*\((.+?)\)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    code: str
    skip: str | None

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks() -> Iterator[Block]:
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            skip = SKIP.search(before)
            line = text.count("\n", 0, match.start()) + 1
            code = textwrap.dedent(match.group(2))
            yield Block(path, line, code, skip.group(1) if skip else None)


ALL = list(blocks())


@pytest.fixture(scope="module")
def local_env() -> Iterator[dict[str, str]]:
    from langgraph_agentcore.local import LocalStack

    with LocalStack(extraction_delay=0.05) as stack:
        stack.create_memory("docs")
        yield stack.env()


def test_the_docs_have_code_blocks() -> None:
    assert len(ALL) >= 5
    assert all(b.skip is None or b.skip.strip() for b in ALL)


@pytest.mark.parametrize("block", ALL, ids=[b.id for b in ALL])
def test_code_block_runs_as_written(
    block: Block, local_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if block.skip:
        pytest.skip(block.skip)
    for name, value in local_env.items():
        monkeypatch.setenv(name, value)
    code = compile(
        block.code, block.id, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    namespace: dict[str, object] = {"__name__": "__docs__"}
    result = eval(code, namespace)  # noqa: S307 - our own documentation
    if asyncio.iscoroutine(result):
        asyncio.run(result)
