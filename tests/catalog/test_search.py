import re
from urllib.parse import quote

import pytest
from django.urls import reverse

from catalog.models import KeywordLanding, Vendor
from catalog.search import document_tokens, normalise_keyword, query_terms
from tests.factories import (
    CategoryFactory,
    CountyFactory,
    KeywordLandingFactory,
    ProductFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db
SEARCH = reverse("catalog:search")


def found(client, query, **params):
    response = client.get(SEARCH, {"q": query, **params})
    assert response.status_code == 200, response.get("Location")
    return re.findall(r'class="card-link" href="/products/([\w-]+)/"', response.content.decode())


@pytest.fixture
def catalog(db):
    """A small zone: navel oranges from Zigui, crayfish from Qianjiang, tea and noodles."""
    citrus = CategoryFactory(slug="citrus-s", name_en="Oranges & citrus", name_zh="脐橙柑橘")
    crayfish = CategoryFactory(slug="crayfish-s", name_en="Crayfish", name_zh="小龙虾")
    tea = CategoryFactory(slug="tea-s", name_en="Tea", name_zh="茶叶")
    noodles = CategoryFactory(slug="noodles-s", name_en="Hot dry noodles", name_zh="热干面")
    zigui = CountyFactory(slug="zigui-s", name_en="Zigui County", name_zh="秭归县")
    qianjiang = CountyFactory(slug="qianjiang-s", name_en="Qianjiang", name_zh="潜江市")
    enshi = CountyFactory(slug="enshi-s", name_en="Enshi City", name_zh="恩施市")
    wuhan = CountyFactory(slug="jianghan-s", name_en="Jianghan District", name_zh="江汉区")
    return {
        "orange": ProductFactory(
            slug="orange",
            name="秭归脐橙 5kg",
            name_en="Zigui navel oranges",
            category=citrus,
            origin_county=zigui,
        ),
        "crayfish": ProductFactory(
            slug="crayfish",
            name="潜江小龙虾 2kg",
            name_en="Qianjiang crayfish",
            category=crayfish,
            origin_county=qianjiang,
        ),
        "tea": ProductFactory(
            slug="tea",
            name="恩施玉露",
            name_en="Enshi Yulu green tea",
            category=tea,
            origin_county=enshi,
            description="蒸青工艺，富硒茶园。",
        ),
        "noodles": ProductFactory(
            slug="noodles",
            name="武汉热干面 5人份",
            name_en="Wuhan hot dry noodles",
            category=noodles,
            origin_county=wuhan,
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("脐橙", ["orange"]),
        ("orange", ["orange"]),
        ("ORANGES", ["orange"]),
        ("秭归", ["orange"]),
        ("zigui", ["orange"]),
        ("crayfish", ["crayfish"]),
        ("龙虾", ["crayfish"]),
        ("潜江", ["crayfish"]),
        ("热干面", ["noodles"]),  # a word inside 武汉热干面
        ("干面", ["noodles"]),
        ("茶", ["tea"]),  # one character
        ("富硒", ["tea"]),  # only in the description
        ("Zigui 脐橙", ["orange"]),  # mixed languages: both must match
        ("ｚｉｇｕｉ", ["orange"]),  # full-width letters
        ("Zǐguī", ["orange"]),  # pinyin with tone marks
        ("脐橙 5 kg", ["orange"]),  # the name says 5kg
        ("脐橙 5kg", ["orange"]),
        ("zigui 茶", []),
        ("榴莲", []),
    ],
)
def test_search_finds_products_in_chinese_and_english(client, catalog, query, expected):
    assert found(client, query) == expected


def test_search_covers_vendor_names(client, catalog):
    vendor = VendorFactory(name="屈乡果业合作社", name_en="Quxiang Fruit Co-op")
    product = ProductFactory(vendor=vendor, slug="by-vendor")

    assert found(client, "屈乡") == [product.slug]
    assert found(client, "quxiang") == [product.slug]


def test_exact_name_match_ranks_first(client, db):
    tea = CategoryFactory(name_en="Tea", name_zh="茶叶")
    ProductFactory(slug="older-exact", name="恩施玉露", category=tea)
    ProductFactory(slug="partial", name="恩施玉露 礼盒 250g", category=tea)
    ProductFactory(
        slug="description-only", name="采花毛尖", description="可与恩施玉露同泡", category=tea
    )

    assert found(client, "恩施玉露") == ["older-exact", "partial", "description-only"]
    # an explicit sort wins over relevance
    assert found(client, "恩施玉露", sort="newest") == [
        "description-only",
        "partial",
        "older-exact",
    ]


def test_search_results_can_be_filtered(client, catalog):
    other_county = CountyFactory()
    ProductFactory(slug="orange-elsewhere", name="脐橙 2.5kg", origin_county=other_county)

    assert sorted(found(client, "脐橙")) == ["orange", "orange-elsewhere"]
    assert found(client, "脐橙", county="zigui-s") == ["orange"]


def test_punctuation_only_query_finds_nothing_and_says_so(english, catalog):
    html = english.get(SEARCH, {"q": "!!!"}).content.decode()

    assert "0 products" in html
    assert "No products match" in html


def test_empty_search_suggests_popular_keywords(english, db):
    KeywordLandingFactory(keyword="助农")

    html = english.get(SEARCH, {"q": "  "}).content.decode()

    assert "What are you looking for?" in html
    assert "?q=%E5%8A%A9%E5%86%9C" in html


def test_renaming_a_county_updates_what_its_products_are_found_by(
    staff_client, catalog, django_capture_on_commit_callbacks
):
    county = catalog["noodles"].origin_county
    assert found(staff_client, "江汉") == ["noodles"]

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:catalog_county_change", args=[county.pk]),
            {
                "prefecture": county.prefecture_id,
                "name_en": "Hankou District",
                "name_zh": "汉口区",
                "slug": county.slug,
                "known_for_en": "",
                "known_for_zh": "",
            },
        )

    assert response.status_code == 302
    assert found(staff_client, "汉口") == ["noodles"]
    assert found(staff_client, "hankou") == ["noodles"]
    assert found(staff_client, "江汉") == []


