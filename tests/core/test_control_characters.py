"""NUL and other control characters never reach the database (PostgreSQL refuses a NUL in
text, so they were HTTP 500s): a path with one is a 404, a query string's are spaces, a
cookie with one is dropped, a header's are spaces, and a form says what is wrong."""

import re
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from aftersales.services import open_request
from catalog.models import County, Product, VendorMember
from orders import services as order_services
from orders.models import Address, Cart, OrderLine
from tests.factories import (
    AddressFactory,
    FeaturedProductFactory,
    FreightRateFactory,
    FreightTemplateFactory,
    KeywordLandingFactory,
    LiveStreamFactory,
    ProductFactory,
    VendorFactory,
    VendorMemberFactory,
    add_photo,
    make_shop,
    running_promotion,
    vendor_product_form,
)
from tests.reviews.factories import make_review

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NUL_HEADERS = {
    "HTTP_USER_AGENT": "Mozilla/5.0\x00<script>",
    "HTTP_ACCEPT_LANGUAGE": "en\x00",
    "HTTP_REFERER": "http://testserver/\x00",
    "HTTP_X_REQUESTED_WITH": "\x00",
}
# Query parameters the store's pages read, each given a NUL.
QUERY_NAMES = (
    "q",
    "page",
    "p",
    "o",
    "sort",
    "category",
    "prefecture",
    "county",
    "vendor",
    "min_price",
    "max_price",
    "in_stock",
    "status",
    "next",
    "province",
    "city",
    "year",
    "month",
    "e",
    "_changelist_filters",
    "language",
    "shop",
    "start",  # a statement's period (the shop's funds)
    "end",
)
# Form fields the store's forms read, beside those found in each page's own forms.
FORM_NAMES = (
    "name",
    "name_en",
    "slug",
    "description",
    "quantity",
    "vendor",
    "address",
    "payment_method",
    "idempotency_key",
    "expected_total",
    "email",
    "username",
    "password",
    "password1",
    "password2",
    "new_password1",
    "new_password2",
    "old_password",
    "next",
    "status",
    "cancel",
    "category",
    "origin_county",
    "price",
    "pack_size",
    "net_weight_g",
    "stock",
    "change",
    "reason",
    "carrier",
    "tracking_number",
    "recipient",
    "mobile",
    "province",
    "city",
    "district",
    "street",
    "language",
    "action",
    "_selected_action",
    "post",
    "role",
    "q",
)
# Pages whose POST undoes what other pages show: walked last.
DESTRUCTIVE = re.compile(r"delete|cancel|remove|logout|password_change|switch|_deliver|_ship")


# --- the cases the tester found ------------------------------------------------------------


def test_a_nul_in_a_search_is_a_space(client):
    ProductFactory(name="秭归脐橙", name_en="Zigui oranges")

    empty = client.get("/search/?q=%00", **EN)
    oranges = client.get("/search/?q=orange%00", **EN)

    assert empty.status_code == 200
    assert empty.templates[0].name == "catalog/search_empty.html"
    assert oranges.status_code == 200
    assert "Zigui oranges" in oranges.content.decode()


def test_a_keyword_with_a_nul_still_lands(client):
    KeywordLandingFactory(keyword="orange", target="url", url="/promotions/")

    response = client.get("/search/?q=orange%00")

    assert response.status_code == 302  # a landing on a page that is not a listing
    assert response["Location"] == "/promotions/"


def test_a_path_with_a_control_character_is_not_found(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("shopper"))

    for path in (
        "/orders/%00/",
        "/orders/a%00b/",
        "/products/%01/",
        "/orders/%C2%85/",
        "/cart/%00",
    ):
        response = client.get(path, **EN)
        assert response.status_code == 404, path
        assert "This page is not here" in response.content.decode()


def test_a_vendors_product_search_with_a_nul_lists_every_product(client, django_user_model):
    owner = django_user_model.objects.create_user("owner")
    vendor = VendorFactory(status="approved")
    VendorMemberFactory(vendor=vendor, user=owner)
    ProductFactory(vendor=vendor, name="秭归脐橙", name_en="Zigui navel oranges")
    client.force_login(owner)

    response = client.get("/vendor/products/?q=%00", **EN)

    assert response.status_code == 200
    assert "Zigui navel oranges" in response.content.decode()


def test_a_session_cookie_with_a_nul_is_a_fresh_session_and_is_forgotten(client):
    product = ProductFactory(name="秭归脐橙")
    client.cookies["sessionid"] = "\x00"

    for path in ("/", product.get_absolute_url(), "/cart/", "/accounts/login/"):
        response = client.get(path, **EN)
        assert response.status_code == 200, path
        assert response.cookies["sessionid"].value == "", path  # the browser forgets it
        assert response.cookies["sessionid"]["max-age"] == 0
        client.cookies["sessionid"] = "\x00"

    response = client.post(reverse("orders:cart_add", args=[product.pk]), {"quantity": 1})
    assert response.status_code == 302
    assert Cart.objects.get().items.get().product == product  # the new session's cart
    assert client.cookies["sessionid"].value not in ("", "\x00")


