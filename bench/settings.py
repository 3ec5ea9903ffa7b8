"""The production settings plus one bare view, for the benchmark only.

Everything (database, cache, middleware, templates) comes from the environment exactly
as in production; the only change is the URLconf, which adds /__floor__/.
"""

from hubei_market.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
WSGI_APPLICATION = "bench.wsgi.application"