def test_query_terms_split_chinese_into_bigrams():
    assert query_terms("小龙虾") == ["小龙", "龙虾"]
    assert query_terms("茶") == ["茶"]
    assert query_terms("Zigui 脐橙") == ["zigui", "脐橙"]
    assert document_tokens("武汉热干面") == [
        "武",
        "汉",
        "热",
        "干",
        "面",
        "武汉",
        "汉热",
        "热干",
        "干面",
    ]
    assert normalise_keyword("  Help　HUBEI ") == "help hubei"
    assert document_tokens("5kg 箱") == ["5kg", "5", "kg", "箱"]
    assert query_terms("𠀀𠀁") == ["𠀀𠀁"]


# --- keyword landings ---------------------------------------------------------------------


def search_box(html):
    """The value the header's search box shows."""
    return re.search(r'<input id="site-search"[^>]* value="([^"]*)"', html).group(1)


@pytest.mark.parametrize("typed", ["小龙虾", " 小龙虾 ", "小龙虾　"])
def test_landing_keyword_shows_its_category_under_the_keyword(client, catalog, typed):
    category = catalog["crayfish"].category
    KeywordLandingFactory(
        keyword="小龙虾", target=KeywordLanding.Target.CATEGORY, category=category
    )

    response = client.get(SEARCH, {"q": typed})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<p class="landing-keyword">搜索“小龙虾”</p>' in html
    assert "<h1>小龙虾</h1>" in html
    assert f'<a href="{category.get_absolute_url()}">' in html
    assert found(client, typed) == ["crayfish"]
    assert search_box(html) == typed
    assert 'name="category"' not in html  # the landing fixes the category


@pytest.mark.parametrize("typed", ["湖北", "help hubei", "Help  HUBEI"])
def test_zone_keywords_show_the_zone_under_the_keyword_in_chinese(client, catalog, typed):
    KeywordLandingFactory(keyword="湖北", target=KeywordLanding.Target.ZONE)
    KeywordLandingFactory(keyword="help hubei", target=KeywordLanding.Target.ZONE)

    response = client.get(SEARCH, {"q": typed})

    html = response.content.decode()
    assert response.status_code == 200
    keyword = normalise_keyword(typed)
    assert f'<p class="landing-keyword">搜索“{keyword}”</p>' in html
    assert "<h1>湖北好物</h1>" in html
    assert '<a href="/">去专区首页 ›</a>' in html
    assert sorted(found(client, typed)) == ["crayfish", "noodles", "orange", "tea"]
    assert search_box(html) == typed


