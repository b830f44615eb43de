"""Sign-in sessions over HTTP: the cookie, CSRF on unsafe methods, sign-out, first-start setup."""

from __future__ import annotations

import secrets

import httpx
import pytest
from tests.auth.api_fixtures import Iam

from hushflow.api.security import SESSION_COOKIE
from hushflow.auth.records import SubjectType

pytestmark = pytest.mark.anyio


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"message", "status", "details"} and body["status"] == status
    return str(body["message"])


def _user(iam: Iam, name: str, role: str | None = "admin") -> str:
    password = "pw-" + secrets.token_hex(12)
    iam.auth.create_user(name, password)
    if role:
        iam.auth.bind(SubjectType.USER, name, role, None)
    return password


async def test_sign_in_sets_a_safe_cookie_and_csrf_guards_unsafe_requests(iam_any_db: Iam) -> None:
    iam = iam_any_db
    password = _user(iam, "sam")
    async with iam.client() as browser:
        signed = await browser.post("/login", json={"username": "sam", "password": password})
        assert signed.status_code == 200, signed.text
        cookie = signed.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie
        assert "samesite=lax" in cookie.lower() and "Path=/" in cookie
        assert password not in signed.text
        session_id = browser.cookies[SESSION_COOKIE]
        assert session_id not in signed.text  # the id is in the cookie only
        csrf = signed.json()["csrfToken"]
        assert signed.json()["user"]["username"] == "sam"

        assert (await browser.get("/me")).json()["name"] == "sam"  # safe: no CSRF needed
        assert (await browser.get("/users")).status_code == 200
        refused = await browser.post("/service-accounts", json={"name": "bot"})
        assert "CSRF" in error(refused, 403)
        wrong = await browser.post(
            "/service-accounts", json={"name": "bot"}, headers={"X-CSRF-Token": csrf[:-2] + "xx"}
        )
        error(wrong, 403)
        ok = await browser.post(
            "/service-accounts", json={"name": "bot"}, headers={"X-CSRF-Token": csrf}
        )
        assert ok.status_code == 200, ok.text
        again = await browser.get("/session")
        assert again.json()["csrfToken"] == csrf

        error(await browser.post("/logout"), 403)  # sign-out is unsafe too
        assert (await browser.post("/logout", headers={"X-CSRF-Token": csrf})).status_code == 204
    async with iam.client() as replay:
        replay.cookies.set(SESSION_COOKIE, session_id)
        assert "expired" in error(await replay.get("/me"), 401)


async def test_a_bearer_token_needs_no_csrf_even_beside_a_cookie(iam: Iam) -> None:
    password = _user(iam, "tess")
    token = iam.auth.create_token(SubjectType.USER, "tess", "cli").value
    async with iam.client(token) as client:
        signed = await client.post("/login", json={"username": "tess", "password": password})
        assert signed.status_code == 200
        made = await client.post("/service-accounts", json={"name": "bot"})
        assert made.status_code == 200, made.text


async def test_sign_in_failures_say_the_same_thing(iam: Iam) -> None:
    password = _user(iam, "uma")
    iam.auth.create_user("nopass")
    async with iam.client() as browser:
        wrong = error(
            await browser.post("/login", json={"username": "uma", "password": password + "x"}), 401
        )
        unknown = error(
            await browser.post("/login", json={"username": "zed", "password": password}), 401
        )
        nopass = error(
            await browser.post("/login", json={"username": "nopass", "password": password}), 401
        )
        assert wrong == unknown == nopass == "wrong username or password"
        missing = await browser.post("/login", json={"username": "uma"})
        assert "username" in error(missing, 422)
        garbage = await browser.post(
            "/login", content=b"{", headers={"Content-Type": "application/json"}
        )
        error(garbage, 422)
        assert SESSION_COOKIE not in browser.cookies
        iam.auth.set_disabled("uma")
        error(await browser.post("/login", json={"username": "uma", "password": password}), 401)
        error(await browser.get("/session"), 401)


async def test_sign_in_with_a_form(iam: Iam) -> None:
    password = _user(iam, "vic", None)
    async with iam.client() as browser:
        signed = await browser.post("/login", data={"username": "vic", "password": password})
        assert signed.status_code == 200, signed.text
        assert (await browser.get("/me")).json()["name"] == "vic"
        error(await browser.get("/users"), 403)  # signed in, but no role


async def test_disabling_a_user_ends_the_session(iam: Iam) -> None:
    password = _user(iam, "wes")
    async with iam.client() as browser:
        await browser.post("/login", json={"username": "wes", "password": password})
        iam.auth.set_disabled("wes")
        error(await browser.get("/me"), 401)


async def test_first_start_setup(iam: Iam) -> None:
    # a fresh instance: the fixture's root user is removed to start from none
    root = iam.auth.directory.users()[0]
    iam.auth.delete_user(root.id)
    result = iam.auth.bootstrap({})
    assert result.setup_token is not None
    password = "pw-" + secrets.token_hex(12)
    async with iam.client() as browser:
        bad = await browser.post("/setup", json={"setupToken": "hf_wrong", "password": password})
        error(bad, 401)
        weak = await browser.post(
            "/setup", json={"setupToken": result.setup_token, "password": "x"}
        )
        error(weak, 422)
        done = await browser.post(
            "/setup", json={"setupToken": result.setup_token, "password": password}
        )
        assert done.status_code == 200 and done.json()["username"] == "admin"
        assert result.setup_token not in done.text and password not in done.text
        again = await browser.post(
            "/setup", json={"setupToken": result.setup_token, "password": password}
        )
        error(again, 401)
        signed = await browser.post("/login", json={"username": "admin", "password": password})
        assert signed.status_code == 200
        assert (await browser.get("/users")).json()["total"] == 1
