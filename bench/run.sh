#!/usr/bin/env bash
# Benchmark the shopper pages on the production profile and write BENCHMARKS.md.
#
#   bench/run.sh            (or `make bench`, which first installs wrk & co.)
#
# PostgreSQL + Redis from scripts/services.sh (a database and a Redis db of the
# benchmark's own, so a developer's data and `make test` are left alone), seed_demo with
# BENCH_PRODUCTS products, collectstatic, then gunicorn (DEBUG=0, 2 sync workers) serving
# bench.wsgi: the store plus a bare view at /__floor__/. Each page is warmed, then loaded
# with wrk on 127.0.0.1 only, in BENCH_ROUNDS interleaved rounds (best kept); SQL
# queries per page come from bench/count_queries.py.
# Results: bench/results/latest.json and BENCHMARKS.md.
#
# Knobs (environment): BENCH_PRODUCTS=20000 BENCH_PORT=8765 BENCH_DURATION=10s BENCH_ROUNDS=2
# BENCH_CONNECTIONS=16 BENCH_WRK_THREADS=2 BENCH_WORKERS=2 BENCH_WORKER_CLASS=sync
# BENCH_GTHREADS=4 (gthread only) BENCH_DB=hubei_market_bench BENCH_REDIS_DB=2
# BENCH_OUTPUT=BENCHMARKS.md (where the report goes) BENCH_PROFILE=1 (cProfile of the warm
# listing into bench/results/profile-listing.txt)
# Orders (bench/orders.py, after the pages, same gunicorn, one Celery worker running):
# BENCH_ORDERS=1 (0 skips them) BENCH_ORDER_ROUNDS=3 (throughput rounds, the best kept) BENCH_ORDER_BUYERS=6000 BENCH_ORDER_DURATION=10s
# BENCH_ORDER_CONNECTIONS=16 BENCH_ORDER_THREADS=16 (fetching the race's forms)
# BENCH_ORDER_PRODUCTS=4 (products, of as many vendors, the buyers share)
# BENCH_RACE_STOCK=100 BENCH_RACE_BUYERS=500 BENCH_RACE_THREADS=64
# Churn (bench/churn.py, after the pages): BENCH_CHURN=1 (0 skips it): the anonymous
# listing while 1 and 10 catalog writes a second go through the services
# Promotions (bench/promotions.py, before the orders): BENCH_PROMOTIONS=1 (0 skips them)
# BENCH_PROMOTION_COUNT=100
# Livestream counters (bench/livestream.py, after the promotions): BENCH_LIVESTREAM=1 (0 skips
# it) BENCH_VIEWER_POOL=200000 (distinct viewers polling) BENCH_HLL_VIEWERS=1000000
# Impact board (bench/impact.py, last): BENCH_IMPACT=1 (0 skips it) BENCH_IMPACT_SMALL=10000
# BENCH_IMPACT_LARGE=1000000 (order lines)
# Payments (bench/payments.py, after the orders; the sandbox gateway on this production
# profile: PAYMENT_SANDBOX=1 PAYMENT_SANDBOX_WITHOUT_DEBUG=1, notify_url on this gunicorn):
# BENCH_PAYMENTS=1 (0 skips them) BENCH_PAYMENT_SHOPPERS=1500 BENCH_PAYMENT_ROUNDS=2
# BENCH_PAYMENT_THREADS=16 BENCH_PAYMENT_CELERY_CONCURRENCY=4 BENCH_NOTIFY_COUNT=1000
# BENCH_NOTIFY_THREADS=8
# BENCH_ONLY=payments runs only the payments (no pages, promotions, livestream, orders or
# impact) and rewrites only the "## Payments" section of BENCH_OUTPUT. BENCH_ONLY=orders
# runs only the checkout throughput and the race, writing bench/results/orders.json alone
# (to compare two trees in turn, as BENCHMARKS.md's analyses do).
# Settlement (bench/settlement.py, last, in a database of its own so the pages' data is
# left alone: no gunicorn, it measures the functions): BENCH_SETTLEMENT=1 (0 skips it)
# BENCH_SETTLEMENT_DB=hubei_market_bench_settlement. BENCH_ONLY=settlement runs only it
# (no seed_demo, pages or gunicorn) and rewrites only the "## Settlement" section.
# Search (bench/search.py): BENCH_ONLY=search runs only it, in a database of its own per
# size (BENCH_SEARCH_DB, default hubei_market_bench_search_<BENCH_PRODUCTS>: 20000 or
# 200000, seeded once with the demo catalog's products and their search fields), on its
# own gunicorn, signed in and rendered (CATALOG_PAGES_CACHED=0), beside the floor; it
# rewrites only the "## Search on N products" section.
# Services: scripts/services.sh's HUBEI_SERVICES_DIR, HUBEI_PG_PORT and HUBEI_REDIS_PORT
# pass through, e.g. HUBEI_SERVICES_DIR=/tmp/hm-bench HUBEI_PG_PORT=55488
# HUBEI_REDIS_PORT=56488 BENCH_PORT=8788 BENCH_ONLY=payments bench/run.sh
# Scale (bench/scale.py): BENCH_ONLY=scale BENCH_PRODUCTS=N runs only it, in the search
# benchmark's database for that size (seeded the same way), rendered, signed in; each
# size's results are kept in bench/scale-results.json and the "## Catalog size" section
# is rewritten from all of them.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# The command that reproduces this run, for the report: the knobs given, then the script.
if [ -z "${BENCH_COMMAND:-}" ]; then
  BENCH_COMMAND=$(env | grep -E '^BENCH_[A-Z_]+=' | grep -v '^BENCH_OUTPUT=' | sort |
    tr '\n' ' ' || true)bench/run.sh
