"""Flower settings (Procfile: ``celery -A tasks.worker flower --conf=flowerconfig.py``).

Flower listens on 127.0.0.1 only, unless ``FLOWER_BASIC_AUTH`` (``user:password``, comma
separated for several) is set: then it listens on ``FLOWER_ADDRESS`` (0.0.0.0) and every
page asks for those credentials. ``FLOWER_PORT`` (5555) and the other ``FLOWER_*``
variables (e.g. ``FLOWER_URL_PREFIX``) are read by Flower itself.
"""

from __future__ import annotations

import os

_auth = [a.strip() for a in os.environ.get("FLOWER_BASIC_AUTH", "").split(",")]
_auth = [a for a in _auth if a]
for _entry in _auth:
    _user, _, _password = _entry.partition(":")
    if not _user or not _password:
        raise SystemExit("FLOWER_BASIC_AUTH must be user:password[,user2:password2]")

if _auth:
    basic_auth = _auth
    address = os.environ.get("FLOWER_ADDRESS") or "0.0.0.0"
else:
    address = "127.0.0.1"  # no credentials: never reachable from another host
port = int(os.environ.get("FLOWER_PORT") or 5555)
