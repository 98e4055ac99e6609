"""``connector demo``: the whole product end to end on the embedded default.

One command, no Redis or PostgreSQL: both sandboxes, the web app, a real Celery worker
with the beat schedule (SQLite store, SQLite broker), a small seeded retailer, every
module exercised, a table of what each did, exit 0 only if everything converged.
"""
