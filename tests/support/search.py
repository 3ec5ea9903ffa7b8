"""What the tests counting a search's queries add for its ranked matches."""

from django.conf import settings

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
# Reading a best-match search's ranked matches (catalog/search/query.py): one query; on
# PostgreSQL, inside a transaction (as every test is), two more that make it read the
# full-text index.
RANKED_MATCHES = 3 if ON_POSTGRES else 1
