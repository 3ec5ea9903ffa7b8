"""A shopper reading English on a phone: the products' own texts, the cart and the
messages are in English, not half Chinese."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Product
from notifications.models import LanguagePreference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def zone(transactional_db):
    call_command("seed_demo", products=60, no_progress=True, stdout=StringIO())


def test_an_english_reader_shops_and_reads_messages_in_english(
    browser, live_server, zone, screenshot
):
    oranges = (
        Product.objects.visible()
        .filter(pack_size="5kg 箱装", stock__gt=5, origin_county__slug="zigui")
        .order_by("pk")
        .first()
    )
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="en-US",
        extra_http_headers={"Accept-Language": "en-US,en;q=0.9"},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(live_server.url + "/products/?county=zigui&category=citrus")
    card = page.locator("article.card", has=page.locator(f"a[href='{oranges.get_absolute_url()}']"))
    assert "/ 5 kg box" in card.inner_text()
    assert "箱装" not in page.locator("main").inner_text()
    screenshot(page, "14-listing-phone-en")

    page.goto(live_server.url + oranges.get_absolute_url())
    info = page.locator(".product-info").inner_text()
    assert oranges.name_en in info and "5 kg box" in info
    assert "Zigui navel orange" in page.locator(".product-info .badge").first.inner_text()
    assert oranges.description_en in info and oranges.description not in info
    screenshot(page, "14b-product-phone-en")
    page.locator(".add-to-cart button").click()
    page.wait_for_selector("#cart-feedback .notice-ok")

    page.locator(".cart-link").click()
    page.wait_for_url("**/cart/")
    cart = page.locator("main").inner_text()
    assert "/ 5 kg box" in cart and oranges.name_en in cart
    assert "箱装" not in cart and oranges.name not in cart
    screenshot(page, "14c-cart-phone-en")

    # Sign up on the way to checkout: the account reads English from now on.
    page.locator(".cart-summary a.button").click()
    page.wait_for_url("**/accounts/login/?next=/checkout/")
    page.locator("a[href^='/accounts/sign-up/']").click()
    page.fill("input[name=username]", "tom")
    page.fill("input[name=email]", "tom@example.com")
    page.fill("input[name=password1]", "a-long-passphrase-2020")
    page.fill("input[name=password2]", "a-long-passphrase-2020")
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_url("**/checkout/")
    assert LanguagePreference.objects.get(user__username="tom").language == "en"
    page.locator("fieldset a.button").click()  # add a delivery address
    page.fill("input[name=recipient]", "Tom Smith")
    page.fill("input[name=mobile]", "138 1234 5678")
    page.select_option("select[name=province]", "湖北省")
    page.wait_for_selector("select[name=city] option[value=武汉市]", state="attached")
    page.select_option("select[name=city]", "武汉市")
    page.wait_for_selector("select[name=district] option[value=江汉区]", state="attached")
    page.select_option("select[name=district]", "江汉区")
    page.fill("input[name=street]", "1 Jiefang Avenue")
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_url("**/checkout/")
    page.locator("form.checkout-form button[type=submit]").click()

    page.wait_for_url("**/orders/HB*/")
    part = page.locator(".order-part").inner_text()
    assert f"{oranges.name_en} · 5 kg box" in part
    screenshot(page, "14d-order-phone-en")

    page.wait_for_function(
        "() => document.querySelector('.inbox-link .cart-count')?.textContent.trim() === '1'"
    )
    page.locator(".inbox-link").click()
    page.wait_for_url("**/accounts/inbox/")
    message = page.locator(".inbox-message").first.inner_text()
    assert "Your order HB" in message and "is placed" in message
    assert "Thank you for your order" in message and oranges.name_en in message
    assert "已提交" not in message and oranges.name not in message
    screenshot(page, "14e-inbox-phone-en")
    context.close()
