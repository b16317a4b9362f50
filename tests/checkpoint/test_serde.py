"""Serialization goes only through ``self.serde``: encryption works, pickle is off."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer

from tests.checkpoint.helpers import cfg, checkpoint, scan


@pytest.fixture
def transport() -> str:
    return "inprocess"


def test_encrypted_serializer_round_trips_and_nothing_is_stored_in_clear(make_saver: Any) -> None:
    serde = EncryptedSerializer.from_pycryptodome_aes(key=b"0123456789abcdef0123456789abcdef")
    saver = make_saver(serde=serde)
    secret = "the launch code is 0000-SECRET"
    conf = saver.put(cfg("t"), checkpoint({"note": secret}), {"source": "input"}, {})
    saver.put_writes(conf, [("note", secret)], "task")
    tup = saver.get_tuple(cfg("t"))
    assert tup is not None
    assert tup.checkpoint["channel_values"] == {"note": secret}
    assert tup.pending_writes == [("task", "note", secret)]
    assert tup.metadata["source"] == "input"
    raw = repr(scan(saver.io.client, saver.table_name))
    assert "SECRET" not in raw and "launch" not in raw
    plain = make_saver()
    with pytest.raises(Exception):  # noqa: B017 - without the key the payload is unreadable
        plain.get_tuple(cfg("t"))


def test_default_serializer_never_pickles(make_saver: Any) -> None:
    saver = make_saver()
    assert getattr(saver.serde, "pickle_fallback", False) is False

    class Opaque:
        pass

    with pytest.raises(Exception):  # noqa: B017 - unserializable without pickle
        saver.put(cfg("t"), checkpoint({"x": Opaque()}), {}, {})
    assert scan(saver.io.client, saver.table_name) == []


def test_with_allowlist_keeps_the_table(make_saver: Any) -> None:
    saver = make_saver()
    clone = saver.with_allowlist([("tests", "Thing")])
    saver.put(cfg("t"), checkpoint({"v": 1}), {}, {})
    assert clone.get_tuple(cfg("t")) is not None
