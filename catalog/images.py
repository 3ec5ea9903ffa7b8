"""Product photos: refuse what is not a safe image, re-encode what is.

An upload must be JPEG, PNG or WebP, at most PRODUCT_PHOTO_MAX_BYTES and
PRODUCT_PHOTO_MAX_PIXELS. The size is checked before Pillow opens the file and the
pixel count before it decodes one (a decompression bomb is a few KB that unpacks to
gigabytes). What passes is decoded and re-encoded by Pillow as a fresh JPEG of pixels
only: no EXIF (GPS included), no comment, no XMP, no ICC profile, no text chunk, nothing
hidden after the image data (a JPEG or PNG that is also a web page keeps only its
picture), and stored under a random name with a square thumbnail beside it.
"""

import io
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# MPO is how Pillow names the JPEGs many phones write (a JPEG with extra frames).
ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
MAIN_MAX_SIDE = 1600
THUMBNAIL_SIDE = 480
JPEG_QUALITY = 85
SHARED_DEMO_PREFIX = ("products/demo/", "products/thumbs/demo/")

NOT_AN_IMAGE = _("This file is not a photo. Upload a JPEG, PNG or WebP image.")
WRONG_FORMAT = _("Photos must be JPEG, PNG or WebP; this one is %(format)s.")
TOO_LARGE = _("This photo is %(size)s MB; photos may be at most %(limit)s MB.")
TOO_MANY_PIXELS = _(
    "This photo is %(megapixels)s megapixels; photos may be at most %(limit)s megapixels."
)
FAR_TOO_MANY_PIXELS = _(
    "This photo has too many pixels to open safely; photos may be at most %(limit)s megapixels."
)
BROKEN_IMAGE = _("This photo is damaged or incomplete and cannot be read.")


def limits_help_text():
    """What the upload field tells staff and vendors, from the configured limits."""
    return _("JPEG, PNG or WebP, at most %(megabytes)s MB and %(megapixels)s megapixels.") % {
        "megabytes": _megabytes(settings.PRODUCT_PHOTO_MAX_BYTES),
        "megapixels": f"{settings.PRODUCT_PHOTO_MAX_PIXELS / 1_000_000:g}",
    }


def _megabytes(size):
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def _open_checked(uploaded):
    max_bytes = settings.PRODUCT_PHOTO_MAX_BYTES
    max_pixels = settings.PRODUCT_PHOTO_MAX_PIXELS
    if uploaded.size > max_bytes:
        raise ValidationError(
            TOO_LARGE,
            code="too_large",
            params={"size": _megabytes(uploaded.size), "limit": _megabytes(max_bytes)},
        )
    uploaded.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own limit (ours, checked below, is lower).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(uploaded)
    except Image.DecompressionBombError:
        # Over twice Pillow's own limit: refused before its size is even reported.
        raise ValidationError(
            FAR_TOO_MANY_PIXELS,
            code="too_many_pixels",
            params={"limit": f"{max_pixels / 1_000_000:g}"},
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from None
    if image.format not in ALLOWED_FORMATS:
        raise ValidationError(WRONG_FORMAT, code="wrong_format", params={"format": image.format})
    width, height = image.size
    if width * height > max_pixels:
        raise ValidationError(
            TOO_MANY_PIXELS,
            code="too_many_pixels",
            params={
                "megapixels": f"{width * height / 1_000_000:.1f}",
                "limit": f"{max_pixels / 1_000_000:g}",
            },
        )
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(BROKEN_IMAGE, code="broken_image") from None
    return image


def _in_srgb(image):
    """The image's colours in sRGB when it brings its own profile (Display P3 from phones,
    Adobe RGB, CMYK print files), as the stored photo carries no profile; a profile that
    cannot be read is ignored."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "CMYK"):
        return image
    try:
        return ImageCms.profileToProfile(
            image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _srgb(), outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image


def _srgb():
    return ImageCms.createProfile("sRGB")


def _as_rgb(image):
    image = _in_srgb(ImageOps.exif_transpose(image))
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image):
    # Pillow carries what it read beside the pixels (image.info: a JPEG's "comment", a
    # PNG's text chunks, "exif", "xmp", "icc_profile") into every copy, and JPEG saving
    # writes the comment back as a COM segment. A stored photo holds pixels only; colours
    # are taken as sRGB, as browsers assume for an image without a profile.
    image.info.clear()
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()


def encode_photo(image):
    """JPEG bytes of the photo and of its square thumbnail, from a decoded Pillow image."""
    image = _as_rgb(image)
    main = image.copy()
    main.thumbnail((MAIN_MAX_SIDE, MAIN_MAX_SIDE), Image.Resampling.LANCZOS)
    thumbnail = ImageOps.fit(image, (THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return _jpeg(main), _jpeg(thumbnail)


def process_upload(uploaded):
    """Validate an uploaded file and return (photo, thumbnail) as ContentFiles.

    Raises ValidationError (codes: too_large, not_an_image, wrong_format,
    too_many_pixels, broken_image) and stores nothing.
    """
    image = _open_checked(uploaded)
    main_bytes, thumbnail_bytes = encode_photo(image)
    name = uuid.uuid4().hex
    return ContentFile(main_bytes, name=f"{name}.jpg"), ContentFile(
        thumbnail_bytes, name=f"{name}.jpg"
    )


def delete_photo_files(*names):
    """Remove a photo's files from storage once the surrounding transaction commits."""
    # Demo photos are shared by many products: never deleted with one of them.
    names = [name for name in names if name and not name.startswith(SHARED_DEMO_PREFIX)]

    def delete():
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete, robust=True)


def photo_deleted(sender, instance, **kwargs):
    """post_delete of ProductImage: a removed photo must stop being served."""
    delete_photo_files(instance.image.name, instance.thumbnail.name)
