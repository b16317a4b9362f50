"""The twin's ``namespace_path_semantics`` switch: subtree (default) or plain string prefix.

AWS documents ``namespacePath`` as "namespaces that start with the provided path", so a
client must not rely on ``/users/u1`` excluding ``/users/u12``. The switch lets tests
reproduce that reading, in-process and over HTTP.
"""

from __future__ import annotations

import pytest

from langgraph_agentcore.twin import MemoryTwin
from tests.twin.support import Env, unique
from tests.twin.test_records import _create, _list, _record


def _texts(records: list[dict]) -> set[str]:
    return {r["content"]["text"] for r in records}


def _retrieve(env: Env, path: str) -> set[str]:
    out = env.data.retrieve_memory_records(
        memoryId=env.memory_id,
        namespacePath=path,
        searchCriteria={"searchQuery": "fact", "topK": 50},
        maxResults=50,
    )
    return _texts(out["memoryRecordSummaries"])


def test_string_prefix_semantics_leaks_sibling_namespaces(env: Env) -> None:
    twin = env.require_twin()
    root = f"/tests/{unique('ns')}"
    _create(
        env,
        _record(f"{root}/u1", "u1 fact"),
        _record(f"{root}/u1/facts", "u1 deep fact"),
        _record(f"{root}/u12/facts", "u12 fact"),
    )
    mine = {"u1 fact", "u1 deep fact"}
    assert twin.namespace_path_semantics == "subtree"
    assert _texts(_list(env, namespacePath=f"{root}/u1")) == mine
    assert _retrieve(env, f"{root}/u1") == mine

    twin.namespace_path_semantics = "string-prefix"  # the same backend serves HTTP
    assert _texts(_list(env, namespacePath=f"{root}/u1")) == mine | {"u12 fact"}
    assert _retrieve(env, f"{root}/u1") == mine | {"u12 fact"}
    # Exact ``namespace`` is unaffected; a trailing ``/`` now excludes the node itself.
    assert _texts(_list(env, namespace=f"{root}/u1")) == {"u1 fact"}
    assert _texts(_list(env, namespacePath=f"{root}/u1/")) == {"u1 deep fact"}


def test_switch_is_a_constructor_option_and_validated() -> None:
    with MemoryTwin(extraction_delay=None, namespace_path_semantics="string-prefix") as twin:
        assert twin.backend.namespace_path_semantics == "string-prefix"
        with pytest.raises(ValueError, match="namespace_path_semantics"):
            twin.namespace_path_semantics = "prefix"
    with pytest.raises(ValueError, match="namespace_path_semantics"):
        MemoryTwin(extraction_delay=None, namespace_path_semantics="glob")
