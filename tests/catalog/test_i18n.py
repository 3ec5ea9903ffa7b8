"""Shoppers read the zone in Simplified Chinese by default and in English on request."""

import ast
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.factories import CountyFactory, PrefectureFactory, ProductFactory

pytestmark = pytest.mark.django_db

PO_FILE = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
HOME = reverse("catalog:home")
LIST = reverse("catalog:product_list")
SET_LANGUAGE = reverse("set_language")


def read_po(path=PO_FILE):
    """The .po file's entries, each a dict of its flags and (unquoted) keywords.

    Keywords are msgctxt, msgid, msgid_plural, msgstr and msgstr[N]; obsolete (#~)
    entries and the header are left out.
    """
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry, flags, keyword = {}, set(), None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#") or not line:
                continue
            elif line.startswith('"'):
                entry[keyword] += ast.literal_eval(line)
            else:
                keyword, _, value = line.partition(" ")
                entry[keyword] = ast.literal_eval(value)
        if entry.get("msgid"):
            entry["flags"] = flags
            entries.append(entry)
    return entries


def translations(entry):
    """Each msgstr of an entry, keyed by the msgstr keyword."""
    return {key: value for key, value in entry.items() if key.startswith("msgstr")}


def page(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_a_browser_without_accept_language_gets_the_zone_in_chinese(client):
    ProductFactory()

    html = page(client, HOME)

    assert '<html lang="zh-hans">' in html
    assert '<button type="submit">搜索</button>' in html
    assert ">全部商品</a>" in html
    assert "<h1>湖北好物</h1>" in html
    assert "All products" not in html


def test_accept_language_en_gets_the_zone_in_english(english):
    ProductFactory()

    html = page(english, HOME)

    assert '<html lang="en">' in html
    assert '<button type="submit">Search</button>' in html
    assert ">All products</a>" in html
    assert "<h1>Made in Hubei</h1>" in html
    assert "全部商品" not in html


def test_the_language_switch_keeps_the_page_and_sticks(client):
    ProductFactory()

    response = client.post(SET_LANGUAGE, {"language": "en", "next": LIST})

    assert response.status_code == 302
    assert response["Location"] == LIST
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = page(client, LIST)
    assert '<html lang="en">' in html
    assert "<h1>All products from Hubei</h1>" in html
    assert "1 product" in html

    response = client.post(SET_LANGUAGE, {"language": "zh-hans", "next": LIST})

    assert response["Location"] == LIST
    html = page(client, LIST)
    assert '<html lang="zh-hans">' in html
    assert "<h1>全部湖北好物</h1>" in html
    assert "1 件商品" in html


def test_the_compiled_catalogue_matches_the_po_file():
    """Fails when someone edits django.po and forgets `make messages` (compilemessages)."""
    entries = read_po()
    assert entries
    stale = []
    with translation.override("zh-hans"):
        for entry in entries:
            msgid, context = entry["msgid"], entry.get("msgctxt")
            if "msgid_plural" in entry:
                plural = entry["msgid_plural"]
                # Chinese has one form (nplurals=1): msgstr[0] serves every count.
                expected = entry["msgstr[0]"]
                if context is None:
                    got = [translation.ngettext(msgid, plural, n) for n in (1, 2, 5)]
                else:
                    got = [translation.npgettext(context, msgid, plural, n) for n in (1, 2, 5)]
                if got != [expected] * 3:
                    stale.append((msgid, expected, got))
            else:
                expected = entry["msgstr"]
                if context is None:
                    got = translation.gettext(msgid)
                else:
                    got = translation.pgettext(context, msgid)
                if got != expected:
                    stale.append((msgid, expected, got))
    assert stale == []


def test_every_msgid_is_translated_and_none_is_fuzzy():
    entries = read_po()

    untranslated = [e["msgid"] for e in entries if not all(translations(e).values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]

    assert untranslated == []
    assert fuzzy == []


def test_the_po_header_declares_chinese_utf8_and_one_plural_form():
    header = PO_FILE.read_text(encoding="utf-8").split("\n\n", 1)[0]

    assert "#, fuzzy" not in header
    assert '"Language: zh_Hans\\n"' in header
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header


def test_county_names_follow_the_language(client):
    prefecture = PrefectureFactory(name_en="Yichang", name_zh="宜昌市")
    county = CountyFactory(
        slug="zigui-i18n", name_en="Zigui County", name_zh="秭归县", prefecture=prefecture
    )
    ProductFactory(origin_county=county)
    url = f"/counties/{county.slug}/"

    chinese = page(client, url)
    english = page(client, url, HTTP_ACCEPT_LANGUAGE="en")

    assert "<h1>秭归县</h1>" in chinese
    assert "<title>秭归县 · 湖北集市</title>" in chinese
    assert "湖北省宜昌市" in chinese
    assert "Zigui County" not in chinese
    assert "<h1>Zigui County</h1>" in english
    assert "<title>Zigui County · Hubei Market</title>" in english
    assert "In Yichang, Hubei" in english
    assert "秭归县" not in english
