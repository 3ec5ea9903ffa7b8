"""The pages the benchmark measures: (name, label, URL). `python -m bench.pages` lists them."""

PAGES = [
    ("floor", "Bare Django view (floor)", "/__floor__/"),
    ("home", "Home", "/"),
    ("listing", "Listing", "/products/"),
    ("filtered", "Filtered listing", "/products/?category=tea&county=enshi-city&sort=price"),
    ("search", "Search", "/search/?q=orange"),
    ("product", "Product page", "/products/demo-000001/"),
]


if __name__ == "__main__":
    for name, _label, url in PAGES:
        print(name, url)
