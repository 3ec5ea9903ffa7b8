"""Suggestions while typing in the header's search box: products, categories, counties
(by their Chinese or English names, or pinyin) and keyword landings; an htmx fragment,
a plain search without JavaScript, and a constant number of queries."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from catalog.models import Category, County, KeywordLanding
from catalog.suggestions import MAX_PLACES, suggest
from tests.factories import KeywordLandingFactory, ProductFactory, VendorFactory
from tests.support.search import RANKED_MATCHES

pytestmark = pytest.mark.django_db
SUGGEST = reverse("catalog:search_suggest")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def zone(db):
    """The reference categories and counties (from the migration), with navel oranges
    from Zigui, tea from Enshi, and the landing keyword 助农."""
    zigui, enshi = County.objects.get(slug="zigui"), County.objects.get(slug="enshi-city")
    citrus, tea = Category.objects.get(slug="citrus"), Category.objects.get(slug="tea")
    ProductFactory(
        slug="zigui-orange",
        name="秭归脐橙 5kg",
        name_en="Zigui navel oranges",
        category=citrus,
        origin_county=zigui,
        vendor=VendorFactory(county=zigui),
    )
    ProductFactory(
        slug="enshi-tea",
        name="恩施玉露",
        name_en="Enshi Yulu green tea",
        category=tea,
        origin_county=enshi,
        vendor=VendorFactory(county=enshi),
    )
    KeywordLandingFactory(keyword="助农", target=KeywordLanding.Target.ZONE)
    KeywordLandingFactory(keyword="助农直播", target=KeywordLanding.Target.ZONE)
    KeywordLandingFactory(keyword="湖北", target=KeywordLanding.Target.ZONE)


def slugs(rows):
    return [row.slug for row in rows]


def test_initials_suggest_the_category_they_spell(zone):
    found = suggest("qc")

    assert slugs(found.categories) == ["citrus"]  # 脐橙柑橘: qi cheng gan ju


@pytest.mark.parametrize("typed", ["qc", "zgqc", "qicheng", "臍橙"])
def test_pinyin_initials_and_traditional_characters_suggest_the_product(zone, typed):
    assert slugs(suggest(typed).products) == ["zigui-orange"]


def test_chinese_suggests_the_product_and_the_category_holding_it(zone):
    found = suggest("脐橙")

    assert slugs(found.products) == ["zigui-orange"]
    assert slugs(found.categories) == ["citrus"]
    assert found.counties == []


def test_full_pinyin_suggests_the_county(zone):
    found = suggest("zigui")

    assert slugs(found.counties) == ["zigui"]
    assert slugs(found.products) == ["zigui-orange"]  # its English name says Zigui


def test_pinyin_with_a_space_suggests_the_county(zone):
    assert slugs(suggest("zi gui").counties) == ["zigui"]


def test_two_letters_suggest_places_by_english_name_and_pinyin(zone):
    found = suggest("en")

    assert "enshi-city" in slugs(found.counties)  # Enshi City, 恩施市 (en shi shi)
    assert all(
        any(p.startswith("en") for p in (*county.heads, *county.prefixes))
        for county in found.counties
    )
    assert slugs(found.products) == ["enshi-tea"]


def test_a_landing_keyword_is_suggested_from_its_start(zone):
    found = suggest("助农")

    assert found.landings == [
        ("助农", "/search/?q=%E5%8A%A9%E5%86%9C"),
        ("助农直播", "/search/?q=%E5%8A%A9%E5%86%9C%E7%9B%B4%E6%92%AD"),
    ]


def test_a_query_matching_nothing_suggests_nothing(zone):
    found = suggest("xyzzyq")

    assert found.count == 0


def test_an_empty_query_suggests_nothing_and_runs_no_query(zone, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert suggest("   ").count == 0


def test_an_inactive_landing_is_not_suggested(zone):
    KeywordLanding.objects.filter(keyword="助农直播").update(is_active=False)

    assert [keyword for keyword, _url in suggest("助农").landings] == ["助农"]


def test_a_hidden_product_is_not_suggested(zone):
    ProductFactory(slug="draft-orange", name="秭归脐橙 草稿", status="draft")

    assert slugs(suggest("脐橙").products) == ["zigui-orange"]


def test_htmx_gets_the_suggestions_as_links(client, zone):
    response = client.get(SUGGEST, {"q": "脐橙"}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'role="option"[^>]*href="([^"]+)"', html) == [
        "/products/zigui-orange/",
        "/categories/citrus/",
    ]
    assert "2 suggestions" in html or "2 条建议" in html


def test_suggestions_speak_chinese_to_a_chinese_reader(client, zone):
    html = client.get(
        SUGGEST, {"q": "zigui"}, headers={**HTMX, "Accept-Language": "zh-hans"}
    ).content.decode()

    assert "秭归县" in html
    assert "秭归脐橙 5kg" in html


def test_without_javascript_the_box_is_a_plain_search(client, zone):
    response = client.get(SUGGEST, {"q": "脐橙 5kg"})

    assert response.status_code == 302
    assert response["Location"] == "/search/?q=%E8%84%90%E6%A9%99+5kg"
    assert "zigui-orange" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("query", ["脐\x00橙", "\x00", "a" * 1000, "脐橙" * 500, "%_\\'\""])
def test_odd_queries_are_answered_not_a_500(client, zone, query):
    assert client.get(SUGGEST, {"q": query}, headers=HTMX).status_code == 200
    assert client.get(SUGGEST, {"q": query}).status_code == 302


def test_a_nul_byte_counts_as_a_space(zone):
    assert slugs(suggest("脐橙\x00").products) == ["zigui-orange"]


def test_text_is_escaped(client, zone):
    KeywordLandingFactory(keyword="<b>助农</b>", target=KeywordLanding.Target.ZONE)
    ProductFactory(slug="bold", name="<b>脐橙</b> 礼盒")

    html = client.get(SUGGEST, {"q": "<b>"}, headers=HTMX).content.decode()
    html += client.get(SUGGEST, {"q": "脐橙"}, headers=HTMX).content.decode()

    assert "<b>" not in html
    assert "&lt;b&gt;" in html


def test_a_new_category_is_suggested_at_once(zone):
    assert suggest("蘑菇").categories == []

    Category.objects.create(slug="mushrooms-x", name_en="Mushrooms", name_zh="蘑菇")

    assert slugs(suggest("蘑菇").categories) == ["mushrooms-x"]


def build_catalog(size):
    zigui = County.objects.get(slug="zigui")
    citrus = Category.objects.get(slug="citrus")
    vendor = VendorFactory(county=zigui)
    for i in range(size):
        ProductFactory(
            slug=f"orange-{i}",
            name=f"秭归脐橙 {i}",
            category=citrus,
            origin_county=zigui,
            vendor=vendor,
        )
    KeywordLandingFactory(keyword="脐橙节", target=KeywordLanding.Target.ZONE)


@pytest.mark.parametrize("size", [3, 40])
def test_suggestions_run_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    build_catalog(size)
    cache.clear()

    # Cold: the categories, the counties, the landings, staff's synonyms, the products
    # (the matches ranked, LIMIT 200, then the best 5), and the promotion schedule (until
    # when the cached fragment is good, catalog/page_cache.py).
    with django_assert_num_queries(6 + RANKED_MATCHES):
        response = client.get(SUGGEST, {"q": "脐橙"}, headers=HTMX)
    assert len(re.findall(r'role="option"', response.content.decode())) == min(size, 5) + 2

    # Another query: only the products (the names are cached with the revision).
    with django_assert_num_queries(1 + RANKED_MATCHES):
        assert client.get(SUGGEST, {"q": "秭归"}, headers=HTMX).status_code == 200
    # The same query again: the cached fragment.
    with django_assert_num_queries(0):
        assert client.get(SUGGEST, {"q": "秭归"}, headers=HTMX).status_code == 200


def test_one_latin_letter_suggests_places_but_spends_no_query_on_products(
    zone, django_assert_num_queries
):
    suggest("z")  # the names are cached

    with django_assert_num_queries(0):
        found = suggest("z")

    assert found.products == []
    assert len(found.counties) == MAX_PLACES  # counties whose name starts with z
    assert all(any(head.startswith("z") for head in c.heads) for c in found.counties)
    # zi also starts a reading of a character of the tea's names: the orange first.
    assert slugs(suggest("zi").products)[0] == "zigui-orange"


def test_places_the_query_starts_come_before_places_it_starts_further_in(zone):
    # 新洲区 (xin zhou qu) holds "zhou" from its second character only: for "z" the
    # counties whose names start with it fill the list.
    found = suggest("z")

    assert "xinzhou" not in slugs(found.counties)
    assert "xinzhou" in slugs(suggest("zhou").counties)
