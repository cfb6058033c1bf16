"""A signed-in browser session over plain HTTP (standard library only), for the benchmark,
and the failure-recovery tests that talk to a real server (gunicorn) rather than the test client."""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]
    elapsed_ms: float


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class HttpSession:
    """Cookies kept between requests; redirects are not followed (the caller sees the 302)."""

    def __init__(self, base_url: str, *, timeout: float = 60):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def request(self, path: str, *, data: dict | None = None, headers: dict | None = None) -> Response:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers or {})
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=self.timeout) as reply:
                content = reply.read()
                status, reply_headers = reply.status, dict(reply.headers)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            content = error.read()
            status, reply_headers = error.code, dict(error.headers)
        return Response(status, content, reply_headers, (time.perf_counter() - started) * 1000)

    def get(self, path: str) -> Response:
        return self.request(path)

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        found = CSRF_FIELD.search(page.body)
        if not found:
            raise AssertionError(f"No CSRF token on {path} (status {page.status})")
        return found.group(1).decode()

    def post(self, path: str, data: dict, *, form_path: str | None = None) -> Response:
        token = self.csrf_token(form_path or path)
        return self.request(
            path, data={"csrfmiddlewaretoken": token, **data}, headers={"Referer": self.base_url + (form_path or path)}
        )

    def login(self, username: str, password: str) -> None:
        reply = self.post("/accounts/login/", {"username": username, "password": password})
        if reply.status != 302:
            raise AssertionError(f"Sign-in as {username} failed: status {reply.status}")