fi
export BENCH_COMMAND

PY=${PY:-$ROOT/.venv/bin/python}
GUNICORN=${GUNICORN:-$ROOT/.venv/bin/gunicorn}
export BENCH_PRODUCTS=${BENCH_PRODUCTS:-20000}
export BENCH_PORT=${BENCH_PORT:-8765}
export BENCH_DURATION=${BENCH_DURATION:-10s}
export BENCH_ROUNDS=${BENCH_ROUNDS:-2}
export BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-16}
export BENCH_WRK_THREADS=${BENCH_WRK_THREADS:-2}
export BENCH_WORKERS=${BENCH_WORKERS:-2}
export BENCH_WORKER_CLASS=${BENCH_WORKER_CLASS:-sync}
export BENCH_GTHREADS=${BENCH_GTHREADS:-4}
export BENCH_DB=${BENCH_DB:-hubei_market_bench}
export BENCH_REDIS_DB=${BENCH_REDIS_DB:-2}
export BENCH_OUTPUT=${BENCH_OUTPUT:-$ROOT/BENCHMARKS.md}
export BENCH_PROFILE=${BENCH_PROFILE:-1}
export BENCH_ORDERS=${BENCH_ORDERS:-1}
export BENCH_PROMOTIONS=${BENCH_PROMOTIONS:-1}
export BENCH_CHURN=${BENCH_CHURN:-1}
export BENCH_LIVESTREAM=${BENCH_LIVESTREAM:-1}
export BENCH_IMPACT=${BENCH_IMPACT:-1}
export BENCH_PAYMENTS=${BENCH_PAYMENTS:-1}
export BENCH_SETTLEMENT=${BENCH_SETTLEMENT:-1}
export BENCH_SETTLEMENT_DB=${BENCH_SETTLEMENT_DB:-hubei_market_bench_settlement}
export BENCH_ONLY=${BENCH_ONLY:-}
BENCH_PAGES=1
case "$BENCH_ONLY" in
  "") ;;
  churn)
    BENCH_PAGES=0 BENCH_PROFILE=0 BENCH_PROMOTIONS=0 BENCH_LIVESTREAM=0 BENCH_ORDERS=0
    BENCH_IMPACT=0 BENCH_PAYMENTS=0 BENCH_SETTLEMENT=0 BENCH_CHURN=1
    ;;
  payments)
    BENCH_PAGES=0 BENCH_PROFILE=0 BENCH_PROMOTIONS=0 BENCH_LIVESTREAM=0 BENCH_ORDERS=0
    BENCH_IMPACT=0 BENCH_PAYMENTS=1 BENCH_SETTLEMENT=0 BENCH_CHURN=0
    ;;
  orders)
    BENCH_PAGES=0 BENCH_PROFILE=0 BENCH_PROMOTIONS=0 BENCH_LIVESTREAM=0 BENCH_ORDERS=1
    BENCH_IMPACT=0 BENCH_PAYMENTS=0 BENCH_SETTLEMENT=0 BENCH_CHURN=0
    ;;
  settlement)
    BENCH_PAGES=0 BENCH_PROFILE=0 BENCH_PROMOTIONS=0 BENCH_LIVESTREAM=0 BENCH_ORDERS=0
    BENCH_IMPACT=0 BENCH_PAYMENTS=0 BENCH_SETTLEMENT=1 BENCH_CHURN=0
    ;;
  search | scale)
    BENCH_PAGES=0 BENCH_PROFILE=0 BENCH_PROMOTIONS=0 BENCH_LIVESTREAM=0 BENCH_ORDERS=0
    BENCH_IMPACT=0 BENCH_PAYMENTS=0 BENCH_SETTLEMENT=0 BENCH_CHURN=0
    export BENCH_DB=${BENCH_SEARCH_DB:-hubei_market_bench_search_$BENCH_PRODUCTS}
    ;;
  *)
    echo "bench: BENCH_ONLY=$BENCH_ONLY is not known (churn, payments, orders, settlement, search, scale)" >&2
    exit 1
    ;;
