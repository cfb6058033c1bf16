"""Create forms that create one record however often they are submitted.

A double click, a browser retrying a slow POST, or the same form sent from two tabs would
otherwise create the record twice (two payments of the same invoice). So:

- every form page carries a one-time token in a hidden field (``{% submission_token %}`` in
  ``templates/form_page.html``), made when the page is rendered. It is signed with the user's
  id, so it is bound to the user who got the form, and nothing is stored until it is used;
- a create view is wrapped in ``@create_once``. On a POST with a token it claims the token (a
  ``SubmissionToken`` row, unique) in the same transaction as the view's writes, and the view
  reports what it created with ``saved(request, record, message)``. Under concurrency the
  database's unique constraint decides: the second transaction's insert waits for the first
  and then fails, and nothing of the second is written;
- a second POST of a claimed token goes where the first one went, with "This was already
  saved: …" and the first answer's message, instead of creating anything;
- a POST whose view saved nothing (the form had errors, or the service refused it) gives the
  token back, so the corrected form can be sent with the same token.

A POST without a valid token (a page cached before tokens existed, a token of another user, or
one older than ``TOKEN_LIFETIME``) is processed as a fresh submission, as before: there is no
earlier submission it can safely be matched with. A form cannot outlive its session anyway: the
CSRF token changes at each sign-in. Claimed tokens are deleted once older than
``TOKEN_LIFETIME`` (pruned as new ones are claimed, so no scheduled job is needed).
"""

from __future__ import annotations

import datetime
import functools
import logging
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.shortcuts import redirect

from . import clock
from .models import SubmissionToken

logger = logging.getLogger(__name__)

FIELD = "submission_token"
ALREADY_SAVED = "This was already saved: {message}"
# Only reachable if the first submission's row was written without a result (never by
# ``create_once``, which gives a token back when its view saved nothing).
ALREADY_SENT = "This form was already sent. Check whether it was saved before sending it again."
_SALT = "pcc_commissioning.idempotency"
_CLAIM = "_submission_claim"


def token_lifetime() -> datetime.timedelta:
    """How long a token is honoured and its claim kept: at least a day, and never shorter than
    a session, the longest a form can be open and still be accepted (see module docstring)."""
    return max(datetime.timedelta(days=1), datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE))


def new_token(user) -> str:
    """A fresh one-time token for a form shown to ``user``."""
    return signing.TimestampSigner(salt=_SALT).sign(f"{user.pk}.{secrets.token_urlsafe(18)}")


def posted_token(request) -> str | None:
    """The POSTed token if it was made for this user and is still in date, else None."""
    token = request.POST.get(FIELD, "") if request.method == "POST" else ""
    if not token or not request.user.is_authenticated:
        return None
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=token_lifetime())
    except signing.BadSignature:  # includes SignatureExpired
        logger.info("A form was sent with an unusable submission token; treated as a fresh submission.")
        return None
    return token if value.split(".", 1)[0] == str(request.user.pk) else None


def form_token(request) -> str:
    """The token for the form being rendered: the one POSTed when a form with errors is shown
    again (it was given back, so it still stands for this form), else a fresh one."""
    return posted_token(request) or new_token(request.user)


def saved(request, record: models.Model | None, message: str) -> None:
    """Show ``message`` (what was created) and, under ``create_once``, remember ``record`` and
    ``message`` against the form's token, for the answer to a second submission."""
    messages.success(request, message)
    claim = getattr(request, _CLAIM, None)
    if claim is not None:
        claim.message = message
        if record is not None:
            claim.content_type = ContentType.objects.get_for_model(record)
            claim.object_id = str(record.pk)


def _prune() -> None:
    SubmissionToken.objects.filter(created_at__lt=clock.now() - token_lifetime()).delete()


def _claim(token: str, user) -> SubmissionToken | None:
    """Insert the token's row (in a savepoint of the caller's transaction); None if another
    submission holds it. On PostgreSQL the insert waits for a concurrent holder to finish."""
    try:
        with transaction.atomic():
            return SubmissionToken.objects.create(token=token, user=user, created_at=clock.now())
    except IntegrityError:
        return None


def _settle(claim: SubmissionToken, response) -> None:
    """Keep the claim if the view saved something and sent the user on; else give it back."""
    location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
    if claim.message and location:
        claim.redirect_url = location
        claim.save(update_fields=["content_type", "object_id", "redirect_url", "message"])
    else:
        claim.delete()


def _answer_again(request, token: str):
    """The answer to a token already used: where the first submission went, saying so."""
    earlier = SubmissionToken.objects.filter(token=token, user=request.user).first()
    if earlier is None or not earlier.redirect_url:
        messages.warning(request, ALREADY_SENT)
        return redirect(request.get_full_path())
    messages.info(request, ALREADY_SAVED.format(message=earlier.message))
    return redirect(earlier.redirect_url)


def create_once(view):
    """Make a create view's POST idempotent per form token (see the module docstring). The
    view calls ``saved(request, record, message)`` when it has created ``record``."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        token = posted_token(request)
        if token is None:
            return view(request, *args, **kwargs)
        if SubmissionToken.objects.filter(token=token).exists():
            return _answer_again(request, token)
        _prune()
        with transaction.atomic():
            claim = _claim(token, request.user)
            if claim is not None:
                setattr(request, _CLAIM, claim)
                try:
                    response = view(request, *args, **kwargs)
                finally:
                    delattr(request, _CLAIM)
                _settle(claim, response)
                return response
        return _answer_again(request, token)

    return wrapper
