"""Issue #20's journeys in Chromium. On a phone, in Chinese: a shopper pays live Qianjiang
crayfish with Alipay at the sandbox gateway, receives them dead, asks for a refund with
a photo; the shop offers half from its dashboard; the shopper asks the platform to step
in; staff, in the admin in English, refund in full through the sandbox gateway; the
shopper's inbox, order page and request page say so. Then a return and refund of a cash
on delivery order: the shop gives its address, the shopper enters the carrier and the
tracking number, the shop confirms the goods arrived, and the shop owes the money."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from aftersales.models import AfterSalesRequest
from aftersales.states import State
from catalog.models import Category
from demo.aftersales import seed_aftersales_hours
from gateway_sandbox.models import SandboxRefund
from orders.models import OrderLine
from orders.services.lifecycle import ship_part
from payments.models import Payment, Refund
from tests.aftersales.helpers import placed, received, with_freight
from tests.browser.helpers import PASSWORD, sign_in, staff_and_shopper
from tests.browser.test_csp import watched_context
from tests.browser.test_payment_journey import buy, fits_the_screen, new_page
from tests.factories import ProductFactory, VendorMemberFactory, image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 1000}
DEAD = "打开箱子，一半以上的小龙虾已经死了，有异味。"
OFFER_NOTE = "只有一部分死了，按一半退款。"
ESCALATION = "照片里看得很清楚，大部分都死了，请平台处理。"
DECISION = "The photo shows most of the crayfish dead on arrival: refunded in full."
RETURN_ADDRESS = "潜江市园林街道 虾乡路 8 号 潜江虾乡合作社 售后部 李明 13800000000"


@pytest.fixture
def store(sandbox_site):
    """The reference data (the crayfish category: 48 hours after receipt), staff, the
    shopper in Wuhan, live crayfish of a shop that charges shipping to Hubei (¥8 the
    first kg), and the shop's owner."""
    staff, shopper = staff_and_shopper()
    seed_aftersales_hours()
    crayfish = ProductFactory(
        name="潜江小龙虾 鲜活 1公斤",
        name_en="Live Qianjiang crayfish 1 kg",
        vendor__name="潜江虾乡合作社",
        vendor__name_en="Qianjiang Crayfish Village Co-op",
        category=Category.objects.get(slug="crayfish"),
        price=Decimal("88.00"),
        net_weight_g=1000,
        pack_size="1 公斤箱",
        stock=50,
    )
    with_freight(crayfish.vendor)
    owner = get_user_model().objects.create_user(
        "liming", email="liming@example.cn", password=PASSWORD
    )
    VendorMemberFactory(vendor=crayfish.vendor, user=owner)
    return staff, shopper, crayfish


@pytest.fixture
def csp_violations():
    violations = []
    yield violations
    assert violations == []


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "dead-crayfish.jpg"
    path.write_bytes(image_bytes(size=(800, 600), color=(150, 40, 30)))
    return path


def texts(page, selector):
    return [" ".join(text.split()) for text in page.locator(selector).all_inner_texts()]


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def image_shows(locator):
    locator.first.wait_for()
    return locator.first.evaluate("img => img.complete && img.naturalWidth > 0")


def desk_page(browser, violations, locale):
    return watched_context(
        browser,
        violations,
        viewport=DESKTOP,
        locale=locale,
        extra_http_headers={"Accept-Language": locale},
    )


def ask_on_the_phone(phone, *, kind, reason, description, photo):
    """From the order page, the line's 申请售后: the kind, the reason, what happened, a
    photo; sent. Returns the request."""
    phone.locator(".line-aftersales a.aftersales-link").first.click()
    phone.wait_for_url("**/lines/*/aftersales/")
    phone.locator(f"input[name=kind][value={kind}]").check()
    phone.select_option("select[name=reason]", reason)
    phone.fill("textarea[name=description]", description)
    phone.set_input_files("input[name=photos]", str(photo))
    return phone


