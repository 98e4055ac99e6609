"""Console sign-in: an API token of ``CONNECTOR_API_TOKENS`` typed once, remembered in
the session as a SHA-256 fingerprint (never the token), checked against the configured
tokens on every request in constant time (a token removed from the config signs its
sessions out)."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, session

KEY = "token_fp"


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens() -> tuple[str, ...]:
    return current_app.extensions["connector"].config.api_tokens  # type: ignore[no-any-return]


def sign_in(token: str) -> bool:
    """Start a session if ``token`` is configured; False otherwise."""
    given = fingerprint(token)
    ok = False
    for known in tokens():  # no early exit: same work whichever token matches
        ok |= hmac.compare_digest(given, fingerprint(known))
    if ok:
        session.clear()  # a fresh session (and CSRF token) for the signed-in user
        session.permanent = True
        session[KEY] = given
    return ok


def signed_in() -> bool:
    given = session.get(KEY)
    if not isinstance(given, str):
        return False
    ok = False
    for known in tokens():
        ok |= hmac.compare_digest(given, fingerprint(known))
    return ok


def sign_out() -> None:
    session.clear()
