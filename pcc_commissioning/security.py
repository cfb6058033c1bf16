"""The Content-Security-Policy header, and sign-in throttling against password guessing.

Content-Security-Policy: Django 5.2 has no built-in support, and the policy here is one fixed
header (no nonces: the templates have no inline scripts or styles at all), so a few lines of
middleware are simpler to audit than a package. The policy is ``settings.CONTENT_SECURITY_POLICY``
(directive -> sources); a view may set its own header, which is then left alone. The other
headers come from Django's ``SecurityMiddleware`` (nosniff, Referrer-Policy,
Cross-Origin-Opener-Policy) and ``XFrameOptionsMiddleware`` (X-Frame-Options: DENY).

Throttling: failed sign-ins are counted in Django's default cache, which every process shares
(Redis, or a database table: see CACHES in settings.py), per username (whether or not the
account exists, so the answer reveals nothing) and per client address. Once either reaches its
limit, every sign-in for that username or from that address is refused, with the same message,
until ``LOGIN_LOCKOUT_SECONDS`` have passed; a successful sign-in clears the username's count.
Both the service's sign-in page and the admin's use the forms below. Password-reset requests
are counted the same way, per e-mail address and per client address; over the limit the page
answers as always and no e-mail goes.

Sessions end ``SESSION_COOKIE_AGE`` after sign-in, however busy: the sign-in time is kept in
the session, the session store never lets the expiry pass that deadline
(pcc_commissioning/sessions.py), and the middleware below signs out a session past it.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import time

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import ValidationError

from . import clock

# ---------------------------------------------------------------------------------------------
# Content-Security-Policy


def content_security_policy() -> str:
    return "; ".join(
        f"{directive} {' '.join(sources)}".strip() for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
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


def count_attempt(key: str, seconds: int) -> int:
    """One more attempt under ``key``; the number of attempts in the window of ``seconds``
    that began with the first of them."""
    now = time.time()
    window_ends = cache.get_or_set(f"{key}:window-ends", now + seconds, timeout=seconds)
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    # The database cache's incr stores the entry again with the default timeout (five
    # minutes), so the window's end is put back: the count lasts the window, no longer or less.
    cache.touch(key, max(1, math.ceil(window_ends - now)))
    return count


def record_failure(request, username: str) -> None:
    """Count a failed sign-in; lock the username or address once it reaches its limit."""
    seconds = settings.LOGIN_LOCKOUT_SECONDS
    for kind, value, limit in _subjects(request, username):
        count_key, lock_key = _keys(kind, value)
        count = count_attempt(count_key, seconds)
        if count >= limit:
            cache.set(lock_key, True, timeout=seconds)
            cache.delete_many([count_key, f"{count_key}:window-ends"])


def clear_failures(username: str) -> None:
    count_key, lock_key = _keys("username", username.strip().casefold())
    cache.delete_many([count_key, f"{count_key}:window-ends", lock_key])


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


# ---------------------------------------------------------------------------------------------
# Password-reset throttling


def password_reset_allowed(request, email: str) -> bool:
    """Count a password-reset request; False once the e-mail address or the client address
    has asked more than its limit within ``RESET_REQUEST_WINDOW_SECONDS``. Every request is
    counted, so asking again and again does not reopen the window early."""
    seconds = settings.RESET_REQUEST_WINDOW_SECONDS
    subjects = [("email", email.strip().casefold(), settings.RESET_REQUEST_LIMIT_PER_EMAIL)]
    if address := client_address(request):
        subjects.append(("address", address, settings.RESET_REQUEST_LIMIT_PER_ADDRESS))
    counts = [
        (count_attempt(f"password-reset:{kind}:{hashlib.sha256(value.encode()).hexdigest()}", seconds), limit)
        for kind, value, limit in subjects
    ]
    return all(count <= limit for count, limit in counts)


class ThrottledPasswordResetForm(PasswordResetForm):
    """Sends nothing once over the limit; the view shows the same "check your e-mail" page
    either way, so the answer says nothing about the address or the throttle."""

    def save(self, *args, request=None, **kwargs):
        if password_reset_allowed(request, self.cleaned_data["email"]):
            super().save(*args, request=request, **kwargs)


# ---------------------------------------------------------------------------------------------
# Sessions with an absolute deadline

SIGNED_IN_AT = "signed_in_at"  # session key: the sign-in moment, seconds since the epoch


def record_sign_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver (connected in apps.py): start the session's clock."""
    request.session[SIGNED_IN_AT] = clock.now().timestamp()


def session_deadline(session) -> datetime.datetime | None:
    """When a signed-in session must end: ``SESSION_COOKIE_AGE`` after sign-in."""
    signed_in_at = session.get(SIGNED_IN_AT)
    if signed_in_at is None:
        return None
    started = datetime.datetime.fromtimestamp(signed_in_at, tz=datetime.UTC)
    return started + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)


class SessionDeadlineMiddleware:
    """Signs out a session past its deadline and sends the user to sign in again. A session
    signed in before the deadline was kept (no sign-in time) starts its clock now."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if session.get("_auth_user_id") is not None:
            deadline = session_deadline(session)
            if deadline is None:
                session[SIGNED_IN_AT] = clock.now().timestamp()
            elif clock.now() >= deadline:
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)