def test_zone_keyword_landing_in_english(english, catalog):
    KeywordLandingFactory(keyword="help hubei", target=KeywordLanding.Target.ZONE)

    html = english.get(SEARCH, {"q": "help hubei"}).content.decode()

    assert "<title>Search “help hubei” · Hubei Market</title>" in html
    assert '<p class="landing-keyword">Search “help hubei”</p>' in html
    assert "<h1>Made in Hubei</h1>" in html
    assert '<a href="/">Go to the zone home ›</a>' in html
    assert "4 products" in html
    assert search_box(html) == "help hubei"


def test_landing_to_county_and_vendor_lists_their_products(english, catalog):
    county = catalog["orange"].origin_county
    vendor = catalog["tea"].vendor
    KeywordLandingFactory(keyword="秭归", target=KeywordLanding.Target.COUNTY, county=county)
    KeywordLandingFactory(keyword="屈乡", target=KeywordLanding.Target.VENDOR, vendor=vendor)

    zigui = english.get(SEARCH, {"q": "秭归"}).content.decode()
    assert "<h1>Zigui County</h1>" in zigui and 'name="county"' not in zigui
    assert found(english, "秭归") == ["orange"]
    shop = english.get(SEARCH, {"q": "屈乡"}).content.decode()
    assert (
        f"<h1>{vendor.display_name}</h1>" in shop
        and f'<a href="{vendor.get_absolute_url()}">' in shop
    )
    assert 'name="vendor"' not in shop and 'name="prefecture"' not in shop
    assert found(english, "屈乡") == ["tea"]


