"""Orders paid end to end per second, and the CPU one payment notification costs, against
a running gunicorn with the sandbox gateway and a Celery worker.

    python -m bench.payments --base http://127.0.0.1:8765 --out bench/results/payments.json

Run by bench/run.sh (BENCH_PAYMENTS=1, the default; BENCH_ONLY=payments runs nothing
else) with its environment plus PAYMENT_SANDBOX=1 and PAYMENT_SANDBOX_WITHOUT_DEBUG=1
(the sandbox gateway on the production profile) and SITE_URL the gunicorn address, so
the sandbox's notify_url is gunicorn's /payments/notify/alipay/.

1. Unpaid: one round of bench/orders.py's throughput (wrk POSTs `cod` checkouts): the
   "orders/s" of the orders benchmark, in the same run, with the floor right before it.
2. Paid, end to end, in BENCH_PAYMENT_ROUNDS rounds (best kept): BENCH_PAYMENT_SHOPPERS
   fresh shoppers, from BENCH_PAYMENT_THREADS Python threads, each POSTs an Alipay checkout
   (gunicorn answers with the cashier), then presses Pay in the sandbox in bulk: the
   payment started in process (payments.services.start_payment signs the wap-pay request),
   the sandbox's trade created from that request (gateway_sandbox.alipay.api, as when the
   shopper's browser opens it) and paid (gateway_sandbox.trades.pay). The Celery worker
   then delivers the sandbox's signed notification by POSTing it to gunicorn's
   notify_url, which confirms the order. Paid orders/s = shoppers / (from the first
   checkout to the last order CONFIRMED). Every order must end CONFIRMED, paid once, with
   one accepted notification.
3. One notification's cost: BENCH_NOTIFY_COUNT orders placed and their sandbox trades paid
   without a notice sent; their notifications, each signed once, are POSTed once each
   (first-time ones, BENCH_NOTIFY_THREADS threads) to gunicorn; gunicorn's workers' CPU
   delta (from /proc) / count is the CPU per notification. SQL queries per notification
   are counted through Django's test client for a few more (they must not vary), and a
   cProfile of handle_notification goes to bench/results/profile-notification.txt.

Shoppers are bench/orders.py's buyers (bench-buyer-<run>-p...), deleted with their orders,
payments and sandbox trades by the next run. Only 127.0.0.1 is contacted.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.test import Client as DjangoClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from bench import orders as order_bench  # noqa: E402
from bench.cpu import cpu_delta_by_program, cpu_seconds_by_process, machine_busy_seconds  # noqa: E402
from catalog.models import Product  # noqa: E402
from catalog.page_cache import bump_catalog_revision  # noqa: E402
from gateway_sandbox import trades as sandbox_trades  # noqa: E402
from gateway_sandbox.alipay import api as sandbox_alipay  # noqa: E402
from gateway_sandbox.models import SandboxTrade  # noqa: E402
from gateway_sandbox.protocols import protocol_for  # noqa: E402
from orders.models import Order  # noqa: E402
from payments.models import GatewayNotification, Payment  # noqa: E402
from payments.services import handle_notification, start_payment  # noqa: E402

GATEWAY = "alipay"
NOTIFY_PATH = "/payments/notify/alipay/"
AIM_PAID_ORDERS_PER_SECOND = 150


def log(message):
    print(f"payments: {message}", file=sys.stderr, flush=True)


# --- Shoppers and their payments -------------------------------------------------------------


def shoppers(run, label, count, product_ids):
    """`count` fresh buyers of bench/orders.py, each with a cart of 1-2 of `product_ids`."""
    rng = random.Random(f"{run}-{label}")
    carts = []
    for _ in range(count):
        chosen = rng.sample(product_ids, rng.choice((1, 2)))
        carts.append({pid: rng.randint(1, 3) for pid in chosen})
    return order_bench.make_buyers(run, label, carts)


def check_out(client, buyer, method=GATEWAY):
    """POST the buyer's checkout (the CSRF secret as cookie and field, as bench/checkout.lua
    does); the order number, from the redirect to the cashier (online) or order page."""
    _username, session, address = buyer
    csrf = get_random_string(32)
    body = urlencode(
        {
            "csrfmiddlewaretoken": csrf,
            "address": address,
            "payment_method": method,
            "idempotency_key": get_random_string(40),
        }
    )
    status, headers, _content = client.request(
        "POST",
        "/checkout/",
        {
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body,
    )
    location = urlsplit(dict((k.lower(), v) for k, v in headers).get("location", "")).path
    parts = location.strip("/").split("/")
    if status != 302 or len(parts) != 2 or parts[0] not in ("pay", "orders"):
        raise RuntimeError(f"checkout answered {status} {location}")
    return parts[1]


def started_trade(number):
    """The shopper chose Alipay on the cashier and opened its page: the payment started
    (signed wap-pay request) and the sandbox's trade created from that request."""
    order = Order.objects.get(number=number)
    payment = start_payment(order, gateway_code=GATEWAY, device="phone", client_ip="127.0.0.1")
    params = dict(parse_qsl(urlsplit(payment.resume_url).query, keep_blank_values=True))
    return sandbox_alipay.create_page_trade(params["method"], params)


