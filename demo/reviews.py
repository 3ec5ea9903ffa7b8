"""Reviews in the demo: what the demo shoppers said of the parcels they received, so
product pages, cards, storefronts and the shops' dashboards show ratings and reviews.

About half the received lines are reviewed (all of the Zigui co-operative's, so its
dashboard has reviews to answer), mostly four and five stars, a few with photos, some
with a follow-up (追评) a week or two later and the shop's reply; one review hidden by
staff, with its reason. Written in bulk (the shoppers' review service is for one at a
time), then the products' and shops' figures recounted from them (reviews.ratings).
Idempotent: nothing is added when the demo shoppers already have reviews.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from catalog.images import encode_photo
from catalog.models import VendorMember
from demo.catalog import DEMO_VENDOR_SLUG
from demo.orders import SHOPPER_PREFIX
from demo.photos import draw_photo
from orders.models import OrderLine, OrderPart
from reviews import ratings
from reviews.models import Review, ReviewPhoto

MOST_LINES = 600  # keeps seed_demo fast
REVIEWED_SHARE = 0.55
STARS_WEIGHTS = {5: 66, 4: 21, 3: 7, 2: 3, 1: 3}
PHOTO_REVIEWS = 8
PHOTO_VARIANTS = 3

# What shoppers write, by the category's slug (the generic lines for the others).
PRAISE = {
    "citrus": [
        "橙子很甜，水分足，剥开满屋子香味，家里老人小孩都爱吃。",
        "秭归脐橙果然名不虚传，个头均匀，没有一个坏果。",
        "第二次回购了，比超市买的新鲜多了，皮薄汁多。",
    ],
    "crayfish": [
        "小龙虾到的时候还是活的，个头大，做了一锅麻辣的，全家抢着吃。",
        "冰袋都没化，虾很新鲜，肉质紧实，潜江的虾就是不一样。",
    ],
    "tea": [
        "茶叶条索紧细，泡出来汤色清亮，回甘明显，办公室同事都说好喝。",
        "恩施的富硒茶，香气很足，包装也精致，送人很有面子。",
    ],
    "eggs": [
        "土鸡蛋蛋黄颜色很深，煮出来特别香，包装很仔细一个没碎。",
        "鸡蛋很新鲜，个头不大但是味道正，孩子早餐天天吃。",
    ],
    "hot-dry-noodles": [
        "热干面芝麻酱很香，和在武汉吃的一个味道，想家的时候来一碗。",
        "面条劲道，酱料包很足，煮三分钟就好，早上方便。",
    ],
    "lotus-root": [
        "洪湖莲藕粉粉糯糯，炖排骨汤太香了，藕很新鲜。",
    ],
    "rice": [
        "大米煮出来很香，软硬适中，一家人都说比以前买的好吃。",
    ],
    "honey": [
        "蜂蜜很浓稠，有淡淡的花香，冲水喝很舒服。",
    ],
}
GENERIC_PRAISE = [
    "东西很好，和描述的一样，物流也快，支持湖北农产品！",
    "包装很用心，收到完好无损，品质不错，会回购。",
    "味道正宗，家乡的味道，价格也实在。",
    "帮朋友买的，朋友说很好，下次还来。",
]
MIXED = [
    "东西还可以，就是快递慢了两天，希望改进。",
    "整体不错，有个别几个小一点，总体满意。",
    "味道一般，可能是我期望太高了，包装倒是挺好。",
]
COMPLAINTS = [
    "到货有几个压坏了，联系客服后给了补偿，态度还行。",
    "和图片差距有点大，个头偏小，有点失望。",
]
FOLLOW_UPS = [
    "吃了一个多星期，每个都很甜，没有坏的，追加好评！",
    "放了半个月还很新鲜，已经推荐给同事了。",
    "家人吃了都说好，又下了一单。",
    "后来几个有点软了，建议收到尽快吃完。",
]
REPLIES = [
    "感谢您的支持！我们是秭归的果农合作社，每一个都是当天现摘现发，欢迎再来！",
    "谢谢亲的好评，您的满意是我们最大的动力，祝您生活愉快！",
    "非常抱歉给您带来不好的体验，我们已经和快递沟通改进包装，请联系客服为您处理。",
    "感谢反馈！个头大小是自然生长的差异，口感都是一样的，欢迎再次品尝。",
]
HIDDEN_TEXT = "垃圾商家，骗子！！！"
HIDDEN_REASON = "含有辱骂内容，不符合评价规范。"


def seed_reviews(seed: int = 2020) -> int:
    """The demo's reviews on received demo lines. Returns how many were made."""
    if Review.objects.filter(author__username__startswith=SHOPPER_PREFIX).exists():
        return 0
    rng = random.Random(seed)
    lines = _received_lines(rng)
    if not lines:
        return 0
    now = timezone.now()
    repliers = _repliers({line.part.vendor_id for line in lines})
    reviews = [_review(line, rng, now, repliers) for line in lines]
    Review.objects.bulk_create(reviews, batch_size=500)
    # bulk_create set created_at to now (auto_now_add): when each was written, again.
    Review.objects.bulk_update(reviews, ["created_at"], batch_size=500)
    _hide_one(reviews, now)
    _add_photos(reviews, rng)
    ratings.recount_product_ratings()
    ratings.refresh_all_shop_ratings()
    return len(reviews)