def test_a_landing_to_a_filtered_product_list_shows_it_under_the_keyword(client, catalog):
    KeywordLandingFactory(
        keyword="助农", target=KeywordLanding.Target.URL, url="/products/?in_stock=on&sort=name"
    )
    catalog["noodles"].stock = 0
    catalog["noodles"].save()

    response = client.get(SEARCH, {"q": "助农"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>搜索“助农” · " in html
    assert '<p class="landing-keyword">搜索“助农”</p>' in html
    assert "<h1>全部湖北好物</h1>" in html
    assert '<a href="/products/?in_stock=on&amp;sort=name">打开此页 ›</a>' in html
    assert search_box(html) == "助农"
    # The URL's filters: in stock only, by name (not a search for 助农, which finds nothing)
    assert found(client, "助农") == ["tea", "crayfish", "orange"]
    assert re.search(r'name="in_stock"[^>]*checked', html)
    # The shopper filters from there: the form sends every filter, the URL's no longer apply
    assert sorted(found(client, "助农", category="", sort="newest")) == [
        "crayfish",
        "noodles",
        "orange",
        "tea",
    ]
    assert found(client, "助农", category="citrus-s", in_stock="on") == ["orange"]


def test_a_landing_to_a_category_page_url_shows_the_category_in_english(english, catalog):
    category = catalog["tea"].category
    KeywordLandingFactory(
        keyword="助农",
        target=KeywordLanding.Target.URL,
        url=category.get_absolute_url() + "?in_stock=on",
    )
    KeywordLandingFactory(
        keyword="gone", target=KeywordLanding.Target.URL, url="/categories/no-such-category/"
    )

    html = english.get(SEARCH, {"q": "助农"}).content.decode()

    assert '<p class="landing-keyword">Search “助农”</p>' in html
    assert "<h1>Tea</h1>" in html
    assert 'name="category"' not in html
    assert found(english, "助农") == ["tea"]
    assert search_box(html) == "助农"
    gone = english.get(SEARCH, {"q": "gone"}).content.decode()  # its page went: the zone
    assert "<h1>Made in Hubei</h1>" in gone and "4 products" in gone


@pytest.mark.parametrize("url", ["/promotions/", "/products/tea/", "/cart/"])
def test_a_landing_to_a_page_that_lists_no_products_still_goes_there(client, catalog, url):
    KeywordLandingFactory(keyword="助农", target=KeywordLanding.Target.URL, url=url)

    assert client.get(SEARCH, {"q": "助农"})["Location"] == url


def test_promotion_landing_shows_its_banner_title_and_products_page_by_page(english, catalog):
    from catalog.views import PAGE_SIZE
    from tests.factories import running_promotion, upload

    on_sale = [ProductFactory(category=catalog["tea"].category) for _ in range(PAGE_SIZE)]
    promotion = running_promotion(
        catalog["tea"],
        *on_sale,
        name="春茶节",
        name_en="Spring tea days",
        slug="spring-tea",
        banner=upload("banner.jpg"),
    )
    KeywordLandingFactory(
        keyword="春茶", target=KeywordLanding.Target.PROMOTION, promotion=promotion
    )

    html = english.get(SEARCH, {"q": "春茶"}).content.decode()
    second = english.get(SEARCH, {"q": "春茶", "page": "2"}).content.decode()

    assert '<p class="landing-keyword">Search “春茶”</p>' in html
    assert f'<img src="{promotion.banner.url}" alt="" class="promo-banner">' in html
    assert "<h1>Spring tea days</h1>" in html
    assert f"{PAGE_SIZE + 1} products" in html
    assert len(found(english, "春茶")) == PAGE_SIZE
    assert "<h1>Spring tea days</h1>" in second
    assert len(found(english, "春茶", page="2")) == 1
    assert search_box(second) == "春茶"


def test_a_filtered_landing_narrows_its_products_and_an_inactive_one_is_a_search(client, catalog):
    KeywordLandingFactory(
        keyword="秭归",
        target=KeywordLanding.Target.COUNTY,
        county=catalog["orange"].origin_county,
        is_active=False,
    )
    KeywordLandingFactory(keyword="茶园", target=KeywordLanding.Target.ZONE)
    catalog["noodles"].stock = 0
    catalog["noodles"].save()

    assert found(client, "秭归") == ["orange"]
    assert sorted(found(client, "茶园", in_stock="on")) == ["crayfish", "orange", "tea"]
    assert found(client, "茶园", category="noodles-s") == ["noodles"]  # not searched for 茶园


def test_staff_add_a_landing_in_the_admin_with_the_keyword_normalised(staff_client, catalog):
    url = reverse("admin:catalog_keywordlanding_add")
    category = catalog["crayfish"].category

    response = staff_client.post(
        url,
        {
            "keyword": "  Crayfish  SALE ",
            "target": "category",
            "category": category.pk,
            "is_active": "on",
            "url": "",
        },
    )

    assert response.status_code == 302
    assert KeywordLanding.objects.get().keyword == "crayfish sale"
    assert "<h1>Crayfish</h1>" in staff_client.get(SEARCH, {"q": "crayfish sale"}).content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"target": "category"}, "category", "Choose where this keyword leads."),
        (
            {"target": "url", "url": "https://evil.example/"},
            "url",
            "Enter a path on this site, starting with a single /.",
        ),
        (
            {"target": "url", "url": "//evil.example/"},
            "url",
            "Enter a path on this site, starting with a single /.",
        ),
        (
            {"target": "url", "url": "/\\evil.example/"},
            "url",
            "Enter a path on this site, starting with a single /.",
        ),
    ],
)
def test_admin_refuses_a_landing_that_leads_nowhere_or_off_site(
    staff_client, db, data, field, message
):
    url = reverse("admin:catalog_keywordlanding_add")

    response = staff_client.post(url, {"keyword": "test", "is_active": "on", "url": "", **data})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert KeywordLanding.objects.count() == 0


def test_a_very_long_query_still_searches(client, catalog):
    assert found(client, "脐橙 " + "x" * 200) == []
    assert found(client, "脐橙" + " " * 200) == ["orange"]


def test_a_landing_into_a_hidden_vendor_is_not_followed_or_suggested(english, catalog):
    vendor = VendorFactory(name="屈乡果业", status=Vendor.Status.SUSPENDED)
    KeywordLandingFactory(keyword="屈乡", target=KeywordLanding.Target.VENDOR, vendor=vendor)

    response = english.get(SEARCH, {"q": "屈乡"})

    assert response.status_code == 200
    assert "?q=" + quote("屈乡") not in english.get("/").content.decode()


def test_renaming_a_parent_category_updates_products_of_its_children(
    staff_client, db, django_capture_on_commit_callbacks
):
    tea = CategoryFactory(slug="tea-r", name_en="Tea", name_zh="茶叶")
    green = CategoryFactory(slug="green-r", name_en="Green", name_zh="绿茶", parent=tea)
    product = ProductFactory(category=green, name="恩施玉露")

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:catalog_category_change", args=[tea.pk]),
            {"slug": "tea-r", "name_en": "Leaf tea", "name_zh": "名茶", "position": "0"},
        )

    assert found(staff_client, "名茶") == [product.slug]
