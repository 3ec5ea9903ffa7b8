"""Generated product photos for the demo catalog: a few per category, shared by its
products. Drawn with Pillow (no downloads), then stored through the same encoder as
uploads, so they look like what vendors' photos become."""

import random
from functools import lru_cache
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

from catalog.images import encode_photo

PHOTOS_PER_CATEGORY = 3
SIZE = 900
CJK_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]

# background, shape colours, shape: what each category's produce looks like, roughly
STYLES = {
    "citrus": ("#fff4e0", ["#f76707", "#fd7e14", "#ff922b"], "round"),
    "eggs": ("#f8f1e7", ["#f1e3c8", "#e9d5b5", "#ffffff"], "egg"),
    "tea": ("#eef7ec", ["#2b8a3e", "#37b24d", "#51cf66"], "leaf"),
    "crayfish": ("#fff0f0", ["#c92a2a", "#e03131", "#f03e3e"], "curve"),
    "hot-dry-noodles": ("#fff9db", ["#e8b04a", "#d9a13b", "#f0c36d"], "noodle"),
    "lotus-root": ("#f3f0ff", ["#e9d8c4", "#d8c3a5", "#efe3d3"], "round"),
    "rice": ("#f8f9fa", ["#fffdf5", "#f1ead7", "#e9e1c9"], "grain"),
    "mushrooms-fungus": ("#f4efe9", ["#5c3d2e", "#7b5544", "#3b2a22"], "round"),
    "chestnuts-nuts": ("#f6efe6", ["#7f4f24", "#936639", "#a68a64"], "egg"),
    "honey": ("#fff9db", ["#f59f00", "#fab005", "#fcc419"], "round"),
    "freshwater-fish": ("#e7f5ff", ["#4c6ef5", "#748ffc", "#5c7cfa"], "leaf"),
    "rice-wine-snacks": ("#fff5f5", ["#f8f0e3", "#e6d5b8", "#d6336c"], "grain"),
    "dried-goods": ("#f4fce3", ["#fab005", "#ffffff", "#74b816"], "round"),
}


def _font(size):
    for path in CJK_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _draw_shape(draw, shape, x, y, r, colour):
    if shape == "round":
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline="#00000022", width=4)
        draw.ellipse((x - r // 4, y - r - r // 5, x + r // 3, y - r + r // 6), fill="#2b8a3e")
    elif shape == "egg":
        draw.ellipse(
            (x - r * 0.75, y - r, x + r * 0.75, y + r), fill=colour, outline="#00000022", width=4
        )
    elif shape == "leaf":
        draw.ellipse((x - r, y - r * 0.45, x + r, y + r * 0.45), fill=colour)
        draw.line((x - r, y, x + r, y), fill="#ffffff88", width=5)
    elif shape == "curve":
        draw.arc((x - r, y - r, x + r, y + r), 200, 340, fill=colour, width=int(r * 0.5))
    elif shape == "noodle":
        for i in range(6):
            draw.arc((x - r, y - r + i * 12, x + r, y + r + i * 12), 190, 350, fill=colour, width=7)
    else:  # grain
        draw.ellipse(
            (x - r * 0.3, y - r * 0.6, x + r * 0.3, y + r * 0.6), fill=colour, outline="#00000022"
        )


def draw_photo(category_slug, label_zh, label_en, variant):
    background, colours, shape = STYLES.get(category_slug, ("#f8f9fa", ["#868e96"], "round"))
    rng = random.Random(f"{category_slug}-{variant}")
    image = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(image, "RGBA")
    for _ in range(rng.randint(5, 9)):
        x, y = rng.randint(120, SIZE - 120), rng.randint(120, SIZE - 260)
        _draw_shape(draw, shape, x, y, rng.randint(70, 150), rng.choice(colours))
    draw.rectangle((0, SIZE - 190, SIZE, SIZE), fill="#ffffffdd")
    draw.text((50, SIZE - 175), label_zh, fill="#1f2328", font=_font(80))
    draw.text((54, SIZE - 75), label_en, fill="#656d76", font=_font(40))
    return image


@lru_cache(maxsize=64)
def _encoded_photo(category_slug, label_zh, label_en, variant):
    """The photo's JPEG and thumbnail bytes: the same for the same labels, so a process
    seeding again (the tests, into fresh media folders) draws each once."""
    return encode_photo(draw_photo(category_slug, label_zh, label_en, variant))


def ensure_category_photos(category):
    """Write this category's shared demo photos if missing; return [(image, thumb)] names."""
    names = []
    for variant in range(1, PHOTOS_PER_CATEGORY + 1):
        image_name = f"products/demo/{category.slug}-{variant}.jpg"
        thumb_name = f"products/thumbs/demo/{category.slug}-{variant}.jpg"
        if not (default_storage.exists(image_name) and default_storage.exists(thumb_name)):
            main_bytes, thumb_bytes = _encoded_photo(
                category.slug, category.name_zh, category.name_en, variant
            )
            for name, data in ((image_name, main_bytes), (thumb_name, thumb_bytes)):
                if default_storage.exists(name):
                    default_storage.delete(name)
                default_storage.save(name, ContentFile(data))
        names.append((image_name, thumb_name))
    return names
