"""The commercetools sandbox: a faithful emulator of the CT HTTP API subset the connector uses.

``create_app()`` returns the Flask app (OAuth token endpoint + REST API under
``/{projectKey}`` + control API under ``/_sandbox``); its state object is
``app.extensions["ct_sandbox"]``. See ``control`` for the control endpoints.
"""

from .app import create_app

__all__ = ["create_app"]
