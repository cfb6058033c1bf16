"""The Content-Security-Policy header, and sign-in throttling against password guessing.

Content-Security-Policy: Django 5.2 has no built-in support, and the policy here is one fixed
header (no nonces: the templates have no inline scripts or styles at all), so a few lines of
middleware are simpler to audit than a package. The policy is ``settings.CONTENT_SECURITY_POLICY``
(directive -> sources); a view may set its own header, which is then left alone. The other
headers come from Django's ``SecurityMiddleware`` (nosniff, Referrer-Policy,
Cross-Origin-Opener-Policy) and ``XFrameOptionsMiddleware`` (X-Frame-Options: DENY).

Throttling: failed sign-ins are counted in Django's cache, per username (whether or not the
account exists, so the answer reveals nothing) and per client address. Once either reaches its
limit, every sign-in for that username or from that address is refused, with the same message,
until ``LOGIN_LOCKOUT_SECONDS`` have passed; a successful sign-in clears the username's count.
Both the service's sign-in page and the admin's use the forms below.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError

# ---------------------------------------------------------------------------------------------
# Content-Security-Policy


def content_security_policy() -> str:
    return "; ".join(
        f"{directive} {' '.join(sources)}".strip()
        for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.header)
        return response


# ---------------------------------------------------------------------------------------------
# Sign-in throttling


def _lockout_minutes() -> int:
    return max(1, round(settings.LOGIN_LOCKOUT_SECONDS / 60))


def locked_out_message() -> str:
    minutes = _lockout_minutes()
    return (
        "There have been too many attempts to sign in. "
        f"Wait {minutes} minute{'s' if minutes != 1 else ''} and try again, or reset your password."
    )


def client_address(request) -> str:
    """The client's IP address. Behind a reverse proxy (LOGIN_CLIENT_IP_FROM_X_FORWARDED_FOR),
    the last address in X-Forwarded-For, the one the proxy itself added."""
    if request is None:
        return ""
    if settings.LOGIN_CLIENT_IP_FROM_X_FORWARDED_FOR:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


def _keys(kind: str, value: str) -> tuple[str, str]:
    digest = hashlib.sha256(value.encode()).hexdigest()
    return f"login-failures:{kind}:{digest}", f"login-locked:{kind}:{digest}"


def _subjects(request, username: str) -> list[tuple[str, str, int]]:
    subjects = [("username", username.strip().casefold(), settings.LOGIN_FAILURE_LIMIT)]
    address = client_address(request)
    if address:
        subjects.append(("address", address, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS))
    return subjects


def is_locked_out(request, username: str) -> bool:
    lock_keys = [_keys(kind, value)[1] for kind, value, _ in _subjects(request, username)]
    return any(cache.get_many(lock_keys).values())


def record_failure(request, username: str) -> None:
    """Count a failed sign-in; lock the username or address once it reaches its limit."""
    seconds = settings.LOGIN_LOCKOUT_SECONDS
    for kind, value, limit in _subjects(request, username):
        count_key, lock_key = _keys(kind, value)
        cache.add(count_key, 0, timeout=seconds)
        try:
            count = cache.incr(count_key)
        except ValueError:  # expired between add and incr
            cache.set(count_key, 1, timeout=seconds)
            count = 1
        if count >= limit:
            cache.set(lock_key, True, timeout=seconds)
            cache.delete(count_key)


def clear_failures(username: str) -> None:
    cache.delete_many(_keys("username", username.strip().casefold()))


class ThrottledAuthenticationMixin:
    """For AuthenticationForm subclasses: refuse while locked out, count failures."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password")
        if username and is_locked_out(self.request, username):
            raise ValidationError(locked_out_message(), code="locked_out")
        try:
            cleaned = super().clean()
        except ValidationError:
            if username and password:
                record_failure(self.request, username)
            raise
        clear_failures(username)
        return cleaned


class ThrottledAuthenticationForm(ThrottledAuthenticationMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationMixin, AdminAuthenticationForm):
    pass