def shop_and_pay(client, buyer):
    """One shopper's whole way: checkout over HTTP, then Pay pressed in the sandbox (its
    notice goes to the Celery worker on commit). Runs in a pool thread."""
    number = check_out(client, buyer)
    sandbox_trades.pay(started_trade(number))
    return number


# --- 1. Paid orders per second -------------------------------------------------------------


def paid_round(client, run, args, label):
    products = order_bench.pick_products(args.products)
    ids = [p.pk for p in products]
    Product.objects.filter(pk__in=ids).update(stock=order_bench.AMPLE_STOCK)
    bump_catalog_revision()
    buyers = shoppers(run, label, args.shoppers, ids)
    floor = order_bench.floor_rps(client, args)
    log(f"paid: {len(buyers)} shoppers from {args.threads} threads (floor {floor:,.0f} req/s)")
    cpu_before, busy_before = cpu_seconds_by_process(), machine_busy_seconds()
    started = time.time()
    errors = Counter()
    numbers = []
    # The pool (and so its threads' PostgreSQL backends) outlives the measure: a backend
    # that exits before the CPU is read again takes its time with it.
    pool = ThreadPoolExecutor(args.threads)
    futures = [pool.submit(shop_and_pay, client, b) for b in buyers]
    for future in futures:
        try:
            numbers.append(future.result())
        except Exception as error:  # noqa: BLE001 - counted and reported
            errors[f"{type(error).__name__}: {str(error)[:80]}"] += 1
    pressed = time.time()
    run_orders = Order.objects.filter(number__in=numbers)
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        if not run_orders.exclude(status=Order.Status.CONFIRMED).exists():
            break
        time.sleep(0.1)
    confirmed_at = time.time()
    cpu_after, busy_after = cpu_seconds_by_process(), machine_busy_seconds()
    pool.shutdown()
    confirmed = run_orders.filter(status=Order.Status.CONFIRMED)
    last = confirmed.aggregate(last=Max("updated_at"))["last"]
    finished = last.timestamp() if last else confirmed_at
    seconds = finished - started
    paid = confirmed.count()
    payments = Payment.objects.filter(order__number__in=numbers)
    notices = GatewayNotification.objects.filter(payment__order__number__in=numbers)
    verdicts = dict(notices.values_list("verdict").annotate(n=Count("pk")))
    checks = {
        "orders": len(numbers),
        "confirmed": paid,
        "all_confirmed": paid == len(numbers) == len(buyers),
        "payments_paid": payments.filter(state=Payment.State.PAID).count(),
        "one_payment_each": payments.count() == len(numbers),
        "notification_verdicts": verdicts,
        "one_accepted_notification_each": verdicts.get("accepted", 0) == len(numbers),
    }
    checks["passed"] = (
        not errors
        and checks["all_confirmed"]
        and checks["one_payment_each"]
        and checks["payments_paid"] == len(numbers)
        and checks["one_accepted_notification_each"]
    )
    busy = busy_after - busy_before
    result = {
        "shoppers": len(buyers),
        "threads": args.threads,
        "products": ids,
        "floor_rps": floor,
        "paid": paid,
        "seconds": round(seconds, 2),
        "checkout_and_press_seconds": round(pressed - started, 2),
        "last_confirmed_after_press_seconds": round(finished - pressed, 2),
        "paid_orders_per_second": round(paid / seconds, 1) if seconds > 0 else 0,
        "errors": sum(errors.values()),
        "error_details": dict(errors),
        "cpu_ms_per_paid_order": _per(cpu_after, cpu_before, max(paid, 1)),
        "machine_cpu_ms_per_paid_order": round(1000 * busy / max(paid, 1), 1),
        "checks": checks,
    }
    log(
        f"paid: {result['paid_orders_per_second']} paid orders/s ({paid} in {seconds:.2f} s; "
        f"pressed by {pressed - started:.2f} s), errors {dict(errors)}, checks {checks}"
    )
    return result


def _per(after, before, count):
    """CPU milliseconds per item by program, largest first (those over 0.05 s in all)."""
    deltas = cpu_delta_by_program(before, after)
    return {
        name: round(1000 * seconds / count, 2)
        for name, seconds in sorted(deltas.items(), key=lambda x: -x[1])
        if seconds >= 0.05
    }


