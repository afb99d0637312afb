"""The HTTP/1.1 reply parser: however the network cuts a reply, the same reply comes out."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from embedcheck.conformance.http.http11 import Reply

BODY = b'{"shape": [1, 2], "data": [[0.5, 0.25]]}'
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: " + b"r" * 300
REPLIES = {
    "content-length": HEAD + f"\r\nContent-Length: {len(BODY)}\r\n\r\n".encode() + BODY,
    "chunked": HEAD
    + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in (BODY[:7], BODY[7:]))
    + b"0\r\n\r\n",
    "after 100 Continue": b"HTTP/1.1 100 Continue\r\nX-Early: 1\r\n\r\n"
    + HEAD
    + f"\r\nContent-Length: {len(BODY)}\r\n\r\n".encode()
    + BODY,
}


def parse(pieces: list[bytes]) -> Reply:
    reply = Reply()
    for piece in pieces:
        reply.parser.feed_data(piece)
    return reply


@given(st.sampled_from(sorted(REPLIES)), st.lists(st.integers(0, 2000), max_size=40))
def test_a_reply_cut_anywhere_parses_as_the_whole(kind: str, cuts: list[int]) -> None:
    data = REPLIES[kind]
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    reply = parse([data[a:b] for a, b in itertools.pairwise(bounds)])
    assert reply.done and reply.keep_alive
    assert reply.parser.get_status_code() == 200
    assert b"".join(reply.body) == BODY
    assert reply.headers[:2] == [("content-type", "application/json"), ("x-request-id", "r" * 300)]