def _received_lines(rng: random.Random) -> list[OrderLine]:
    """About half the demo lines whose part was delivered (one review per line), all of
    the demo shop's among them."""
    lines = list(
        OrderLine.objects.filter(
            part__order__shopper__username__startswith=SHOPPER_PREFIX,
            part__status=OrderPart.Status.DELIVERED,
            product__isnull=False,
            review__isnull=True,
        )
        .select_related("part__order", "part__vendor", "category")
        .order_by("-part__delivered_at", "pk")[: MOST_LINES * 2]
    )
    return [
        line
        for line in lines
        if line.part.vendor.slug == DEMO_VENDOR_SLUG or rng.random() < REVIEWED_SHARE
    ][:MOST_LINES]


def _repliers(vendor_ids: set[int]) -> dict[int, int]:
    """vendor id -> the user id of one of its members, who replies for the shop."""
    users: dict[int, int] = {}
    for vendor_id, user_id in VendorMember.objects.filter(vendor_id__in=vendor_ids).values_list(
        "vendor_id", "user_id"
    ):
        users.setdefault(vendor_id, user_id)
    return users


def _review(line: OrderLine, rng: random.Random, now, repliers: dict[int, int]) -> Review:
    stars = rng.choices(list(STARS_WEIGHTS), weights=list(STARS_WEIGHTS.values()))[0]
    slug = line.category.slug if line.category else ""
    if stars >= 4:
        text = rng.choice(PRAISE.get(slug, []) + GENERIC_PRAISE)
    elif stars == 3:
        text = rng.choice(MIXED)
    else:
        text = rng.choice(COMPLAINTS)
    written = min(line.part.delivered_at + timedelta(hours=rng.randint(3, 96)), now)
    review = Review(
        line=line,
        product_id=line.product_id,
        vendor_id=line.part.vendor_id,
        author_id=line.part.order.shopper_id,
        stars=stars,
        text=text if rng.random() < 0.9 else "",
        created_at=written,
    )
    if rng.random() < 0.12 and written + timedelta(days=7) < now:
        review.follow_up = rng.choice(FOLLOW_UPS[:3] if stars >= 4 else FOLLOW_UPS[3:])
        review.follow_up_at = written + timedelta(days=rng.randint(7, 15))
        review.follow_up_at = min(review.follow_up_at, now)
    demo_shop = line.part.vendor.slug == DEMO_VENDOR_SLUG
    replier = repliers.get(line.part.vendor_id)
    if replier and rng.random() < (0.5 if demo_shop else 0.2):
        review.reply = REPLIES[
            0 if demo_shop and stars >= 4 else (1 if stars >= 4 else 2 + stars % 2)
        ]
        review.replied_at = min(written + timedelta(hours=rng.randint(2, 30)), now)
        review.replied_by_id = replier
    return review


def _hide_one(reviews: list[Review], now) -> None:
    """One review of one star hidden by staff, its text abusive: shoppers never see it;
    its author reads why."""
    low = next((review for review in reviews if review.stars == 1 and not review.reply), None)
    if low is None:
        return
    Review.objects.filter(pk=low.pk).update(
        text=HIDDEN_TEXT, hidden_at=now, hidden_reason=HIDDEN_REASON
    )


def _add_photos(reviews: list[Review], rng: random.Random) -> None:
    """A photo of what arrived on a few good reviews, drawn once per variant and shared
    (like the catalog's demo photos)."""
    good = [review for review in reviews if review.stars >= 4 and review.text]
    if not good:
        return
    names = [_photo_files(variant) for variant in range(1, PHOTO_VARIANTS + 1)]
    chosen = rng.sample(good, min(PHOTO_REVIEWS, len(good)))
    ReviewPhoto.objects.bulk_create(
        ReviewPhoto(
            review=review, image=names[n % len(names)][0], thumbnail=names[n % len(names)][1]
        )
        for n, review in enumerate(chosen)
    )


def _photo_files(variant: int) -> tuple[str, str]:
    image_name = f"reviews/demo/arrived-{variant}.jpg"
    thumb_name = f"reviews/thumbs/demo/arrived-{variant}.jpg"
    if not (default_storage.exists(image_name) and default_storage.exists(thumb_name)):
        main_bytes, thumb_bytes = encode_photo(
            draw_photo("citrus", "买家秀", "From a buyer", 20 + variant)
        )
        for name, data in ((image_name, main_bytes), (thumb_name, thumb_bytes)):
            if default_storage.exists(name):
                default_storage.delete(name)
            default_storage.save(name, ContentFile(data))
    return image_name, thumb_name