# --- 2. What one notification costs --------------------------------------------------------


def paid_trades(client, run, label, count, product_ids, threads):
    """`count` orders placed over HTTP and their sandbox trades paid, with no notice sent
    (the notifications are POSTed by the caller): [(headers, body)], each signed once."""
    buyers = shoppers(run, label, count, product_ids)
    with ThreadPoolExecutor(threads) as pool:
        numbers = list(pool.map(lambda b: check_out(client, b), buyers))

    def pay_silently(number):
        trade = started_trade(number)
        SandboxTrade.objects.filter(pk=trade.pk).update(
            state=SandboxTrade.State.PAID, paid_at=timezone.now()
        )
        trade.refresh_from_db()
        return protocol_for(trade.gateway).notification(trade)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(pay_silently, numbers))


def post_notification(client, notification):
    headers, body = notification
    status, _headers, content = client.request("POST", NOTIFY_PATH, headers, body)
    return status == 200 and content.strip() == b"success"


def notification_cost(client, run, args):
    products = order_bench.pick_products(args.products)
    ids = [p.pk for p in products]
    Product.objects.filter(pk__in=ids).update(stock=order_bench.AMPLE_STOCK)
    bump_catalog_revision()
    log(f"notifications: placing {args.notify_count} orders, paying their trades silently")
    ready = paid_trades(client, run, "n", args.notify_count, ids, args.threads)
    # Warm-up: each worker loads its gateway (keys) and prepares its statements.
    warm = paid_trades(client, run, "w", 4 * args.notify_threads, ids, args.threads)
    with ThreadPoolExecutor(args.notify_threads) as pool:
        list(pool.map(lambda n: post_notification(client, n), warm))
    time.sleep(1)
    log(f"notifications: POSTing {len(ready)} from {args.notify_threads} threads")
    cpu_before, busy_before = cpu_seconds_by_process(), machine_busy_seconds()
    started = time.perf_counter()
    with ThreadPoolExecutor(args.notify_threads) as pool:
        answers = list(pool.map(lambda n: post_notification(client, n), ready))
    seconds = time.perf_counter() - started
    cpu_after, busy_after = cpu_seconds_by_process(), machine_busy_seconds()
    accepted = sum(answers)
    per = _per(cpu_after, cpu_before, len(ready))
    queries = count_queries(client, run, ids, args)
    profile_notifications(client, run, ids, args)
    result = {
        "notifications": len(ready),
        "threads": args.notify_threads,
        "accepted": accepted,
        "seconds": round(seconds, 2),
        "notifications_per_second": round(len(ready) / seconds, 1),
        "gunicorn_cpu_ms_per_notification": per.get("gunicorn", 0.0),
        "cpu_ms_per_notification": per,
        "machine_cpu_ms_per_notification": round(1000 * (busy_after - busy_before) / len(ready), 2),
        **queries,
    }
    log(
        f"notifications: {accepted}/{len(ready)} accepted, {result['notifications_per_second']}"
        f"/s, gunicorn {result['gunicorn_cpu_ms_per_notification']} ms CPU each, "
        f"queries {queries['queries_per_notification']}"
    )
    return result


def count_queries(client, run, ids, args):
    """SQL per first-time notification, through Django's test client (the middleware and
    view gunicorn runs), for a few of them: the count must not vary; and per repeat."""
    ready = paid_trades(client, run, "q", 6, ids, 2)
    django_client = DjangoClient(HTTP_HOST="127.0.0.1")
    counts, sql = [], []
    for headers, body in ready:
        with CaptureQueriesContext(connection) as captured:
            response = django_client.post(
                NOTIFY_PATH, data=body, content_type=headers["Content-Type"]
            )
        assert response.content == b"success", response.content
        counts.append(len(captured.captured_queries))
        sql = [q["sql"] for q in captured.captured_queries]
    with CaptureQueriesContext(connection) as captured:
        django_client.post(
            NOTIFY_PATH, data=ready[-1][1], content_type=ready[-1][0]["Content-Type"]
        )
    return {
        "queries_per_notification": counts[-1],
        "queries_per_notification_all": counts,
        "queries_constant": len(set(counts[1:])) == 1,
        "queries_per_repeated_notification": len(captured.captured_queries),
        "sql_per_notification": sql,
    }


