"""gunicorn logger class that keeps credentials out of the access and error logs.

Set by gunicorn.conf.py (``logger_class``). Access-log atoms are redacted before the
format is applied: the request line, query string, URL and referer through
``connector.redact``; secret headers (``Authorization``, ``X-API-Token``, signatures,
cookies) are replaced as a whole, whatever ``access_log_format`` asks for. gunicorn's own
error lines (e.g. "Error handling request /path?token=...") pass a redacting filter.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from connector.redact import REDACTED, SECRET_HEADERS, RedactingFilter, redact


class RedactingLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactingFilter) for f in log.filters):
                log.addFilter(RedactingFilter())

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any
    ) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if not isinstance(value, str):
                continue
            if _header_name(key) in SECRET_HEADERS:
                atoms[key] = REDACTED if value not in ("", "-") else value
            else:
                atoms[key] = redact(value)
        return atoms


def _header_name(atom: str) -> str | None:
    """``{authorization}i`` / ``{http_authorization}e`` -> ``authorization``."""
    if not atom.startswith("{") or len(atom) < 4 or atom[-2] != "}":
        return None
    name = atom[1:-2]
    if atom[-1] == "e":
        if not name.startswith("http_"):
            return None
        name = name[5:].replace("_", "-")
    return name
