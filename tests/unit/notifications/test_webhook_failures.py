"""What a failed webhook attempt records: a plain sentence per kind of failure, found in the
chain requests and urllib3 build (the exceptions here are built as they build them), and
never an HTTP library's text."""
from __future__ import annotations

import socket
import ssl

import pytest
import requests
from requests_hardened.ip_filter import InvalidIPAddress
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError, ReadTimeoutError

from services.notifications.adapters.webhook_http import failure_sentence, status_sentence
from services.notifications.domain.webhook import UNREADABLE_FAILURE, readable

URL = "https://hooks.example.com/portal"


def wrapped(reason: Exception, kind=requests.exceptions.ConnectionError) -> Exception:
    """requests' error around urllib3's MaxRetryError around `reason`, as a failed post raises it."""
    try:
        try:
            raise reason
        except Exception as inner:
            raise MaxRetryError(None, "/portal", reason=inner) from inner
    except MaxRetryError as exc:
        return kind(exc)


def raised_from(outer: Exception, cause: Exception) -> Exception:
    try:
        try:
            raise cause
        except Exception as inner:
            raise outer from inner
    except Exception as exc:  # noqa: BLE001
        return exc


@pytest.mark.parametrize("exc, sentence", [
    (wrapped(NameResolutionError("hooks.example.com", None, socket.gaierror(-2, "Name or service not known"))),
     "Could not find the host hooks.example.com."),
    (raised_from(requests.ConnectionError("Failed to resolve domain"), socket.gaierror(-3, "Temporary failure")),
     "Could not find the host hooks.example.com."),
    (wrapped(ReadTimeoutError(None, "/portal", "Read timed out."), requests.exceptions.ReadTimeout),
     "The endpoint did not answer within 10 s."),
    (requests.exceptions.ConnectTimeout("Failed to connect to host"), "The endpoint did not answer within 10 s."),
    (wrapped(ssl.SSLCertVerificationError(1, "certificate verify failed"), requests.exceptions.SSLError),
     "The TLS certificate of hooks.example.com is not valid."),
    (wrapped(raised_from(NewConnectionError(None, "Failed to establish a new connection"),
                         ConnectionRefusedError(111, "Connection refused"))),
     "hooks.example.com refused the connection."),
    (InvalidIPAddress("10.0.0.7"), "Refused: hooks.example.com does not lead to a public address."),
    (requests.exceptions.ChunkedEncodingError("broken"), "The request could not be sent."),
])
def test_each_kind_of_failure_reads_as_a_sentence(exc, sentence):
    said = failure_sentence(exc, URL, 10.0)
    assert said == sentence
    assert "Pool" not in said and "Error" not in said and "10.0.0.7" not in said


def test_an_answer_outside_2xx_says_the_status():
    assert status_sentence(500) == "The endpoint answered 500."
    assert status_sentence(404) == "The endpoint answered 404."
    assert status_sentence(301) == "The endpoint answered 301, a redirect (redirects are not followed)."


def test_library_text_kept_from_before_is_replaced_and_sentences_are_kept():
    raw = str(wrapped(NameResolutionError("hooks.example.com", None, socket.gaierror(-2, "unknown"))))
    assert readable(raw, UNREADABLE_FAILURE) == UNREADABLE_FAILURE
    assert readable("Could not find the host hooks.example.com.", UNREADABLE_FAILURE) == \
        "Could not find the host hooks.example.com."
    assert readable(None, UNREADABLE_FAILURE) is None
