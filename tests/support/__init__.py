"""Real services for fault tests: an SMTP server in a thread (`smtp_server`) and
subprocesses (Celery worker, gunicorn, a private redis-server) run against the test
database (`processes`). Fixtures are in `tests.support.fixtures`, loaded by tests/conftest.py.
"""
