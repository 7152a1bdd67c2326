"""The Railway client's transport behaviour: auth headers, retries, and errors without secrets.

These use httpx's MockTransport to script Railway's answers precisely (429 with Retry-After,
a 5xx, a timeout); the provider's behaviour against a full Railway emulator is tested in
tests/providers/test_resources_emulator.py.
"""

from __future__ import annotations

import json

import httpx
import pytest

from railstack.providers.railway.client import AmbiguousWriteError, RailwayClient, RailwayError, RetryPolicy

FAST = RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.05, timeout=1.0)
TOKEN = "tok-0123456789-secret"


def scripted(*answers: httpx.Response | type[httpx.RequestError]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0)
        if isinstance(answer, type):
            raise answer("scripted", request=request)
        return answer

    return httpx.MockTransport(handler), seen


def ok(data: dict) -> httpx.Response:
    return httpx.Response(200, json={"data": data})


def client(transport: httpx.MockTransport, **kw) -> RailwayClient:
    return RailwayClient(TOKEN, api_url="http://railway.test/graphql/v2", retry=FAST, transport=transport, **kw)


def test_account_token_is_sent_as_bearer_with_source_parameter_and_named_operation() -> None:
    transport, seen = scripted(ok({"project": {"id": "p"}}))
    client(transport).execute("Project", {"id": "p"})
    request = seen[0]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.url.params["source"] == "railstack"
    assert json.loads(request.content)["operationName"] == "Project"


def test_project_token_is_sent_as_project_access_token() -> None:
    transport, seen = scripted(ok({"project": {"id": "p"}}))
    client(transport, token_kind="project").execute("Project", {"id": "p"})
    assert seen[0].headers["Project-Access-Token"] == TOKEN
    assert "Authorization" not in seen[0].headers


def test_429_is_retried_after_the_retry_after_delay() -> None:
    transport, seen = scripted(httpx.Response(429, headers={"Retry-After": "0"}), ok({"projectDelete": True}))
    assert client(transport).execute("ProjectDelete", {"id": "p"}) == {"projectDelete": True}
    assert len(seen) == 2


def test_reads_are_retried_on_server_errors_and_timeouts() -> None:
    transport, seen = scripted(httpx.Response(502), httpx.ReadTimeout, ok({"project": {"id": "p"}}))
    assert client(transport).execute("Project", {"id": "p"}) == {"project": {"id": "p"}}
    assert len(seen) == 3


@pytest.mark.parametrize("failure", [httpx.Response(500), httpx.ReadTimeout])
def test_a_write_whose_answer_is_lost_is_reported_as_ambiguous_not_retried(failure) -> None:
    transport, seen = scripted(failure, ok({"serviceCreate": {"id": "s"}}))
    with pytest.raises(AmbiguousWriteError, match="ServiceCreate"):
        client(transport).execute("ServiceCreate", {"input": {"projectId": "p", "name": "api"}})
    assert len(seen) == 1, "a write that may have happened must not be blindly repeated"


def test_giving_up_names_the_operation_and_the_attempts() -> None:
    transport, _ = scripted(*[httpx.Response(503)] * 4)
    with pytest.raises(RailwayError, match=r"Railway Project: server error \(HTTP 503\); gave up after 4 attempts"):
        client(transport).execute("Project", {"id": "p"})


def test_graphql_errors_carry_railways_message_without_token_or_variable_values() -> None:
    secret = "postgres://user:hunter2-very-secret@db:5432/app"
    body = {"errors": [{"message": f"Invalid value {secret} for token {TOKEN}"}], "data": None}
    transport, _ = scripted(httpx.Response(200, json=body))
    with pytest.raises(RailwayError) as caught:
        client(transport).execute(
            "VariableCollectionUpsert",
            {"input": {"projectId": "p", "environmentId": "e", "variables": {"DATABASE_URL": secret}}},
        )
    message = str(caught.value)
    assert message.startswith("Railway VariableCollectionUpsert: Invalid value")
    assert secret not in message and TOKEN not in message


def test_not_authorized_is_a_denial_not_proof_that_the_object_is_gone() -> None:
    # Railway answers it for a deleted object and for a token that may not see the object alike.
    transport, _ = scripted(httpx.Response(200, json={"errors": [{"message": "Not Authorized"}], "data": None}))
    with pytest.raises(RailwayError) as caught:
        client(transport).execute("Service", {"id": "gone"})
    assert caught.value.is_denied and not caught.value.is_gone


@pytest.mark.parametrize(
    "message",
    [
        "You are creating volumes too quickly. Please wait a moment and try again.",
        "Cannot redeploy yet, a deployment is already in progress",
        "operation is already in progress",
    ],
)
def test_graphql_level_throttles_are_retried_with_backoff(message: str) -> None:
    throttled = httpx.Response(200, json={"errors": [{"message": message}], "data": None})
    transport, seen = scripted(throttled, throttled, ok({"volumeDelete": True}))
    assert client(transport).execute("VolumeDelete", {"volumeId": "v"}) == {"volumeDelete": True}
    assert len(seen) == 3, "two throttled answers, then the write"


def test_a_create_answered_not_authorized_right_after_project_create_is_retried() -> None:
    denied = httpx.Response(200, json={"errors": [{"message": "Not Authorized"}], "data": None})
    transport, seen = scripted(
        denied, ok({"serviceCreate": {"id": "s", "name": "api", "icon": None, "projectId": "p"}})
    )
    assert (
        client(transport).execute("ServiceCreate", {"input": {"projectId": "p", "name": "api"}})["serviceCreate"]["id"]
        == "s"
    )
    assert len(seen) == 2


def test_a_retry_after_longer_than_the_cap_fails_at_once_saying_how_long_railway_asked_to_wait() -> None:
    transport, seen = scripted(httpx.Response(429, headers={"Retry-After": "900"}, json={"errors": [{"message": "x"}]}))
    capped = RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.05, timeout=1.0, max_retry_wait=60)
    with pytest.raises(RailwayError) as caught:
        RailwayClient(TOKEN, api_url="http://railway.test/graphql/v2", retry=capped, transport=transport).execute(
            "Service", {"id": "s"}
        )
    assert "wait 900 s" in str(caught.value) and "railway:maxRetryWaitSeconds = 60 s" in str(caught.value)
    assert len(seen) == 1, "nothing is sent again before Railway's window opens"


def test_a_retry_after_within_the_cap_is_waited_out_in_full() -> None:
    import time

    transport, seen = scripted(
        httpx.Response(429, headers={"Retry-After": "1"}, json={"errors": [{"message": "x"}]}), ok({"service": None})
    )
    started = time.monotonic()
    client(transport).execute("Service", {"id": "s"})
    assert time.monotonic() - started >= 0.95, "the client's own max_delay must not shorten Railway's Retry-After"
    assert len(seen) == 2


def test_a_missing_token_explains_where_to_set_one() -> None:
    with pytest.raises(RailwayError, match="railway:token.*RAILWAY_API_TOKEN"):
        RailwayClient("")