def profile_notifications(client, run, ids, args):
    """cProfile of handle_notification (in process) over fresh notifications."""
    if not args.profile_out:
        return
    ready = paid_trades(client, run, "f", args.profile_count, ids, args.threads)
    # CPU time, not wall time: on a shared host, waiting for PostgreSQL is not our cost.
    profile = cProfile.Profile(time.process_time)
    started = time.process_time()
    profile.enable()
    for headers, body in ready:
        handle_notification(
            GATEWAY, headers=headers, body=body, form=dict(parse_qsl(body.decode()))
        )
    profile.disable()
    per_ms = (time.process_time() - started) / len(ready) * 1000
    out = io.StringIO()
    out.write(
        f"handle_notification: {len(ready)} first-time Alipay notifications in process, "
        f"{per_ms:.2f} ms of CPU each under cProfile (process time)\n"
    )
    for sort in ("tottime", "cumulative"):
        out.write(f"\n=== sorted by {sort} ===\n")
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(sort).print_stats(40)
    Path(args.profile_out).write_text(out.getvalue(), encoding="utf-8")
    profile.dump_stats(Path(args.profile_out).with_suffix(".prof"))


# --- Cleaning and the run -------------------------------------------------------------------


def unpaid_round(client, run, args):
    """One round of the orders benchmark's checkouts (wrk, `cod`) on the same server."""
    orders_args = argparse.Namespace(
        products=args.products,
        buyers=args.unpaid_buyers,
        duration=args.unpaid_duration,
        connections=args.connections,
        wrk_threads=args.wrk_threads,
        out=args.out,
    )
    result = order_bench.throughput(client, run, orders_args, label="u")
    order_bench.wait_for_notifications(run)
    return result


def main():
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=f"http://127.0.0.1:{env('BENCH_PORT', '8765')}")
    parser.add_argument("--out", default="bench/results/payments.json")
    parser.add_argument("--shoppers", type=int, default=int(env("BENCH_PAYMENT_SHOPPERS", "1500")))
    parser.add_argument("--rounds", type=int, default=int(env("BENCH_PAYMENT_ROUNDS", "2")))
    parser.add_argument("--threads", type=int, default=int(env("BENCH_PAYMENT_THREADS", "16")))
    parser.add_argument(
        "--wait", type=float, default=120, help="seconds to wait for the last confirmation"
    )
    parser.add_argument("--products", type=int, default=int(env("BENCH_ORDER_PRODUCTS", "4")))
    parser.add_argument("--unpaid-buyers", type=int, default=int(env("BENCH_ORDER_BUYERS", "6000")))
    parser.add_argument("--unpaid-duration", default=env("BENCH_ORDER_DURATION", "10s"))
    parser.add_argument(
        "--connections", type=int, default=int(env("BENCH_ORDER_CONNECTIONS", "16"))
    )
    parser.add_argument("--wrk-threads", type=int, default=int(env("BENCH_WRK_THREADS", "2")))
    parser.add_argument("--notify-count", type=int, default=int(env("BENCH_NOTIFY_COUNT", "1000")))
    parser.add_argument("--notify-threads", type=int, default=int(env("BENCH_NOTIFY_THREADS", "8")))
    parser.add_argument("--profile-out", default=env("BENCH_NOTIFY_PROFILE", ""))
    parser.add_argument("--profile-count", type=int, default=200)
    args = parser.parse_args()
    if not settings.PAYMENT_SANDBOX:
        raise SystemExit("payments: PAYMENT_SANDBOX=1 (and PAYMENT_SANDBOX_WITHOUT_DEBUG=1)")
    client = order_bench.Client(args.base)
    started = time.perf_counter()
    run = time.strftime("%m%d%H%M%S")
    removed = order_bench.clean_previous()
    if removed:
        log(f"deleted {removed} buyers of earlier runs with their orders and payments")
        order_bench.vacuum()
    unpaid = unpaid_round(client, run, args)
    rounds = []
    for i in range(1, args.rounds + 1):
        rounds.append(paid_round(client, run, args, label=f"p{i}"))
        order_bench.wait_for_notifications(run)
    best = max(rounds, key=lambda r: r["paid_orders_per_second"])
    cost = notification_cost(client, run, args)
    data = {
        "run": run,
        "base": args.base,
        "elapsed_seconds": round(time.perf_counter() - started, 1),
        "celery_concurrency": int(env("BENCH_PAYMENT_CELERY_CONCURRENCY", "4")),
        "unpaid": unpaid,
        "paid": best,
        "paid_rounds": [r["paid_orders_per_second"] for r in rounds],
        "paid_round_floors": [r["floor_rps"] for r in rounds],
        "notification": cost,
        "aim_paid_orders_per_second": AIM_PAID_ORDERS_PER_SECOND,
        "aim_met": best["paid_orders_per_second"] >= AIM_PAID_ORDERS_PER_SECOND,
        "passed": all(r["checks"]["passed"] for r in rounds)
        and cost["accepted"] == cost["notifications"]
        and cost["queries_constant"],
    }
    connection.close()
    Path(args.out).write_text(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    log(f"{'passed' if data['passed'] else 'FAILED'}; written {args.out}")
    return 0 if data["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