esac
WORK=${BENCH_WORK_DIR:-/tmp/hubei-market-bench}
RESULTS=$ROOT/bench/results
BASE=http://127.0.0.1:$BENCH_PORT

log() { printf 'bench [%3ds]: %s\n' "$SECONDS" "$*" >&2; }
die() { log "$*"; exit 1; }

[ -x "$PY" ] || die "no virtualenv at $PY (run make bench, or make run once)"
command -v wrk >/dev/null || die "wrk is missing: scripts/services.sh packages"
command -v curl >/dev/null || die "curl is missing"

mkdir -p "$WORK" "$RESULTS"
rm -f "$RESULTS"/wrk-*.txt "$RESULTS"/redis-*.txt "$RESULTS"/profile-*.txt \
  "$RESULTS"/queries.json "$RESULTS"/gunicorn.log "$RESULTS"/orders.json "$RESULTS"/celery.log \
  "$RESULTS"/promotions.json "$RESULTS"/livestream.json "$RESULTS"/impact.json \
  "$RESULTS"/payments.json "$RESULTS"/profile-notification.prof "$RESULTS"/celery-payments.log \
  "$RESULTS"/settlement.json "$RESULTS"/search.json
export BENCH_LOADAVG_START
BENCH_LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)

# --- Services: PostgreSQL and Redis, with a database and a Redis db of our own ---------
pg_url=$(scripts/services.sh postgres)
redis_url=$(scripts/services.sh redis)
export DATABASE_URL=${pg_url%/*}/$BENCH_DB
export REDIS_URL=${redis_url%/*}/$BENCH_REDIS_DB
"$PY" - "${pg_url%/*}/postgres" "$BENCH_DB" <<'EOF'
import sys

import psycopg

url, name = sys.argv[1:]
with psycopg.connect(url, autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
EOF
log "PostgreSQL $DATABASE_URL, Redis $REDIS_URL"

# --- The production profile, plain http on loopback ------------------------------------
export DJANGO_SETTINGS_MODULE=bench.settings
export DEBUG=0
SECRET_KEY=bench-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export SITE_URL=http://127.0.0.1:$BENCH_PORT
export SECURE_SSL_REDIRECT=False SESSION_COOKIE_SECURE=False CSRF_COOKIE_SECURE=False
export SECURE_HSTS_SECONDS=0
# The account shoppers are told to pay into (production refuses the demo one).
export BANK_TRANSFER_PAYEE="湖北集市压测有限公司" BANK_TRANSFER_BANK="压测银行"
export BANK_TRANSFER_ACCOUNT="6200 1234 5678 9012"
export STATIC_ROOT=$WORK/static MEDIA_ROOT=$WORK/media
export LOG_LEVEL=WARNING
# The sandbox gateway, served by this gunicorn, stands in for Alipay and WeChat Pay (the
# production profile refuses it unless told); its keys are generated into the work dir.
export PAYMENT_SANDBOX=1 PAYMENT_SANDBOX_WITHOUT_DEBUG=1
export PAYMENT_SANDBOX_DIR=$WORK/payment-sandbox
unset CATALOG_PAGE_CACHE_SECONDS CATALOG_PAGES_CACHED CONN_MAX_AGE
# The benchmark's own scripts seed and measure functions at scale (no statement timeout);
# gunicorn below gets a web process's (DATABASE_STATEMENT_TIMEOUT_MS, 5 s by default).
WEB_STATEMENT_TIMEOUT_MS=${DATABASE_STATEMENT_TIMEOUT_MS:-5000}
export DATABASE_STATEMENT_TIMEOUT_MS=0
if [ "$BENCH_ONLY" = search ] || [ "$BENCH_ONLY" = scale ]; then
  # Signed-in shoppers share the cached pages too (issue #23): no page is cached here,
  # so every search is run and its page rendered.
  export CATALOG_PAGES_CACHED=0
fi

# --- Settlement: statements, a payout run and the books check at 1,000,000 entries ------
run_settlement() {
  "$PY" - "${pg_url%/*}/postgres" "$BENCH_SETTLEMENT_DB" <<'EOF'
import sys

import psycopg

url, name = sys.argv[1:]
with psycopg.connect(url, autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
EOF
  log "settlement benchmark (database $BENCH_SETTLEMENT_DB)"
  DATABASE_URL=${pg_url%/*}/$BENCH_SETTLEMENT_DB "$PY" manage.py migrate --noinput -v0
  DATABASE_URL=${pg_url%/*}/$BENCH_SETTLEMENT_DB "$PY" -m bench.settlement \
    --out "$RESULTS/settlement.json" ||
    log "settlement benchmark FAILED its checks: $RESULTS/settlement.json"
}
if [ "$BENCH_ONLY" = settlement ]; then
  run_settlement
  "$PY" -m bench.report --settlement-only "$RESULTS/settlement.json"
  log "done in ${SECONDS}s: $RESULTS/settlement.json, $BENCH_OUTPUT"
  exit 0
fi

log "migrate"
"$PY" manage.py migrate --noinput -v0
if [ "$BENCH_ONLY" = search ] || [ "$BENCH_ONLY" = scale ]; then
  log "seeding $BENCH_PRODUCTS demo products with their search fields (bench.search --seed)"
  "$PY" -m bench.search --seed "$BENCH_PRODUCTS"
else
  log "seed_demo --products $BENCH_PRODUCTS"
  # (its staff-login line, with a fresh password, is not echoed)
  "$PY" manage.py seed_demo --products "$BENCH_PRODUCTS" --no-progress >"$WORK/seed.log"
  grep -v -i "password\|login" "$WORK/seed.log" >&2 || true
fi
log "collectstatic"
"$PY" manage.py collectstatic --noinput -v0

# --- SQL queries per page (Django test client, same database and cache) ----------------
if [ "$BENCH_PAGES" = 1 ]; then
  log "counting SQL queries per page (cold and warm)"
  "$PY" -m bench.count_queries "$RESULTS/queries.json"
fi
if [ "$BENCH_PROFILE" = 1 ]; then
  log "profiling the warm listing (cProfile, Django test client)"
  "$PY" -m bench.profile_page /products/ --out "$RESULTS/profile-listing.txt"
fi

# --- gunicorn --------------------------------------------------------------------------
if (exec 3<>"/dev/tcp/127.0.0.1/$BENCH_PORT") 2>/dev/null; then
  die "port $BENCH_PORT is already taken; set BENCH_PORT"
fi
gunicorn_args=(bench.wsgi:application --bind "127.0.0.1:$BENCH_PORT"
  --workers "$BENCH_WORKERS" --worker-class "$BENCH_WORKER_CLASS"
  --log-level warning --error-logfile bench/results/gunicorn.log)
[ "$BENCH_WORKER_CLASS" = gthread ] && gunicorn_args+=(--threads "$BENCH_GTHREADS")
export BENCH_GUNICORN_ARGS="${gunicorn_args[*]}"
DATABASE_STATEMENT_TIMEOUT_MS=$WEB_STATEMENT_TIMEOUT_MS "$GUNICORN" "${gunicorn_args[@]}" &
GUNICORN_PID=$!
stop_gunicorn() {
  if [ -n "${GUNICORN_PID:-}" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  GUNICORN_PID=
}
CELERY_PID=
stop_celery() {
  if [ -n "${CELERY_PID:-}" ] && kill -0 "$CELERY_PID" 2>/dev/null; then
    kill -TERM "$CELERY_PID" 2>/dev/null || true
    wait "$CELERY_PID" 2>/dev/null || true
  fi
  CELERY_PID=
}
trap 'stop_celery; stop_gunicorn' EXIT
trap 'exit 130' INT TERM

for _ in $(seq 100); do
  curl -fs -o /dev/null "$BASE/__floor__/" && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || die "gunicorn exited: see $RESULTS/gunicorn.log"
  sleep 0.2
done
curl -fs -o /dev/null "$BASE/__floor__/" || die "gunicorn did not answer on $BASE"
log "gunicorn ${gunicorn_args[*]} (pid $GUNICORN_PID)"
# CPU by program counts only these processes and their children as gunicorn, postgres,
# redis-server and celery (bench/cpu.py): other clusters on a shared host are "others".
BENCH_OWN_PIDS="$GUNICORN_PID $(head -n 1 "${HUBEI_SERVICES_DIR:-/tmp/hubei-market-services}/pg/postmaster.pid" 2>/dev/null || true) $(redis-cli -u "$REDIS_URL" info server | tr -d '\r' | awk -F: '/^process_id:/ {print $2}')"
export BENCH_OWN_PIDS

# --- wrk: warm each page, then measure -------------------------------------------------
# Redis hits and misses around each run: is the page cache hit, and how many cache
# round trips does a request make? (Server-wide counters: other clients of this Redis
# would be counted too.)
redis_counts() {
  redis-cli -u "$REDIS_URL" info stats | tr -d '\r' |
    awk -F: '/^keyspace_hits:/ {h = $2} /^keyspace_misses:/ {m = $2} END {print h + 0, m + 0}'
}
pages=()
[ "$BENCH_PAGES" = 1 ] && mapfile -t pages < <("$PY" -m bench.pages)
for entry in "${pages[@]}"; do
  read -r name path <<<"$entry"
  url=$BASE$path
  status=$(curl -s -o /dev/null -w '%{http_code}' "$url")
  [ "$status" = 200 ] || die "$url answered $status, expected 200"
  # Warm-up: every worker loads templates, translations and its DB connection.
  wrk -t1 -c4 -d2s "$url" >/dev/null
done
# Rounds, interleaved: every page once per round, the floor first and last in each.
# Another process on the machine can only slow a run down, so the report keeps each
# page's best round; the spread of the floor's runs shows how steady the machine was.
# Each shop page twice: as a visitor, then signed in (a real session cookie: the page is
# the shared cached one, the header the shopper's own), as wrk-signed_<page>-r<round>.txt.
signed_in_cookie=
if [ "$BENCH_PAGES" = 1 ]; then
  signed_in_cookie=$("$PY" -c 'import bench.signed_in as s; print(s.session_key())')
fi
for round in $(seq "$BENCH_ROUNDS"); do
  [ "$BENCH_PAGES" = 1 ] || break
  for entry in "${pages[@]}" "floor_end /__floor__/"; do
    read -r name path <<<"$entry"
    for who in visitor signed_in; do
      run=$name headers=()
      if [ "$who" = signed_in ]; then
        case $name in floor | floor_end) continue ;; esac
        run=signed_$name headers=(-H "Cookie: sessionid=$signed_in_cookie")
      fi
      before=$(redis_counts)
      wrk -t"$BENCH_WRK_THREADS" -c"$BENCH_CONNECTIONS" -d"$BENCH_DURATION" --latency \
        "${headers[@]}" -s bench/wrk_report.lua "$BASE$path" >"$RESULTS/wrk-$run-r$round.txt"
      echo "$before $(redis_counts)" >"$RESULTS/redis-$run-r$round.txt"
      log "round $round/$BENCH_ROUNDS $path ($who): $(awk '/Requests\/sec/ {print $2}' \
        "$RESULTS/wrk-$run-r$round.txt") req/s"
    done
  done
done

# --- Churn: the anonymous listing while the catalog changes (1 and 10 writes a second) -
if [ "$BENCH_CHURN" = 1 ]; then
  "$PY" -m bench.churn --base "$BASE" --out "$RESULTS/churn.json" ||
    log "churn benchmark failed: see the output above"
fi

# --- Promotions: listing and product page with 100 running promotions vs none ---------
if [ "$BENCH_PROMOTIONS" = 1 ]; then
  "$PY" -m bench.promotions --base "$BASE" --out "$RESULTS/promotions.json" ||
    log "promotions benchmark failed: see the output above"
fi

# --- Livestream: the counters endpoint under a large audience, the HyperLogLog's error -
if [ "$BENCH_LIVESTREAM" = 1 ]; then
  "$PY" -m bench.livestream --base "$BASE" --out "$RESULTS/livestream.json" ||
    log "livestream benchmark missed its aim or failed: see $RESULTS/livestream.json"
fi

# --- Orders: checkouts per second and the race for the last units ----------------------
if [ "$BENCH_ORDERS" = 1 ]; then
  # One Celery worker takes the notifications each order hands over on commit, as in
  # production (Redis broker, the same environment).
  # Tasks left in the benchmark's queue by an earlier, interrupted run are dropped first.
  "$ROOT/.venv/bin/celery" -A hubei_market purge -f >/dev/null
  "$ROOT/.venv/bin/celery" -A hubei_market worker --concurrency=1 --loglevel=WARNING \
    >"$RESULTS/celery.log" 2>&1 &
  CELERY_PID=$!
  export BENCH_OWN_PIDS="$BENCH_OWN_PIDS $CELERY_PID"
  log "celery worker (pid $CELERY_PID); orders benchmark"
  orders_status=0
  "$PY" -m bench.orders --base "$BASE" --out "$RESULTS/orders.json" || orders_status=$?
  stop_celery
  [ "$orders_status" = 0 ] || log "orders benchmark FAILED its checks: $RESULTS/orders.json"
fi

# --- Payments: orders paid end to end per second, the CPU of one notification ---------
if [ "$BENCH_PAYMENTS" = 1 ]; then
  # The worker delivers the sandbox's notifications (POSTs to this gunicorn's notify_url)
  # and the messages each paid order sends; each delivery waits for the store's answer,
  # so 4 processes send them side by side, as Alipay's servers would.
  "$ROOT/.venv/bin/celery" -A hubei_market purge -f >/dev/null
  export BENCH_PAYMENT_CELERY_CONCURRENCY=${BENCH_PAYMENT_CELERY_CONCURRENCY:-4}
  "$ROOT/.venv/bin/celery" -A hubei_market worker \
    --concurrency="$BENCH_PAYMENT_CELERY_CONCURRENCY" --loglevel=WARNING \
    >"$RESULTS/celery-payments.log" 2>&1 &
  CELERY_PID=$!
  export BENCH_OWN_PIDS="$BENCH_OWN_PIDS $CELERY_PID"
  log "celery worker (pid $CELERY_PID); payments benchmark"
  payments_status=0
  BENCH_NOTIFY_PROFILE=$RESULTS/profile-notification.txt \
    "$PY" -m bench.payments --base "$BASE" --out "$RESULTS/payments.json" || payments_status=$?
  stop_celery
  [ "$payments_status" = 0 ] || log "payments benchmark FAILED its checks: $RESULTS/payments.json"
fi

# --- Search: pinyin, synonyms, typos and Chinese, rendered for a signed-in shopper -----
if [ "$BENCH_ONLY" = search ]; then
  search_status=0
  "$PY" -m bench.search --base "$BASE" --out "$RESULTS/search.json" || search_status=$?
  [ "$search_status" = 0 ] || die "search benchmark failed: see the output above"
fi

# --- Scale: the pages that read many rows, rendered, at this catalog size ---------------
if [ "$BENCH_ONLY" = scale ]; then
  "$PY" -m bench.scale --base "$BASE" --out "$RESULTS/scale.json" ||
    die "scale benchmark failed: see the output above"
fi

# --- Impact board: the page at 10,000 and at 1,000,000 order lines --------------------
if [ "$BENCH_IMPACT" = 1 ]; then
  "$PY" -m bench.impact --base "$BASE" --out "$RESULTS/impact.json" ||
    log "impact benchmark missed its aim or failed: see $RESULTS/impact.json"
fi

stop_gunicorn
if [ "$BENCH_SETTLEMENT" = 1 ]; then
  run_settlement
fi
export BENCH_LOADAVG_END
BENCH_LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)

# --- Report ----------------------------------------------------------------------------
export BENCH_ELAPSED_SECONDS=$SECONDS
if [ "$BENCH_PAGES" = 1 ]; then
  "$PY" -m bench.report "$RESULTS"
elif [ "$BENCH_ONLY" = scale ]; then  # its section, from every size kept
  "$PY" -m bench.report --scale-only bench/scale-results.json
elif [ "$BENCH_ONLY" = churn ]; then  # its section of the report is rewritten, the rest kept
  "$PY" -m bench.report --churn-only "$RESULTS/churn.json"
elif [ "$BENCH_ONLY" = search ]; then  # its section of the report is rewritten, the rest kept
  "$PY" -m bench.report --search-only "$RESULTS/search.json"
elif [ "$BENCH_ONLY" = orders ]; then  # compared by hand, beside a run of other code
  log "orders only: $RESULTS/orders.json (BENCHMARKS.md is left as it is)"
else  # only the payments ran: their section of the report is rewritten, the rest kept
  "$PY" -m bench.report --payments-only "$RESULTS/payments.json"
fi
log "done in ${SECONDS}s: $RESULTS/latest.json, $BENCH_OUTPUT"
