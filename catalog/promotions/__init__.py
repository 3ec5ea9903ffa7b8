"""Promotions: staff schedule a discount on a scope of products for a window of time.

The public API (other code imports these names from these modules, nothing else here):

- Prices, the one entry point (`pricing`): `quote(product, at, schedule, exclude=(),
  stream_price=None)` prices one unit and every price goes through it; pages call
  `apply_prices(products, at)` (a page of products at once, no query per product) or
  `price_for(product, at)`; `schedule_at(at)` and `next_boundary(after)` read the cached
  schedule; `Price`, `ScheduledPromotion`.
- The cart and checkout (`checkout`): `price_lines(items, shopper_id, at, schedule,
  lock_shopper=...)` prices each cart item through `quote`, in portions where a flash
  sale's units or a shopper's allowance run out (`ItemPrice`, `Portion`, `price_label`);
  `sold_out_problems`; `take_promotion_units(lines, shopper_id)` and
  `return_promotion_units(lines, shopper_id)` count a flash sale's units and a shopper's
  allowance at checkout and give them back on cancellation.
- The listings' sort price (`shown_prices`): `refresh_shown_prices`, `refresh_after_commit`.
- Writes (`services`): `save_promotion`, `duplicate_promotion`, `ask_for_reminder`,
  `cancel_reminder`, `sweep_promotions`, `tell_vendors_scheduled`.
- Reads (`selectors`): `products_in_promotion`, `promotions_now_and_soon`, `product_sale`,
  `promotion_by_slug`.
- Models (`models`, also importable from catalog.models): `Promotion`,
  `PromotionReminder`, `PromotionAllowance`; `unit_discount`.
- The season calendar (`calendar`): `register(provider)`, for the apps above
  catalog to show their own bars (livestream registers its streams in its ready()).
- `views` (mounted by catalog/urls.py), `tasks` (`sweep_promotions_task`, imported by the
  worker through CELERY_IMPORTS), `admin` (registered by catalog/admin.py).

This module imports nothing: catalog/models.py imports `models` while the app loads.
"""
