"""external_in has no tasks of its own.

Its routes run on the task of their handler: ``messages.handle_event`` for a partner's
dotted path, ``<module>.handle_event`` for a registered handler (e.g. external_out.send).
This file exists because every enabled module's ``tasks.<name>`` is imported by Celery.
"""
