import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import Category, County, Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
IMPORT = reverse("vendor:product_import")
HEADER = "slug,name,name_en,category,origin_county,price,pack_size,net_weight_g,stock,stock_change,origin_label,status,description\n"


def csv_file(text, encoding="utf-8"):
    return SimpleUploadedFile("products.csv", text.encode(encoding), "text/csv")


@pytest.fixture
def places(db):
    return Category.objects.get(slug="citrus"), County.objects.get(slug="zigui")


def test_export_then_import_round_trips_and_changes_only_what_was_edited(shop, product_of, places):
    client, _owner, vendor = shop
    category, county = places
    oranges = product_of(
        vendor,
        name="秭归脐橙",
        category=category,
        origin_county=county,
        price=Decimal("59.90"),
        stock=30,
    )
    product_of(vendor, name="秭归夏橙", category=category, origin_county=county, stock=5)
    ProductFactory(name="别家的")

    exported = client.get(reverse("vendor:product_export"))
    text = exported.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert exported["Content-Disposition"].endswith('-products.csv"')
    assert [r["name"] for r in rows] == ["秭归脐橙", "秭归夏橙"]
    rows[0]["price"] = "55.00"
    rows.append(
        {**rows[1], "slug": "", "name": "秭归血橙", "name_en": "Zigui blood oranges", "stock": "12"}
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)

    response = client.post(IMPORT, {"file": csv_file(out.getvalue())}, follow=True)

    assert "Imported: 1 new products, 2 updated." in response.content.decode()
    oranges.refresh_from_db()
    assert (oranges.price, oranges.stock) == (Decimal("55.00"), 30)
    new = Product.objects.get(name="秭归血橙")
    assert (new.vendor, new.slug, new.stock, new.status) == (
        vendor,
        "zigui-blood-oranges",
        12,
        rows[1]["status"],
    )
    assert Product.objects.filter(vendor=vendor).count() == 3


def test_a_file_with_errors_changes_nothing_and_names_each_row(shop, product_of, places):
    client, _owner, vendor = shop
    theirs = ProductFactory(slug="someone-elses")
    before = list(Product.objects.values_list("pk", "name", "price", "stock"))
    text = HEADER + (
        ",秭归脐橙,,citrus,zigui,59.90,5 kg box,5000,10,,,published,\n"  # row 2: fine
        ",恩施玉露,,tea,nowhere,128,250 g tin,250,5,,,,\n"  # row 3: county
        ",潜江小龙虾,,crayfish,qianjiang-city,-1,1 kg,1000,,,,,\n"  # row 4: price, stock
        f"{theirs.slug},偷来的,,citrus,zigui,10,1 box,1000,1,,,,\n"  # row 5: not mine
    )

    response = client.post(IMPORT, {"file": csv_file(text)})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported: 4 problems to fix" in html
    assert "Unknown “nowhere”" in html
    assert "Ensure this value is greater than or equal to 0.01." in html
    assert "Give the stock of a new product." in html
    assert "No product “someone-elses” in your shop" in html
    assert [row for row in _rows(html)] == [
        ("3", "origin_county"),
        ("4", "price"),
        ("4", "stock"),
        ("5", "slug"),
    ]
    assert list(Product.objects.values_list("pk", "name", "price", "stock")) == before


def _rows(html):
    import re

    return re.findall(r'<tr><td class="num">(\d+)</td><td>([a-z_]+)</td>', html)


def test_a_gb18030_file_from_excel_is_read(shop, places):
    client, _owner, _vendor = shop
    text = HEADER + ",秭归脐橙,,citrus,zigui,59.90,5公斤箱,5000,10,,,draft,\n"

    client.post(IMPORT, {"file": csv_file(text, "gb18030")})

    assert Product.objects.get().pack_size == "5公斤箱"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\xfa", "The file is not text"),
        ("name,price\n秭归脐橙,10\n".encode(), "Columns missing from the first row: category"),
        (HEADER.encode(), "The file has no products under its header."),
    ],
)
def test_a_file_that_is_not_a_product_list_is_refused(shop, content, message):
    client, _owner, _vendor = shop

    response = client.post(IMPORT, {"file": SimpleUploadedFile("x.csv", content)})

    assert message in response.content.decode()
    assert not Product.objects.exists()


def test_a_suspended_shop_cannot_import(shop, places):
    from catalog import services

    client, _owner, vendor = shop
    services.suspend_vendor(vendor)

    response = client.post(IMPORT, {"file": csv_file(HEADER + ",x,,citrus,zigui,1,1,1,1,,,,\n")})

    assert response.status_code == 403
    assert not Product.objects.exists()


