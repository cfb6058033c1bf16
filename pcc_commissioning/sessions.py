"""Django's database session store, with an expiry that never passes the session's deadline.

Django moves a session's expiry to ``SESSION_COOKIE_AGE`` from now each time the session is
saved, so a session in use would never expire. Here the expiry stored with the session is the
earlier of that and the deadline, ``SESSION_COOKIE_AGE`` after sign-in
(``security.session_deadline``), so ``clearsessions`` removes it then however busy it was.
The cookie itself still ends when the browser closes (``SESSION_EXPIRE_AT_BROWSER_CLOSE``).
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from .security import session_deadline


class SessionStore(DatabaseSessionStore):
    def get_expiry_date(self, **kwargs):
        expires = super().get_expiry_date(**kwargs)
        deadline = session_deadline(self)
        return min(expires, deadline) if deadline else expires
