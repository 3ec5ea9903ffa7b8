import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from PIL import Image

from catalog import services
from catalog.models import ProductImage
from tests.factories import ProductFactory, admin_product_form, image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def jpeg_with_gps():
    image = Image.new("RGB", (800, 600), (250, 140, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 35.0, 0.0), 3: "E", 4: (114.0, 17.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def bomb_png(width=8000, height=6000):
    """48 megapixels of one colour: a few KB on disk, 144 MB once decoded."""
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def noisy_jpeg():
    """A JPEG whose data does not compress away, so cutting it leaves it incomplete."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (200, 200), bytes(range(256)) * 468 + bytes(192)).save(
        buffer, format="JPEG", quality=95
    )
    return buffer.getvalue()


def test_photo_is_re_encoded_without_exif_under_a_random_name(settings):
    product = ProductFactory()

    photo = services.add_product_photo(product, upload("IMG_2020 家里.jpg", jpeg_with_gps()))

    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG"
        assert stored.getexif() == {}
        assert stored.size == (800, 600)
    with Image.open(photo.thumbnail.path) as thumbnail:
        assert thumbnail.size == (480, 480)
    assert "IMG_2020" not in photo.image.name
    assert photo.image.name.startswith("products/") and len(photo.image.name) == len(
        "products/"
    ) + 32 + len(".jpg")
    assert len(stored_files(settings)) == 2


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted(fmt):
    product = ProductFactory()

    photo = services.add_product_photo(product, upload(f"p.{fmt.lower()}", image_bytes(fmt)))

    assert photo.image.name.endswith(".jpg")


@pytest.mark.parametrize(
    ("name", "content", "code", "message"),
    [
        (
            "oranges.jpg",
            b"these are not the oranges you are looking for",
            "not_an_image",
            "This file is not a photo. Upload a JPEG, PNG or WebP image.",
        ),
        (
            "oranges.gif",
            image_bytes("GIF"),
            "wrong_format",
            "Photos must be JPEG, PNG or WebP; this one is GIF.",
        ),
        (
            "bomb.png",
            bomb_png(),
            "too_many_pixels",
            "This photo is 48.0 megapixels; photos may be at most 40 megapixels.",
        ),
        (
            "huge-bomb.png",
            bomb_png(20000, 10000),
            "too_many_pixels",
            "This photo has too many pixels to open safely; photos may be at most 40 megapixels.",
        ),
        (
            "truncated.jpg",
            noisy_jpeg()[:6000],
            "broken_image",
            "This photo is damaged or incomplete and cannot be read.",
        ),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_message_and_nothing_stored(
    settings, name, content, code, message
):
    product = ProductFactory()

    with pytest.raises(ValidationError) as refused:
        services.add_product_photo(product, upload(name, content))

    assert refused.value.code == code
    assert refused.value.messages == [message]
    assert ProductImage.objects.count() == 0
    assert stored_files(settings) == []


def test_oversized_upload_is_refused_before_it_is_opened(settings):
    settings.PRODUCT_PHOTO_MAX_BYTES = 10 * 1024 * 1024
    product = ProductFactory()
    big = image_bytes("JPEG") + b"\0" * (11 * 1024 * 1024)

    with pytest.raises(ValidationError) as refused:
        services.add_product_photo(product, upload("big.jpg", big))

    assert refused.value.code == "too_large"
    assert refused.value.messages == ["This photo is 11 MB; photos may be at most 10 MB."]
    assert ProductImage.objects.count() == 0
    assert stored_files(settings) == []


def test_staff_upload_of_a_text_file_shows_the_error_and_stores_nothing(staff_client, settings):
    product = ProductFactory()
    url = reverse("admin:catalog_product_change", args=[product.pk])

    response = staff_client.post(
        url, admin_product_form(product, photos=[upload("x.jpg", b"hello")])
    )

    assert response.status_code == 200
    assert (
        "This file is not a photo. Upload a JPEG, PNG or WebP image." in response.content.decode()
    )
    assert ProductImage.objects.count() == 0
    assert stored_files(settings) == []


def test_staff_upload_of_a_photo_adds_it_to_the_product_page(staff_client, client, settings):
    product = ProductFactory()
    url = reverse("admin:catalog_product_change", args=[product.pk])

    response = staff_client.post(
        url, admin_product_form(product, photos=[upload("x.png", image_bytes("PNG"))])
    )

    assert response.status_code == 302
    photo = ProductImage.objects.get(product=product)
    assert len(stored_files(settings)) == 2
    assert photo.image.url in client.get(product.get_absolute_url()).content.decode()


def test_a_deleted_photo_stops_being_served(
    staff_client, settings, django_capture_on_commit_callbacks
):
    product = ProductFactory()
    photo = services.add_product_photo(product, upload())
    assert len(stored_files(settings)) == 2
    data = admin_product_form(product)
    data.update(
        {
            "images-TOTAL_FORMS": "1",
            "images-INITIAL_FORMS": "1",
            "images-0-id": photo.pk,
            "images-0-product": product.pk,
            "images-0-alt_text": "",
            "images-0-position": "0",
            "images-0-DELETE": "on",
        }
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:catalog_product_change", args=[product.pk]), data
        )

    assert response.status_code == 302
    assert ProductImage.objects.count() == 0
    assert stored_files(settings) == []


def test_shared_demo_photos_survive_a_product_photo_deletion(
    settings, django_capture_on_commit_callbacks
):
    product = ProductFactory()
    shared = settings.MEDIA_ROOT / "products" / "demo" / "tea-1.jpg"
    shared.parent.mkdir(parents=True)
    shared.write_bytes(image_bytes())
    photo = ProductImage.objects.create(
        product=product, image="products/demo/tea-1.jpg", thumbnail="products/demo/tea-1.jpg"
    )

    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()

    assert shared.exists()


HTML = b"<html><script>alert(document.cookie)</script></html>"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
    b'02/22-rdf-syntax-ns#"><rdf:Description>' + HTML + b"</rdf:Description></rdf:RDF>"
    b"</x:xmpmeta>"
)
# Markers a pixels-only baseline or progressive JPEG may hold: SOI, APP0 (JFIF), DQT,
# SOF0-2, DHT, DRI, SOS, EOI. Never COM (FFFE) or APP1-APP15 (EXIF, XMP, ICC, Adobe...).
PIXEL_MARKERS = {0xD8, 0xE0, 0xDB, 0xC0, 0xC1, 0xC2, 0xC4, 0xDD, 0xDA, 0xD9}


def _metadata():
    from PIL import ImageCms

    exif = Image.Exif()
    exif[0x010E] = HTML.decode()  # ImageDescription
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return exif, icc


def jpeg_html_polyglot():
    """A JPEG whose comment, EXIF and XMP hold a web page, with an ICC profile too."""
    exif, icc = _metadata()
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (250, 140, 30)).save(
        buffer, format="JPEG", comment=HTML, exif=exif, xmp=XMP, icc_profile=icc
    )
    return buffer.getvalue()


def png_html_polyglot():
    """A PNG with a `comment` text chunk holding a web page, XMP, EXIF and ICC chunks."""
    from PIL import PngImagePlugin

    exif, icc = _metadata()
    text = PngImagePlugin.PngInfo()
    text.add_text("comment", HTML.decode())
    text.add_itxt("XML:com.adobe.xmp", XMP.decode())
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 140, 250)).save(
        buffer, format="PNG", pnginfo=text, exif=exif, icc_profile=icc
    )
    return buffer.getvalue()


def jpeg_markers(data):
    """The marker bytes of a JPEG's segments, in order, from SOI to EOI."""
    assert data[:2] == b"\xff\xd8"
    markers, i = [0xD8], 2
    while i < len(data):
        assert data[i] == 0xFF, f"no marker at byte {i}"
        marker = data[i + 1]
        markers.append(marker)
        if marker == 0xD9:
            return markers
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        i += 2 + length
        if marker == 0xDA:  # entropy-coded data up to the next marker that is not RSTn
            while not (data[i] == 0xFF and data[i + 1] not in (0x00, *range(0xD0, 0xD8))):
                i += 1
    raise AssertionError("no EOI")


def assert_pixels_only(path):
    data = path.read_bytes()
    markers = jpeg_markers(data)
    assert set(markers) <= PIXEL_MARKERS, [hex(m) for m in markers]
    assert markers.count(0xE0) == 1
    assert b"JFIF\x00" in data[:20]
    assert b"script" not in data and b"xmpmeta" not in data and b"Exif" not in data
    with Image.open(path) as stored:
        assert set(stored.info) <= {
            "jfif",
            "jfif_version",
            "jfif_unit",
            "jfif_density",
            "progressive",
            "progression",
        }, stored.info


def assert_photos_hold_pixels_only(product):
    photos = list(product.images.all())
    assert len(photos) == 2
    for photo in photos:
        assert_pixels_only(Path(photo.image.path))
        assert_pixels_only(Path(photo.thumbnail.path))


def polyglot_uploads():
    return [
        upload("page.jpg", jpeg_html_polyglot()),
        upload("page.png", png_html_polyglot(), "image/png"),
    ]


def test_the_polyglots_carry_their_web_page_before_upload():
    for content in (jpeg_html_polyglot(), png_html_polyglot()):
        assert content.count(b"<script>") >= 2
    assert {0xFE, 0xE1, 0xE2} <= set(jpeg_markers(jpeg_html_polyglot()))


def test_a_vendors_polyglot_photos_are_stored_as_pixels_only(client, django_user_model):
    from catalog.models import Product
    from tests.factories import make_shop, vendor_product_form

    owner, vendor = make_shop(django_user_model)
    client.force_login(owner)

    response = client.post(
        reverse("vendor:product_create"), vendor_product_form(photos=polyglot_uploads())
    )

    assert response.status_code == 302
    assert_photos_hold_pixels_only(Product.objects.get(vendor=vendor))


def test_a_staff_members_polyglot_photos_are_stored_as_pixels_only(staff_client):
    product = ProductFactory()
    url = reverse("admin:catalog_product_change", args=[product.pk])

    response = staff_client.post(url, admin_product_form(product, photos=polyglot_uploads()))

    assert response.status_code == 302
    assert_photos_hold_pixels_only(product)
