"""`WholeBody` and `BodyLimit` (config/security/bodylimit.py): a body read to its Content-Length,
and an OSError where it ends before (tests/deploy/test_body_limit.py, on gunicorn)."""

import io

import pytest

from config.security.bodylimit import BodyCutShort, WholeBody

BODY = b"first line\nsecond line\nlast"


def whole(sent: bytes, length: int = len(BODY)) -> WholeBody:
    return WholeBody(io.BytesIO(sent), length)


def test_a_whole_body_reads_as_it_was_sent_and_no_further():
    assert whole(BODY + b"next request").read() == BODY
    pieces = whole(BODY)
    assert [pieces.read(10), pieces.read(100), pieces.read(1)] == [BODY[:10], BODY[10:], b""]
    lines = whole(BODY)
    assert [lines.readline(), lines.readline(5), lines.readline(), lines.readline()] == [
        b"first line\n",
        b"secon",
        b"d line\n",
        b"last",
    ]
    assert lines.readline() == b""
    assert whole(b"", 0).read() == b""


def test_a_stream_that_gives_fewer_bytes_a_read_is_read_again():
    """A server may hand on a body in pieces: only an empty read is its end."""

    class Trickle(io.BytesIO):
        def read(self, size=-1):
            return super().read(min(size, 3))

    assert WholeBody(Trickle(BODY), len(BODY)).read() == BODY


@pytest.mark.parametrize("read", [lambda body: body.read(), lambda body: body.read(1000)])
def test_a_body_that_ends_before_its_length_raises(read):
    with pytest.raises(BodyCutShort, match=f"after 10 of the {len(BODY)} bytes"):
        read(whole(BODY[:10]))


def test_a_body_of_one_byte_that_ends_before_it_says_so_in_the_singular():
    with pytest.raises(BodyCutShort, match="after 0 of the 1 byte its Content-Length"):
        whole(b"", 1).read()


def test_a_line_that_ends_before_its_length_raises():
    body = whole(BODY[:15])
    assert body.readline() == b"first line\n"
    with pytest.raises(BodyCutShort):
        body.readline()
    assert issubclass(BodyCutShort, OSError)  # what Django reads as UnreadablePostError


@pytest.mark.parametrize("chunked", [False, True], ids=["Content-Length", "chunked"])
def test_a_body_of_exactly_the_limit_is_handed_on_and_one_byte_more_is_not(settings, chunked):
    """The bound itself: the tests on gunicorn send the limit and one byte more."""
    from config.security.bodylimit import BodyLimit

    settings.REQUEST_BODY_MAX_BYTES = 1000
    handed_on = []

    def application(environ, start_response):
        handed_on.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b""]

    def send(size: int) -> str:
        environ = {"REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(b"a" * size)}
        if chunked:
            environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        else:
            environ["CONTENT_LENGTH"] = str(size)
        statuses = []
        BodyLimit(application)(environ, lambda status, headers, *exc: statuses.append(status))
        return statuses[0]

    assert send(1000) == "200 OK"
    assert handed_on == [b"a" * 1000]
    assert send(1001).startswith("413")
    assert len(handed_on) == 1