def test_columns_left_out_keep_their_values_and_stock_moves_only_by_stock_change(
    shop, product_of, places
):
    client, _owner, vendor = shop
    category, county = places
    tea = product_of(
        vendor,
        name="恩施玉露",
        name_en="Enshi Yulu tea",
        category=category,
        origin_county=county,
        description="蒸青绿茶。",
        stock=10,
    )
    text = (
        "slug,name,category,origin_county,price,pack_size,net_weight_g,stock,stock_change\n"
        f"{tea.slug},恩施玉露 明前茶,citrus,zigui,168,250 g,250,999,-4\n"
    )

    client.post(IMPORT, {"file": csv_file(text)})

    tea.refresh_from_db()
    assert (tea.name, tea.price, tea.name_en, tea.description) == (
        "恩施玉露 明前茶",
        Decimal("168.00"),
        "Enshi Yulu tea",
        "蒸青绿茶。",
    )
    assert tea.stock == 6  # 10 - 4; the stock column of an existing product is not applied


def test_a_stock_change_below_zero_refuses_the_whole_file(shop, product_of, places):
    client, _owner, vendor = shop
    category, county = places
    a = product_of(vendor, category=category, origin_county=county, stock=2, price=Decimal("5"))
    b = product_of(vendor, category=category, origin_county=county, stock=2)
    text = (
        "slug,name,category,origin_county,price,pack_size,net_weight_g,stock_change\n"
        f"{a.slug},{a.name},citrus,zigui,9,1 box,1000,+5\n"
        f"{b.slug},{b.name},citrus,zigui,10,1 box,1000,-3\n"
    )

    response = client.post(IMPORT, {"file": csv_file(text)})

    assert (
        "Stock cannot go below 0: there are 2, and the change is -3." in response.content.decode()
    )
    a.refresh_from_db()
    assert (a.stock, a.price) == (2, Decimal("5.00"))


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Row 2 has a cell that is too long (more than 131072 characters)."),
        ("zh-hans", "第 2 行有一个过长的单元格（超过 131072 个字符）。"),
    ],
)
def test_an_over_long_cell_gets_a_message_not_an_error_page(shop, language, message):
    client, _owner, _vendor = shop
    text = HEADER + '",' + "x" * 200_000 + "\n"

    response = client.post(IMPORT, {"file": csv_file(text)}, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "field limit" not in html and "field larger" not in html
    assert not Product.objects.exists()


def test_text_that_looks_like_a_formula_is_exported_as_text_and_imports_unchanged(
    shop, product_of, places
):
    client, _owner, vendor = shop
    category, county = places
    texts = {
        "name": '=HYPERLINK("http://evil.example","点我")',
        "pack_size": "+5公斤箱",
        "origin_label": "@秭归",
        "description": "-产地直发",
        "name_en": "'quoted'",
    }
    product = product_of(
        vendor, category=category, origin_county=county, price=Decimal("59.90"), stock=30, **texts
    )

    exported = client.get(reverse("vendor:product_export")).content.decode("utf-8-sig")

    row = next(csv.DictReader(io.StringIO(exported)))
    assert {column: row[column] for column in texts} == {
        column: "'" + text for column, text in texts.items()
    }
    assert (row["price"], row["stock"]) == ("59.90", "30")  # numbers stay numbers
    response = client.post(IMPORT, {"file": csv_file(exported)}, follow=True)
    assert "Imported: 0 new products, 1 updated." in response.content.decode()
    product.refresh_from_db()
    assert {column: getattr(product, column) for column in texts} == texts


@pytest.mark.parametrize("count", [3, 30])
def test_an_import_costs_the_same_queries_for_3_or_30_products(
    shop, places, django_assert_num_queries, session_reads, count
):
    client, _owner, _vendor = shop
    text = HEADER + "".join(
        f",秭归脐橙{i},Zigui oranges {i},citrus,zigui,59.90,5 kg,5000,10,,,,\n"
        for i in range(count)
    )

    # session, user, memberships; categories, counties, the shop's products, slugs
    # wanted; one INSERT; a savepoint pair (the test's transaction); the promotions
    # running and one UPDATE of the prices listings sort by
    with django_assert_num_queries(12 + session_reads):
        client.post(IMPORT, {"file": csv_file(text)})

    assert Product.objects.count() == count


def _report_for_slug(client, slug):
    text = HEADER + f"{slug},秭归脐橙,,citrus,zigui,59.90,5 kg box,5000,10,,,published,\n"
    response = client.post(IMPORT, {"file": csv_file(text)})
    assert response.status_code == 400
    html = response.content.decode().replace(slug, "SLUG")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html[html.index("<main") : html.index("</main>")]


@pytest.mark.parametrize("status", [Product.Status.PUBLISHED, Product.Status.DRAFT])
def test_another_shops_slug_is_answered_as_a_slug_that_does_not_exist(shop, places, status):
    client, _owner, _vendor = shop
    theirs = ProductFactory(slug="their-secret-draft", status=status)
    before = list(Product.objects.values_list("pk", "vendor", "name", "price", "stock"))

    theirs_report = _report_for_slug(client, theirs.slug)
    unknown_report = _report_for_slug(client, "no-such-product")

    assert theirs_report == unknown_report
    assert "No product “SLUG” in your shop; leave slug empty for a new product." in (theirs_report)
    assert _rows(theirs_report) == [("2", "slug")]
    assert list(Product.objects.values_list("pk", "vendor", "name", "price", "stock")) == before


def test_the_spreadsheet_carries_the_english_texts_and_old_files_still_import(
    shop, product_of, places
):
    client, _owner, vendor = shop
    new_header = HEADER.strip() + ",pack_size_en,origin_label_en,description_en\n"
    text = new_header + (
        ",秭归脐橙,Zigui oranges,citrus,zigui,59.90,5公斤箱,5000,10,,"
        "秭归脐橙 地理标志,draft,果园直发,5 kg box,Zigui orange GI,"
        "From the orchard\n"
    )

    client.post(IMPORT, {"file": csv_file(text)})

    product = Product.objects.get(vendor=vendor)
    assert (product.pack_size_en, product.origin_label_en, product.description_en) == (
        "5 kg box",
        "Zigui orange GI",
        "From the orchard",
    )
    exported = client.get(reverse("vendor:product_export")).content.decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(exported)))
    assert (row["pack_size_en"], row["origin_label_en"], row["description_en"]) == (
        "5 kg box",
        "Zigui orange GI",
        "From the orchard",
    )

    # A file in the format from before the English columns: it updates and adds products,
    # and the English texts it does not name stay as they were.
    old = HEADER + (
        f"{product.slug},秭归脐橙,Zigui oranges,citrus,zigui,49.90,5公斤箱,5000,"
        f"10,,,draft,\n,秭归夏橙,,citrus,zigui,39.90,3公斤箱,3000,8,,,draft,\n"
    )
    response = client.post(IMPORT, {"file": csv_file(old)}, follow=True)

    assert "Imported: 1 new products, 1 updated." in response.content.decode()
    product.refresh_from_db()
    assert (product.price, product.pack_size_en) == (Decimal("49.90"), "5 kg box")
    assert Product.objects.get(name="秭归夏橙").pack_size_en == ""