def test_dead_crayfish_half_offered_escalated_refunded_in_full(
    browser, store, sandbox_site, screenshot, csp_violations, photo
):
    _staff, _shopper, crayfish = store
    base = sandbox_site.url

    # 1. On the phone: bought, paid with Alipay at the sandbox gateway.
    phone = new_page(browser, csp_violations, phone=True, locale="zh-CN")
    order = buy(phone, sandbox_site, crayfish, "alipay")
    phone.get_by_role("button", name="去支付").click()
    phone.wait_for_url("**/sandbox-gateway/alipay/cashier/**")
    phone.get_by_role("button", name="确认付款").click()
    phone.wait_for_url(f"**/orders/{order.number}/")
    assert phone.locator(".facts .badge").inner_text() == "已确认"
    order.refresh_from_db()
    part = order.parts.get()
    assert (part.subtotal, part.shipping_fee) == (Decimal("88.00"), Decimal("8.00"))
    payment = Payment.objects.get(order=order, state=Payment.State.PAID)
    assert payment.amount == Decimal("96.00")

    # The shop ships; the shopper confirms receipt on the order page.
    ship_part(part, carrier="sf", tracking_number="SF1400111222333", by=None)
    phone.reload()
    phone.locator("a.receive-button").click()
    phone.get_by_role("button", name="是的，我已收到").click()
    phone.wait_for_selector("text=已确认收货，谢谢！")
    part.refresh_from_db()
    closes = local(part.delivered_at + timedelta(hours=48))
    line_box = phone.locator(".line-aftersales")
    assert line_box.locator("a.aftersales-link").inner_text() == "申请售后"
    assert line_box.locator(".aftersales-window").inner_text() == f"售后截止：{closes}"
    fits_the_screen(phone)
    screenshot(phone, "i20-order-received-phone-zh")

    # 2. 申请售后 → 仅退款, 商品变质/死亡, a photo: the page says the window and the cap.
    ask_on_the_phone(phone, kind="refund_only", reason="spoiled", description=DEAD, photo=photo)
    assert closes in phone.locator(".aftersales-window").inner_text()
    assert "¥96.00" in phone.locator(".aftersales-cap").inner_text()
    assert phone.locator("input[name=amount]").input_value() == "96.00"
    fits_the_screen(phone)
    screenshot(phone, "i20-request-form-phone-zh")
    phone.locator("form.aftersales-form button[type=submit]").click()
    phone.wait_for_url("**/aftersales/SH*/")

    request = AfterSalesRequest.objects.get(order=order)
    assert (request.state, request.amount, request.shipping) == (
        State.REQUESTED,
        Decimal("96.00"),
        Decimal("8.00"),
    )
    assert request.photos.count() == 1
    assert request.number in phone.locator(".message-success").inner_text()
    assert phone.locator(".aftersales-state").inner_text() == "待店铺处理"
    assert local(request.due_at) in phone.locator(".aftersales-deadline").inner_text()
    assert phone.locator(".amount-asked").inner_text().startswith("¥96.00")
    assert image_shows(phone.locator(".aftersales-photos img"))
    fits_the_screen(phone)
    screenshot(phone, "i20-request-sent-phone-zh")

    # 3. The shop, on a computer in Chinese: the open request with its deadline.
    shop = desk_page(browser, csp_violations, "zh-CN")
    sign_in(shop, f"{base}/accounts/login/?next=/vendor/aftersales/", "liming")
    shop.wait_for_url("**/vendor/aftersales/")
    row = shop.locator(f".aftersales-list tr:has-text('{request.number}')")
    assert row.count() == 1
    assert "¥96.00" in row.inner_text()
    assert local(request.due_at) in row.locator(".aftersales-deadline").inner_text()
    screenshot(shop, "i20-vendor-open-requests-desktop-zh")
    row.get_by_role("link", name=request.number).click()
    shop.wait_for_url(f"**/vendor/aftersales/{request.number}/")
    assert image_shows(shop.locator(".aftersales-photos img"))
    assert DEAD in shop.locator(".aftersales-facts .description").inner_text()
    shop.locator("details.aftersales-offer summary").click()
    shop.fill(".aftersales-offer input[name=amount]", "48.00")
    shop.fill(".aftersales-offer textarea[name=note]", OFFER_NOTE)
    screenshot(shop, "i20-vendor-offers-half-desktop-zh")
    shop.locator(".aftersales-offer button[type=submit]").click()
    shop.wait_for_selector(".message-success")
    request.refresh_from_db()
    assert (request.state, request.offered_amount) == (State.OFFERED, Decimal("48.00"))
    screenshot(shop, "i20-vendor-offered-desktop-zh")

    # 4. The shopper: the offer on the request's page, a message in the inbox.
    phone.reload()
    assert phone.locator(".aftersales-state").inner_text() == "店铺提出部分退款"
    assert phone.locator(".amount-offered").inner_text() == "¥48.00"
    assert OFFER_NOTE in phone.locator(".aftersales-timeline").inner_text()
    fits_the_screen(phone)
    screenshot(phone, "i20-offer-on-request-phone-zh")
    phone.goto(f"{base}/accounts/inbox/")
    latest = phone.locator(".inbox-message").first
    assert "¥48.00" in latest.inner_text() and OFFER_NOTE in latest.inner_text()
    fits_the_screen(phone)
    screenshot(phone, "i20-inbox-offer-phone-zh")
    latest.locator("a").click()
    phone.wait_for_url(f"**/aftersales/{request.number}/")

    # Escalated, with a note.
    phone.fill(".escalate-form textarea[name=note]", ESCALATION)
    phone.locator(".escalate-form button[type=submit]").click()
    phone.wait_for_selector(".message-success")
    request.refresh_from_db()
    assert request.state == State.ESCALATED
    assert phone.locator(".aftersales-state").inner_text() == "平台介入中"
    assert local(request.due_at) in phone.locator(".aftersales-deadline").inner_text()
    fits_the_screen(phone)
    screenshot(phone, "i20-escalated-phone-zh")

    # 5. Staff, in the admin in English: the escalation queue, the request, Decide.
    desk = desk_page(browser, csp_violations, "en")
    sign_in(desk, f"{base}/admin/login/?next=/admin/aftersales/aftersalesrequest/", "staff")
    desk.wait_for_url("**/admin/aftersales/aftersalesrequest/?queue=staff")
    queue_row = desk.locator(f"#result_list tr:has-text('{request.number}')")
    assert queue_row.count() == 1
    assert "in 4" in queue_row.inner_text()  # due in 47–48 h
    screenshot(desk, "i20-admin-escalation-queue-desktop-en")
    queue_row.get_by_role("link", name=request.number).click()
    desk.wait_for_url(f"**/admin/aftersales/aftersalesrequest/{request.pk}/change/**")
    assert image_shows(desk.locator("img[src*='thumb'], .inline-group img"))
    history = desk.locator(".inline-group").last.inner_text()
    assert OFFER_NOTE in history and ESCALATION in history
    screenshot(desk, "i20-admin-request-desktop-en")
    desk.locator(".object-tools").get_by_role("link", name="Decide").click()
    desk.wait_for_url(f"**/{request.pk}/decide/")
    assert desk.locator("input[name=amount]").input_value() == "96.00"
    desk.fill("textarea[name=note]", DECISION)
    desk.check("input[name=confirm]")
    screenshot(desk, "i20-admin-decide-desktop-en")
    desk.locator("input[type=submit][value=Decide]").click()
    desk.wait_for_url(f"**/{request.pk}/change/")
    assert "¥96.00 refunded" in desk.locator(".messagelist").inner_text()
    screenshot(desk, "i20-admin-decided-desktop-en")

    # The refund went through the sandbox gateway (the worker, eager here, after commit).
    request.refresh_from_db()
    assert (request.state, request.refunded_amount) == (State.REFUNDED, Decimal("96.00"))
    refund = Refund.objects.get()
    assert request.refund_id == refund.pk
    assert (refund.amount, refund.state) == (Decimal("96.00"), Refund.State.SUCCEEDED)
    held = SandboxRefund.objects.get(trade__trade_number=payment.trade_number)
    assert (held.refund_number, held.amount_fen) == (refund.refund_number, 9600)
    line = OrderLine.objects.get(part=part)
    assert (line.refunded_quantity, line.refunded_amount) == (1, Decimal("88.00"))

    # 6. The shopper: the inbox, the order page, the request's page and its timeline.
    phone.goto(f"{base}/accounts/inbox/")
    bodies = texts(phone, ".inbox-message")
    assert any("¥96.00" in body and DECISION in body for body in bodies[:3])
    fits_the_screen(phone)
    screenshot(phone, "i20-inbox-refunded-phone-zh")
    phone.goto(f"{base}/orders/{order.number}/")
    assert phone.locator(".line-aftersales .aftersales-refunded").inner_text() == "已退款 ¥96.00"
    fits_the_screen(phone)
    screenshot(phone, "i20-order-refunded-phone-zh")
    phone.locator(".line-aftersales .aftersales-refunded").click()
    phone.wait_for_url(f"**/aftersales/{request.number}/")
    assert phone.locator(".aftersales-state").inner_text() == "已退款"
    assert phone.locator(".amount-refunded").inner_text().startswith("¥96.00")
    steps = [step.split(" ", 2)[2] for step in texts(phone, ".aftersales-timeline li")]
    assert [step.split(" · ")[0] for step in steps] == [
        "待店铺处理",
        "店铺提出部分退款",
        "平台介入中",
        "已退款",
    ]
    assert phone.locator("#aftersales-timeline").inner_text() == "售后进度"
    assert phone.locator(".escalate-form, .accept-form, .withdraw-link").count() == 0
    fits_the_screen(phone)
    screenshot(phone, "i20-request-refunded-phone-zh")


