"""Mainland China's provinces, cities and districts, for the address book's selects.

The data is orders/data/regions.csv (Ministry of Civil Affairs codes, via cpca; see the
file's header). Codes are PPCCDD: province, city, district. The four municipalities
(Beijing, Tianjin, Shanghai, Chongqing) are their own city, as people write them
(北京市 北京市 东城区); county-level cities under a province directly (潜江市, 仙桃市…)
and cities with no districts (东莞市, 中山市…) have no district to choose. Taiwan, Hong
Kong and Macau are left out: the store delivers in the mainland, to mainland mobiles.
"""

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "regions.csv"
MUNICIPALITIES = {"11", "12", "31", "50"}
NOT_DELIVERED = {"71", "81", "82"}
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True)
class Regions:
    provinces: tuple
    cities: dict  # province -> its cities
    districts: dict  # (province, city) -> its districts (empty: none to choose)


@lru_cache(maxsize=1)
def regions():
    with DATA.open(encoding="utf-8") as data:
        codes = dict(row for row in csv.reader(line for line in data if not line.startswith("#")))
    names = {code: name for code, name in codes.items() if name not in PLACEHOLDERS}
    province_of = {
        code[:2]: name
        for code, name in names.items()
        if code.endswith("0000") and code[:2] not in NOT_DELIVERED
    }
    cities, districts = {p: [] for p in province_of.values()}, {}
    for code, name in sorted(names.items()):
        province = province_of.get(code[:2])
        if province is None or code.endswith("0000"):
            continue
        if code[:2] in MUNICIPALITIES:
            city = province
        elif code.endswith("00"):
            cities[province].append(name)
            districts.setdefault((province, name), [])
            continue
        elif f"{code[:4]}00" not in names:  # a county-level city under the province
            cities[province].append(name)
            districts.setdefault((province, name), [])
            continue
        else:
            city = names[f"{code[:4]}00"]
        if city not in cities[province]:
            cities[province].append(city)
        districts.setdefault((province, city), []).append(name)
    return Regions(
        provinces=tuple(province_of[code] for code in sorted(province_of)),
        cities={p: tuple(c) for p, c in cities.items()},
        districts={k: tuple(d) for k, d in districts.items()},
    )


def cities_of(province):
    return regions().cities.get(province, ())


def districts_of(province, city):
    return regions().districts.get((province, city), ())
