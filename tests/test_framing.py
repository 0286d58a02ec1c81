"""The stdio framing (mcpclient/transports/_framing.py): line splitting with a size limit, and the
cheap envelope scan that ties an unreadable line to its request."""

from __future__ import annotations

import json
import logging

from hypothesis import given, settings
from hypothesis import strategies as st

from mcpclient.transports._framing import LineBuffer, Oversized, parse_line, scan_envelope
from mcpclient.transports._local import LocalErrorData

LOG = logging.getLogger("test_framing")


def split(data: bytes, size: int, limit: int | None) -> list[bytes | tuple[int, bytes]]:
    buffer = LineBuffer(limit)
    out: list[bytes | tuple[int, bytes]] = []
    for i in range(0, len(data), size):
        for line in buffer.feed(data[i : i + size]):
            out.append((line.size, line.head) if isinstance(line, Oversized) else bytes(line))
    return out


def test_limit_cuts_long_lines_and_keeps_the_rest() -> None:
    big = b"y" * 300_000
    data = b"a\n" + big + b"\n" + b"b" * 70_000 + b"\nc\n"
    for size in (1000, 4096, 65536, len(data)):
        lines = split(data, size, limit=100_000)
        assert lines[0] == b"a"
        assert isinstance(lines[1], tuple) and lines[1][0] > 100_000 and lines[1][1].startswith(b"yyyyy")
        assert lines[2:] == [b"b" * 70_000, b"c"], size


def test_big_line_handed_over_without_copy_stays_correct() -> None:
    big = b"z" * 200_000
    data = big + b"\n" + b"tail-1\n" + b"partial"
    buffer = LineBuffer(None)
    lines = [bytes(x) for x in buffer.feed(data) if not isinstance(x, Oversized)]
    assert lines == [big, b"tail-1"]
    assert bytes(buffer.rest()) == b"partial"


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.binary(max_size=300).map(lambda b: b.replace(b"\n", b"")), max_size=12),
    size=st.integers(1, 600),
    limit=st.integers(1, 400),
)
def test_any_chunking_with_a_limit(lines: list[bytes], size: int, limit: int) -> None:
    data = b"".join(line + b"\n" for line in lines)
    got = split(data, size, limit)
    assert len(got) == len(lines)
    for line, item in zip(lines, got, strict=True):
        if len(line) <= limit:
            assert item == line
        else:  # an oversized line: its start (enough to find an id) and a size over the limit
            assert isinstance(item, tuple) and item[0] > limit and line.startswith(item[1]) and item[1]


def test_scan_finds_the_top_level_id_not_a_nested_one() -> None:
    assert scan_envelope(b'{"result": {"id": 99, "x": [1]}, "jsonrpc": "2.0", "id": 7}').id == 7
    assert scan_envelope(b'{"jsonrpc": "2.0", "id": "a\\"b", "result": {"text": "\xff"}}').id == 'a"b'
    assert scan_envelope(b'{"jsonrpc":"2.0","id":5,"result":{' + b"[" * 5000).id == 5
    envelope = scan_envelope(b'{"jsonrpc":"2.0","id":3,"method":"sampling/createMessage","params":{')
    assert envelope.id == 3 and envelope.has_method
    assert scan_envelope(b'{"result": {"id": 1}}').id is None
    assert scan_envelope(b'{"id": true, "result": {}}').id is None
    # An id after a large result is found at the end.
    assert scan_envelope(b'{"result": {"t": "' + b"x" * 200_000 + b'"}, "id": 12}').id == 12


@given(rid=st.one_of(st.integers(-(2**53), 2**53), st.text(max_size=40)), junk=st.binary(max_size=50))
def test_unreadable_reply_becomes_an_error_for_its_id(rid: int | str, junk: bytes) -> None:
    line = bytearray(b'{"jsonrpc": "2.0", "id": ' + json.dumps(rid).encode() + b', "result": {"x": "\xff' + junk)
    item = parse_line(line, None, LOG)
    message = getattr(item, "message", None)
    assert message is not None and message.id == rid
    assert isinstance(message.error.data, LocalErrorData)
