"""Signing in is rate limited: after a few wrong passwords a username (or a client address) is
locked out with a doubling back-off, answered 429 with Retry-After even for the right password;
a successful sign-in forgets the name's failures; old failures are forgotten; and only a few
password checks (argon2id, 64 MiB each) run at once, the rest answered 503 when none frees up."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from claimwatch.settings import Settings, load_settings
from claimwatch.web import create_app
from claimwatch.web.throttle import BackOff, LoginThrottle, PasswordChecks
from tests.web_helpers import PASSWORDS, add_people, csrf_of

BACKOFF = BackOff(per_user=5, per_address=20, first_lock_s=1, max_lock_s=300, forget_s=900)


class Clock:
    """A clock the test moves by hand (the throttle's only notion of time)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def attempt(client: TestClient, username: str, password: str) -> tuple[int, str | None]:
    page = client.get("/login")
    answer = client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "username": username, "password": password},
        follow_redirects=False,
    )
    return answer.status_code, answer.headers.get("retry-after")


@pytest.fixture
def people(session: Session) -> None:
    add_people(session)
    session.commit()


def app_with(**limits: object) -> FastAPI:
    return create_app(load_settings(**limits))


@pytest.fixture
def client(settings: Settings, people: None) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_the_lock_starts_after_the_allowed_failures_and_doubles() -> None:
    locks = [BACKOFF.lock_s(failures, 5) for failures in range(1, 16)]
    assert locks[:4] == [0, 0, 0, 0]
    assert locks[4:] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_a_locked_name_waits_and_a_success_forgets_its_failures() -> None:
    clock = Clock()
    throttle = LoginThrottle(BACKOFF, clock)
    for _ in range(4):
        throttle.failed("Ana", "10.0.0.1")
    assert throttle.retry_after("ana", "10.0.0.2") == 0
    throttle.failed("ana ", "10.0.0.1")  # the same name, however typed
    assert throttle.retry_after("ANA", "10.0.0.9") == 1
    clock.now += 1
    assert throttle.retry_after("ana", "10.0.0.9") == 0
    throttle.failed("ana", "10.0.0.1")
    assert throttle.retry_after("ana", "10.0.0.9") == 2
    clock.now += 2
    throttle.succeeded("ana")
    throttle.failed("ana", "10.0.0.1")
    assert throttle.retry_after("ana", "10.0.0.9") == 0  # counting starts again


def test_an_address_trying_many_names_is_locked_and_old_failures_are_forgotten() -> None:
    clock = Clock()
    throttle = LoginThrottle(BACKOFF, clock)
    for number in range(20):
        throttle.failed(f"guess{number}", "10.0.0.1")
    assert throttle.retry_after("rev1", "10.0.0.1") == 1  # any name, from that address
    assert throttle.retry_after("rev1", "10.0.0.2") == 0
    clock.now += 901
    assert throttle.retry_after("guess0", "10.0.0.1") == 0
    throttle.failed("guess0", "10.0.0.1")
    assert throttle.retry_after("guess0", "10.0.0.1") == 0  # the count began again


def test_forty_wrong_passwords_then_the_right_one_is_refused(client: TestClient) -> None:
    answers = [attempt(client, "rev1", "wrong-password") for _ in range(40)]
    assert [status for status, _ in answers[:5]] == [401] * 5
    assert {status for status, _ in answers[5:]} <= {401, 429}
    status, retry_after = attempt(client, "rev1", PASSWORDS["rev1"])
    assert status == 429 and retry_after is not None and int(retry_after) >= 1
    assert client.get("/queue", follow_redirects=False).status_code == 303  # not signed in
    page = client.get("/login")
    refused = client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "username": "rev1", "password": "x"},
    )
    assert "Too many failed sign-ins; try again in" in refused.text
    assert attempt(client, "rev2", PASSWORDS["rev2"])[0] == 303  # other names are not locked


def test_the_lock_ends_and_the_right_password_then_works(people: None) -> None:
    app = app_with(login_lock_s=0.2, login_lock_max_s=0.4)
    with TestClient(app) as client:
        for _ in range(5):
            assert attempt(client, "rev2", "wrong-password")[0] == 401
        assert attempt(client, "rev2", PASSWORDS["rev2"])[0] == 429
        time.sleep(0.25)
        assert attempt(client, "rev2", "wrong-password")[0] == 401
        assert attempt(client, "rev2", PASSWORDS["rev2"])[0] == 429  # locked 0.4 s now
        time.sleep(0.45)
        assert attempt(client, "rev2", PASSWORDS["rev2"])[0] == 303


def test_one_address_guessing_many_names_is_locked(people: None) -> None:
    with TestClient(app_with(login_failures_per_address=3)) as client:
        for name in ("nobody", "rev2", "ed"):
            assert attempt(client, name, "wrong-password")[0] == 401
        assert attempt(client, "rev1", PASSWORDS["rev1"])[0] == 429


def test_a_sign_in_waits_for_a_free_password_check_then_is_answered_503(
    people: None,
) -> None:
    app = app_with(password_checks_at_once=1, password_check_wait_s=0.2)
    checks: PasswordChecks = app.state.password_checks
    with TestClient(app) as client, checks.slot() as held:
        assert held
        started = time.monotonic()
        status, retry_after = attempt(client, "rev1", PASSWORDS["rev1"])
        assert status == 503 and retry_after == "1"
        assert time.monotonic() - started >= 0.2
    with TestClient(app) as client:
        assert attempt(client, "rev1", PASSWORDS["rev1"])[0] == 303


def test_no_more_password_checks_than_slots_run_at_once() -> None:
    checks = PasswordChecks(2, wait_s=5)
    running, peak = 0, 0
    lock = threading.Lock()

    def check() -> None:
        nonlocal running, peak
        with checks.slot() as free:
            assert free
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.02)
            with lock:
                running -= 1

    threads = [threading.Thread(target=check) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert peak == 2
