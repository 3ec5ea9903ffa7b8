"""The carriers shops ship with, and each one's public tracking page.

A part shipped before the list (free text) keeps its carrier's name as typed; it has no
link.
"""

from dataclasses import dataclass
from urllib.parse import quote

from django.utils.translation import gettext_lazy as _

from core.names import in_shoppers_language


@dataclass(frozen=True)
class Carrier:
    code: str
    name_zh: str
    name_en: str
    # The carrier's own tracking page; {number} is the tracking number.
    tracking_url: str

    @property
    def label(self) -> str:
        return in_shoppers_language(self.name_zh, self.name_en)

    def url_for(self, number: str) -> str:
        return self.tracking_url.format(number=quote(number, safe=""))


CARRIERS = (
    Carrier(
        "sf",
        "顺丰速运",
        "SF Express",
        "https://www.sf-express.com/chn/sc/waybill/waybill-detail/{number}",
    ),
    Carrier(
        "jd", "京东物流", "JD Logistics", "https://www.jdl.com/orderSearch/?waybillCodes={number}"
    ),
    Carrier(
        "ems", "中国邮政 EMS", "China Post EMS", "https://www.ems.com.cn/queryList?mailNum={number}"
    ),
    Carrier("zto", "中通快递", "ZTO Express", "https://www.zto.com/?num={number}"),
    Carrier("yto", "圆通速递", "YTO Express", "https://www.yto.net.cn/?waybillNo={number}"),
    Carrier(
        "sto",
        "申通快递",
        "STO Express",
        "https://www.sto.cn/pc/service-page/waybill?waybill={number}",
    ),
    Carrier(
        "yunda", "韵达快递", "Yunda Express", "https://www.yundaex.com/cn/index.php?number={number}"
    ),
    Carrier(
        "deppon", "德邦快递", "Deppon Express", "https://www.deppon.com/gwtrack?waybill={number}"
    ),
    Carrier(
        "jt",
        "极兔速递",
        "J&T Express",
        "https://www.jtexpress.com.cn/trajectoryQuery?waybillNo={number}",
    ),
)
BY_CODE = {carrier.code: carrier for carrier in CARRIERS}
CHOOSE_CARRIER = _("Choose the carrier from the list.")


def carrier_choices() -> list[tuple[str, str]]:
    return [(c.code, f"{c.name_zh} {c.name_en}") for c in CARRIERS]


def carrier_named(code: str) -> Carrier | None:
    """The carrier of a part's `carrier` (its code), None for one typed before the list."""
    return BY_CODE.get(code)
