#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis on loopback for `make test` and `bench/`, and the
# system packages they and the browser tests need. Nothing here touches a system
# service: data lives under $HUBEI_SERVICES_DIR and dies with `stop`.
#
#   scripts/services.sh packages        install what is missing (apt-get, when root)
#   scripts/services.sh postgres        start PostgreSQL, print its DATABASE_URL
#   scripts/services.sh redis           start Redis, print its REDIS_URL
#   scripts/services.sh stop            stop both and delete their data
set -euo pipefail

DIR=${HUBEI_SERVICES_DIR:-/tmp/hubei-market-services}
PG_PORT=${HUBEI_PG_PORT:-54329}
REDIS_PORT=${HUBEI_REDIS_PORT:-63799}
PG_DATA=$DIR/pg
APT_PACKAGES="postgresql redis-server chromium fonts-noto-cjk gettext wrk"

log() { echo "services: $*" >&2; }

pg_bin() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] && echo "$found"
}

missing_packages() {
  local missing=()
  [ -n "$(pg_bin)" ] || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing+=(fonts-noto-cjk)
  command -v msgfmt >/dev/null || missing+=(gettext)
  command -v wrk >/dev/null || missing+=(wrk)
  echo "${missing[@]:-}"
}

packages() {
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "missing: $missing; install them (apt-get install $APT_PACKAGES) or run as root"
    return 1
  fi
  log "installing $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >&2
}

as_pg_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

postgres() {
  local bin user
  bin=$(pg_bin) || { log "PostgreSQL is not installed"; exit 1; }
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  user=$(id -un)
  [ "$(id -u)" = 0 ] && user=postgres
  if ! as_pg_user "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
      rm -rf "$PG_DATA"
      mkdir -p "$PG_DATA"
      [ "$(id -u)" = 0 ] && chown postgres "$PG_DATA"
      as_pg_user "$bin/initdb" -D "$PG_DATA" -U "$user" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    # Durability off: a test cluster is thrown away, speed matters more.
    as_pg_user "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w start -o \
      "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
    log "PostgreSQL on 127.0.0.1:$PG_PORT"
  fi
  as_pg_user "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$user" -d postgres -qtAc \
    "SELECT 1 FROM pg_database WHERE datname='hubei_market'" | grep -q 1 ||
    as_pg_user "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$user" hubei_market
  echo "postgres://$user@127.0.0.1:$PG_PORT/hubei_market"
}

redis() {
  mkdir -p "$DIR/redis"
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
      --dir "$DIR/redis" --daemonize yes --logfile "$DIR/redis/redis.log" >/dev/null
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    log "Redis on 127.0.0.1:$REDIS_PORT"
  fi
  echo "redis://127.0.0.1:$REDIS_PORT/0"
}

stop() {
  local bin
  bin=$(pg_bin || true)
  if [ -n "$bin" ] && [ -f "$PG_DATA/PG_VERSION" ]; then
    as_pg_user "$bin/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true
  fi
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$DIR"
}

"${1:?usage: services.sh packages|postgres|redis|stop}"