def test_a_signed_in_shopper_stays_signed_in_when_another_cookie_holds_a_nul(
    client, django_user_model
):
    client.force_login(django_user_model.objects.create_user("shopper"))
    client.cookies["django_language"] = "en\x00"

    response = client.get(reverse("orders:history"))

    assert response.status_code == 200
    assert response.cookies["django_language"].value == ""
    assert response.context["user"].username == "shopper"


def test_a_sign_in_with_control_characters_in_its_headers_is_recorded_with_spaces(client):
    response = client.post(
        reverse("login"),
        {"username": "nobody", "password": "wrong"},
        HTTP_USER_AGENT="curl\x00/8\x1b[0m",
        HTTP_ACCEPT="text/html\x00",
    )

    assert response.status_code == 200
    attempt = AccessAttempt.objects.get()
    assert (attempt.user_agent, attempt.http_accept) == ("curl /8 [0m", "text/html ")


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Null characters are not allowed."),
        ("zh-hans", "不能包含空字符（NUL），请删除后再提交。"),
    ],
)
def test_a_form_field_with_a_nul_shows_a_clear_error_and_saves_nothing(
    client, django_user_model, language, message
):
    user = django_user_model.objects.create_user("shopper")
    client.force_login(user)

    response = client.post(
        reverse("orders:address_add"),
        {
            "recipient": "张\x00三",
            "mobile": "13912345678",
            "province": "湖北省",
            "city": "武汉市",
            "district": "江汉区",
            "street": "解放大道 1 号",
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Address.objects.count() == 0


# --- every URL pattern, every actor --------------------------------------------------------


class _FieldNames(HTMLParser):
    def __init__(self):
        super().__init__()
        self.names = set()

    def handle_starttag(self, tag, attrs):
        name = dict(attrs).get("name")
        if tag in ("input", "select", "textarea", "button") and name:
            self.names.add(name)


def _field_names(response):
    if "html" not in response.get("Content-Type", "") or response.streaming:
        return set()
    parser = _FieldNames()
    parser.feed(response.content.decode(response.charset, "replace"))
    return parser.names - {"csrfmiddlewaretoken"}


def _leaves(patterns, prefix=(), namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _leaves(pattern.url_patterns, (*prefix, pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield (*prefix, pattern.pattern), f"{namespace}{pattern.name or ''}"


def _fill(pattern, value):
    """The pattern's text with each parameter given value(parameter name)."""
    text = str(pattern)
    if text.startswith("^") or "(?P<" in text:  # a regex: admin's app list, catch-alls
        text = re.sub(r"\(\?P<app_label>[^)]*\)", lambda m: value("app_label"), text)
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: value(m[1]), text)
        return text.strip("^$")
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: value(m[1]), text)


@pytest.fixture
def store(django_user_model):
    """A shop with a published product, its photo, promotion and stream; a shopper with an
    address and an order from that shop; the shop's owner and a member; staff."""
    owner = django_user_model.objects.create_user("owner", email="owner@example.cn")
    vendor = VendorFactory(status="approved")
    VendorMemberFactory(vendor=vendor, user=owner)
    helper = django_user_model.objects.create_user("helper")
    member = VendorMemberFactory(vendor=vendor, user=helper, role=VendorMember.Role.STAFF)
    product = ProductFactory(vendor=vendor, name="秭归脐橙", stock=50, price=Decimal("59.90"))
    photo = add_photo(product)
    promotion = running_promotion(product)
    start = timezone.now() - timedelta(hours=1)
    stream = LiveStreamFactory(
        title="直播",
        title_en="Stream",
        slug="live-now",
        host_name="王县长",
        host_title="县长",
        county=County.objects.get(slug="zigui"),
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=2),
        state="live",
    )
    FeaturedProductFactory(stream=stream, product=product)
    shopper = django_user_model.objects.create_user("shopper", email="shopper@example.cn")
    address = AddressFactory(user=shopper, is_default=True)
    template = FreightTemplateFactory(vendor=vendor, is_default=True)
    for group in ("hubei", "neighbours", "mainland"):
        FreightRateFactory(template=template, group=group, free_over=Decimal("99.00"))
    cart = Cart.objects.create(user=shopper)
    order_services.add_to_cart(cart, product, 2)
    order = order_services.place_order(
        cart,
        shopper=shopper,
        address=address,
        payment_method="cod",
        idempotency_key=uuid.uuid4().hex,
    )
    order_services.add_to_cart(cart, product, 1)
    line = OrderLine.objects.get(part__order=order)
    aftersales = open_request(
        line, shopper=shopper, kind="cancel_line", reason="not_needed", quantity=1
    )
    staff = django_user_model.objects.create_user("staff", is_staff=True, is_superuser=True)
    review = make_review(product, author=shopper, reply="谢谢")
    values = {
        "product_id": product.pk,
        "photo_id": photo.pk,
        "member_id": member.pk,
        "part_id": order.parts.get().pk,
        "template_id": template.pk,
        "number": order.number,
        "pk": address.pk,
        "uidb64": urlsafe_base64_encode(force_bytes(shopper.pk)),
        "token": default_token_generator.make_token(shopper),
        "content_type_id": ContentType.objects.get_for_model(Product).pk,
        "app_label": "catalog",
        "url": "no-such-page/",
        "path": "products/nothing.jpg",
        "id": shopper.pk,
        # The old admin addresses of the models orders gave notifications (redirects).
        "model": "notification",
        "rest": "",
        "gateway": "alipay",  # payments:notify
        "order_number": order.number,
        "line_id": line.pk,
        "review_id": review.pk,
        "aftersales_number": aftersales.number,
        "step": "withdraw",  # a shopper's; the shop's steps of that name are a 404
    }
    slugs = {
        "catalog:product": product.slug,
        "catalog:category": product.category.slug,
        "catalog:county": product.origin_county.slug,
        "catalog:vendor": vendor.slug,
        "catalog:promotion": promotion.slug,
        "livestream": stream.slug,
        "review_pages": product.slug,
    }
    return {
        "actors": {None: None, "shopper": shopper, "owner": owner, "staff": staff},
        "values": values,
        "slugs": slugs,
    }


def _real_value(store, name, prefix):
    def value(param):
        if param == "slug":
            key = next(k for k in store["slugs"] if name.startswith(k))
            return str(store["slugs"][key])
        if param == "number" and name and "aftersales" in name:
            return str(store["values"]["aftersales_number"])
        if param == "object_id" and name == "admin:view_on_site":
            return str(store["values"]["product_id"])
        if param == "object_id":  # the admin model's first row; "1" when it has none
            app_label, model_name = str(prefix[1]).strip("/").split("/")
            model = next(
                m
                for m in admin.site._registry
                if (m._meta.app_label, m._meta.model_name) == (app_label, model_name)
            )
            first = model._default_manager.order_by("pk").first()
            return str(first.pk) if first else "1"
        return str(store["values"][param])

    return value


def _urls(store):
    """(name, path filled with real values, path filled with NUL-laden values), with the
    pages that undo something last."""
    urls = []
    for patterns, name in _leaves(get_resolver().url_patterns):
        value = _real_value(store, name, patterns)
        real = "/" + "".join(_fill(p, value) for p in patterns)
        nul = "/" + "".join(_fill(p, lambda param: "1\x00") for p in patterns)
        if nul == real:  # no parameter: a NUL after the path instead
            nul = real + "\x00"
        urls.append((name, real, nul))
    return sorted(urls, key=lambda url: bool(DESTRUCTIVE.search(url[0] or url[1])))


def _client(user):
    client = Client(**NUL_HEADERS)
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = "\x00"
    client.cookies["csrftoken"] = "a\x00b"
    client.cookies["tracking"] = "\x00<"
    if user is None:
        client.cookies["sessionid"] = "\x00"
    return client


def _still_signed_in(client, user):
    if user is not None and client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)
    client.cookies["django_language"] = "\x00"


def test_no_url_answers_a_control_character_with_a_server_error(store):
    started = time.monotonic()
    failures, requests = [], 0
    urls = _urls(store)
    assert len(urls) >= 200  # every pattern of the URLconf, the admin's included
    query = {name: "\x00" for name in QUERY_NAMES} | {"q": "orange\x00", "page": "2\x00"}

    def send(label, method, name, path, data):
        nonlocal requests
        requests += 1
        try:
            response = getattr(client, method)(path, data)
        except Exception as error:  # noqa: BLE001 (every failure is reported, then asserted)
            failures.append((label, method, name, repr(path), repr(error)[:300]))
            return None
        if response.status_code >= 500:
            failures.append((label, method, name, repr(path), response.status_code))
        return response

    for label, user in store["actors"].items():
        client = _client(user)
        for name, real, nul in urls:
            if real.startswith("/admin/") and label not in ("staff", None):
                continue  # staff only: the visitor's pass already walks its refusals
            response = send(label, "get", name, real, query)
            fields = FORM_NAMES + tuple(_field_names(response) if response else ())
            send(label, "post", name, real, {field: "1\x00<" for field in fields})
            send(label, "get", name, nul, {})
            send(label, "post", name, nul, {"q": "\x00"})
            _still_signed_in(client, user)

    assert failures == [], "\n".join(map(repr, failures))
    assert requests >= 4 * len(urls)
    assert time.monotonic() - started < 60


def test_a_vendors_product_name_with_an_escape_sequence_is_refused_and_saves_nothing(
    client, django_user_model
):
    owner, vendor = make_shop(django_user_model)
    client.force_login(owner)

    response = client.post(
        reverse("vendor:product_create"),
        vendor_product_form(
            name="秭归\x1b[31m脐橙", description="茅坪镇果园直发。\r\n\t一箱五公斤。"
        ),
        **EN,
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": [
            "This text holds invisible control characters; type it again or paste it as plain text."
        ]
    }
    assert Product.objects.count() == 0
