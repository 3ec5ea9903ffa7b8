"""Shipping fees and delivery: each shop's freight templates (运费模板), the fee of each
order part to the shopper's province, the carriers, and receipt confirmation.

- `provinces`: the destination groups (Hubei, neighbours, the rest of the mainland,
  remote regions) and the provinces' short and English names.
- `models`: FreightTemplate, FreightRate (one per group served), ProductFreight (a
  product that uses another template than its shop's default).
- `fees`: the fee arithmetic, pure (no queries): a template, a province and a parcel in,
  a Quote out.
- `selectors`: the templates of many products at once (a fixed number of queries) and
  the quotes of a cart's or an order's parts.
- `carriers`: the carriers a shop ships with and their public tracking pages.
"""
