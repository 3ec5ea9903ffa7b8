"""The destination groups a freight template prices, and the provinces' names.

Provinces are named as orders/regions.py (and so the address book) names them: 湖北省,
广西壮族自治区, 北京市… Taiwan, Hong Kong and Macau are not delivered to (regions.py).
"""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from orders import regions


class Group(models.TextChoices):
    HUBEI = "hubei", _("Hubei")
    NEIGHBOURS = "neighbours", _("neighbouring provinces")
    MAINLAND = "mainland", _("rest of the mainland")
    REMOTE = "remote", _("remote regions")


NEIGHBOURS = frozenset({"河南省", "安徽省", "江西省", "湖南省", "重庆市", "陕西省"})
REMOTE = frozenset({"新疆维吾尔自治区", "西藏自治区", "青海省", "内蒙古自治区"})

ENGLISH = {
    "北京市": "Beijing",
    "天津市": "Tianjin",
    "河北省": "Hebei",
    "山西省": "Shanxi",
    "内蒙古自治区": "Inner Mongolia",
    "辽宁省": "Liaoning",
    "吉林省": "Jilin",
    "黑龙江省": "Heilongjiang",
    "上海市": "Shanghai",
    "江苏省": "Jiangsu",
    "浙江省": "Zhejiang",
    "安徽省": "Anhui",
    "福建省": "Fujian",
    "江西省": "Jiangxi",
    "山东省": "Shandong",
    "河南省": "Henan",
    "湖北省": "Hubei",
    "湖南省": "Hunan",
    "广东省": "Guangdong",
    "广西壮族自治区": "Guangxi",
    "海南省": "Hainan",
    "重庆市": "Chongqing",
    "四川省": "Sichuan",
    "贵州省": "Guizhou",
    "云南省": "Yunnan",
    "西藏自治区": "Tibet",
    "陕西省": "Shaanxi",
    "甘肃省": "Gansu",
    "青海省": "Qinghai",
    "宁夏回族自治区": "Ningxia",
    "新疆维吾尔自治区": "Xinjiang",
}
SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


def provinces() -> tuple[str, ...]:
    """Every province delivered to, in the ministry's code order."""
    return regions.regions().provinces


def is_province(name: str) -> bool:
    return name in ENGLISH


def group_of(province: str) -> str:
    if province == "湖北省":
        return Group.HUBEI
    if province in NEIGHBOURS:
        return Group.NEIGHBOURS
    if province in REMOTE:
        return Group.REMOTE
    return Group.MAINLAND


def provinces_in(group: str) -> list[str]:
    return [province for province in provinces() if group_of(province) == group]


def short_name(province: str) -> str:
    """广东 for 广东省, 新疆 for 新疆维吾尔自治区: as shoppers say it ("至 广东")."""
    for suffix in SUFFIXES:
        if province.endswith(suffix) and len(province) > len(suffix):
            return province[: -len(suffix)]
    return province


def display_name(province: str) -> str:
    """The province in the reader's language: 广东 in Chinese, Guangdong in English."""
    if (translation.get_language() or "").startswith("zh"):
        return short_name(province)
    return ENGLISH.get(province, province)