def test_a_return_and_refund_of_a_cash_on_delivery_order(
    browser, store, sandbox_site, screenshot, csp_violations, photo
):
    _staff, shopper, crayfish = store
    base = sandbox_site.url
    order = received(placed((crayfish, 2), shopper=shopper))

    # The shopper asks for a return of both boxes (damaged in transit), on a phone.
    phone = new_page(browser, csp_violations, phone=True, locale="zh-CN")
    sign_in(phone, f"{base}/accounts/login/?next=/orders/{order.number}/", "xiaohong")
    phone.wait_for_url(f"**/orders/{order.number}/")
    ask_on_the_phone(
        phone, kind="return_refund", reason="damaged", description="箱子压坏了。", photo=photo
    )
    fits_the_screen(phone)
    screenshot(phone, "i20-return-form-phone-zh")
    phone.locator("form.aftersales-form button[type=submit]").click()
    phone.wait_for_url("**/aftersales/SH*/")
    request = AfterSalesRequest.objects.get(order=order)
    assert (request.kind, request.amount) == ("return_refund", Decimal("186.00"))

    # The shop approves the return with its address (on a phone too, in Chinese).
    shop = new_page(browser, csp_violations, phone=True, locale="zh-CN")
    sign_in(shop, f"{base}/accounts/login/?next=/vendor/aftersales/{request.number}/", "liming")
    shop.wait_for_url(f"**/vendor/aftersales/{request.number}/")
    shop.fill("textarea[name=return_address]", RETURN_ADDRESS)
    screenshot(shop, "i20-vendor-approves-return-phone-zh")
    shop.locator("form[action$='/approve-return/'] button[type=submit]").click()
    shop.wait_for_selector(".message-success")
    request.refresh_from_db()
    assert request.state == State.AWAITING_RETURN

    # The shopper reads the address and enters the carrier and tracking number.
    phone.reload()
    assert phone.locator(".return-address").inner_text() == RETURN_ADDRESS
    phone.select_option(".return-form select[name=carrier]", "sf")
    phone.fill(".return-form input[name=tracking_number]", "SF1400555666777")
    fits_the_screen(phone)
    screenshot(phone, "i20-return-address-phone-zh")
    phone.locator(".return-form button[type=submit]").click()
    phone.wait_for_selector(".message-success")
    request.refresh_from_db()
    assert (request.state, request.return_carrier) == (State.RETURNING, "sf")
    assert "SF1400555666777" in phone.locator(".aftersales-return").inner_text()
    # The step in the timeline names the carrier as the shopper reads it, not its code.
    sent = phone.locator(".aftersales-timeline li.step-returning .event-note")
    assert sent.inner_text() == "顺丰速运 SF1400555666777"
    screenshot(phone, "i20-return-sent-phone-zh")

    # The shop confirms the goods arrived: refunded, owed by the shop, back in stock.
    stock_before = type(crayfish).objects.get(pk=crayfish.pk).stock
    shop.reload()
    assert "SF1400555666777" in shop.locator(".aftersales-answers").inner_text()
    history = texts(shop, ".aftersales-timeline li")
    assert history[-1].endswith("买家：退货寄回中 — 顺丰速运 SF1400555666777")
    fits_the_screen(shop)
    screenshot(shop, "i20-vendor-goods-arrived-phone-zh")
    shop.locator("form[action$='/received/'] button[type=submit]").click()
    shop.wait_for_selector(".message-success")
    request.refresh_from_db()
    assert (request.state, request.refunded_amount) == (State.REFUNDED, Decimal("186.00"))
    assert request.owed_by_shop and request.refund_id is None
    assert type(crayfish).objects.get(pk=crayfish.pk).stock == stock_before + 2
    screenshot(shop, "i20-vendor-return-refunded-phone-zh")

    phone.reload()
    assert phone.locator(".aftersales-state").inner_text() == "已退款"
    assert "店铺应退还您 ¥186.00" in phone.locator(".amount-refunded").inner_text()
    fits_the_screen(phone)
    screenshot(phone, "i20-return-refunded-phone-zh")
    phone.goto(f"{base}/orders/{order.number}/")
    line_box = phone.locator(".line-aftersales")
    assert line_box.locator(".aftersales-refunded").inner_text() == "已退款 ¥186.00"
    assert line_box.locator(".aftersales-owed").inner_text() == "由店铺退还"
    fits_the_screen(phone)
    screenshot(phone, "i20-return-order-page-phone-zh")