def test_a_file_of_only_slugs_and_stock_changes_updates_just_the_stock(shop, product_of, places):
    client, _owner, vendor = shop
    category, county = places
    tea = product_of(
        vendor,
        name="恩施玉露",
        category=category,
        origin_county=county,
        stock=10,
        price=Decimal("128"),
    )

    response = client.post(IMPORT, {"file": csv_file(f"slug,stock_change\n{tea.slug},+5\n")})

    assert response.status_code == 302, response.content.decode()
    tea.refresh_from_db()
    assert (tea.stock, tea.name, tea.price, tea.category, tea.origin_county) == (
        15,
        "恩施玉露",
        Decimal("128.00"),
        category,
        county,
    )
    help_text = client.get(IMPORT).content.decode()
    assert "A file may have only some columns, for example slug,stock_change" in help_text


@pytest.mark.parametrize(
    ("language", "messages"),
    [
        (
            "en",
            [
                "A new product (slug empty) needs category, and the file has no category column.",
                "A new product (slug empty) needs pack_size, and the file has no pack_size column.",
            ],
        ),
        (
            "zh-hans",
            [
                "新商品（slug 为空）需要 category，但文件中没有 category 列。",
                "新商品（slug 为空）需要 pack_size，但文件中没有 pack_size 列。",
            ],
        ),
    ],
)
def test_a_new_product_in_a_partial_file_names_the_columns_it_lacks(
    shop, product_of, places, language, messages
):
    client, _owner, vendor = shop
    category, county = places
    tea = product_of(vendor, category=category, origin_county=county, stock=10)
    text = (
        f"slug,name,price,net_weight_g,origin_county,stock,stock_change\n"
        f"{tea.slug},恩施玉露,128,250,zigui,,+5\n"
        ",秭归脐橙,59.90,5000,zigui,10,\n"
    )

    response = client.post(IMPORT, {"file": csv_file(text)}, HTTP_ACCEPT_LANGUAGE=language)

    html = response.content.decode()
    assert response.status_code == 400
    for message in messages:
        assert message in html
    assert _rows(html) == [("3", "category"), ("3", "pack_size")]
    tea.refresh_from_db()
    assert tea.stock == 10 and Product.objects.count() == 1
    if language == "zh-hans":
        assert (
            "文件可以只包含部分列，例如 slug,stock_change"
            in client.get(IMPORT, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        )
