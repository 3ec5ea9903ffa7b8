"""What the browser journeys share: the password of their users, signing in, and the
two kinds of visitor (staff at a desk in English, a shopper on a phone in Chinese)."""

from django.contrib.auth import get_user_model

from demo import catalog as seed
from tests.factories import AddressFactory

PASSWORD = "a-long-passphrase-2020"


def staff_and_shopper():
    """Hubei's places and categories, a superuser `staff` and a shopper `xiaohong` with a
    default address in Wuhan, all with PASSWORD."""
    seed.seed_reference_data()
    User = get_user_model()
    staff = User.objects.create_user("staff", password=PASSWORD, is_staff=True, is_superuser=True)
    shopper = User.objects.create_user("xiaohong", email="xh@example.cn", password=PASSWORD)
    AddressFactory(
        user=shopper, recipient="王小红", district="洪山区", street="珞喻路 1 号", is_default=True
    )
    return staff, shopper


def sign_in(page, url, username):
    """Open `url` (a sign-in page, store or admin) and sign in as `username`."""
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit], #content form input[type=submit]").click()


def staff_and_shopper_pages(browser):
    """(staff page: desktop, English; shopper page: phone, Chinese)."""
    staff = browser.new_context(
        viewport={"width": 1280, "height": 1000},
        locale="en-US",
        extra_http_headers={"Accept-Language": "en"},
    ).new_page()
    shopper = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN"},
    ).new_page()
    for page in (staff, shopper):
        page.set_default_timeout(15_000)
    return staff, shopper


PHONE = {"width": 390, "height": 844}


def phone_context(browser, locale="zh-CN"):
    """A browser context as a shopper's phone: its screen, its language asked of the site."""
    return browser.new_context(
        viewport=PHONE, locale=locale, extra_http_headers={"Accept-Language": locale}
    )
