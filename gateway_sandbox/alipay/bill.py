"""The sandbox's trade bill of a day, as Alipay's download address serves it: a zip of two
GBK CSV files, <merchant>_<yyyymmdd>_业务明细.csv (one row per payment or refund) and
<merchant>_<yyyymmdd>_业务明细(汇总).csv (the totals), with Alipay's '#' comment lines."""

import io
import zipfile
from datetime import date

from django.core import signing
from django.utils import timezone

from gateway_sandbox import trades
from gateway_sandbox.alipay.api import ALIPAY, beijing, yuan

SALT = "gateway_sandbox.alipay.bill"
LINK_SECONDS = 30 * 60  # Alipay's download addresses expire too (after 30 seconds)
DETAIL_HEADER = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,"
    "终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,"
    "商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,"
    "退款批次号/请求号,服务费（元）,分润（元）,备注"
)
SUMMARY_HEADER = (
    "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,"
    "商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）"
)


def bill_token(merchant_id: str, day: date) -> str:
    return signing.dumps({"merchant": merchant_id, "day": day.isoformat()}, salt=SALT)


def bill_of_token(token: str) -> tuple[str, date]:
    """(merchant, day) of a download address; signing.BadSignature when it is not one."""
    value = signing.loads(token, salt=SALT, max_age=LINK_SECONDS)
    return value["merchant"], date.fromisoformat(value["day"])


def _cell(text: str) -> str:
    """Alipay ends the id cells with a tab, so that spreadsheets keep them as text."""
    return str(text).replace(",", "，").replace("\n", " ")


def _period(merchant_id: str, day: date, title: str) -> list[str]:
    start, end = trades.day_bounds(day)
    return [
        f"#支付宝{title}查询",
        f"#账号：[{merchant_id}]",
        f"#起始日期：[{start:%Y年%m月%d日 %H:%M:%S}]   终止日期：[{end:%Y年%m月%d日 %H:%M:%S}]",
    ]


def bill_zip(merchant_id: str, day: date) -> bytes:
    lines = trades.bill(ALIPAY, merchant_id, day)
    rows = []
    for line in lines:
        trade = line.trade
        sign = "-" if line.kind == "refund" else ""
        amount = sign + yuan(line.amount_fen)
        rows.append(
            ",".join(
                [
                    trade.gateway_trade_id + "\t",
                    trade.trade_number + "\t",
                    "交易" if line.kind == "payment" else "退款",
                    _cell(trade.subject),
                    beijing(trade.created_at),
                    beijing(line.at),
                    "",
                    "",
                    "",
                    "",
                    "san***@sandbox.example",
                    amount,
                    amount,
                    "0.00",
                    "0.00",
                    "0.00",
                    "0.00",
                    "0.00",
                    "",
                    "0.00",
                    "0.00",
                    (line.refund.refund_number + "\t") if line.refund else "",
                    "0.00",
                    "0.00",
                    _cell(line.refund.reason) if line.refund else "",
                ]
            )
        )
    payments = [line for line in lines if line.kind == "payment"]
    refunds = [line for line in lines if line.kind == "refund"]
    paid_fen = sum(line.amount_fen for line in payments)
    refunded_fen = sum(line.amount_fen for line in refunds)
    exported = f"#导出时间：[{timezone.localtime():%Y年%m月%d日 %H:%M:%S}]"
    detail = [
        *_period(merchant_id, day, "业务明细"),
        "#-----------------------------------------业务明细列表----------------------------------------",
        DETAIL_HEADER,
        *rows,
        "#-----------------------------------------业务明细列表结束------------------------------------",
        f"#交易合计：{len(payments)}笔，商家实收共：{yuan(paid_fen)}元，商家优惠共：0.00元",
        f"#退款合计：{len(refunds)}笔，商家实收退款共：-{yuan(refunded_fen)}元，商家优惠退款共：0.00元",
        exported,
    ]
    summary = [
        *_period(merchant_id, day, "业务汇总"),
        "#-----------------------------------------业务汇总列表----------------------------------------",
        SUMMARY_HEADER,
        ",".join(
            [
                "",
                "合计",
                str(len(payments)),
                str(len(refunds)),
                yuan(paid_fen - refunded_fen),
                yuan(paid_fen - refunded_fen),
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                yuan(paid_fen - refunded_fen),
            ]
        ),
        "#-----------------------------------------业务汇总列表结束------------------------------------",
        exported,
    ]
    stem = f"{merchant_id}_{day:%Y%m%d}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            f"{stem}_业务明细.csv", "\r\n".join(detail).encode("gbk", errors="replace")
        )
        archive.writestr(
            f"{stem}_业务明细(汇总).csv", "\r\n".join(summary).encode("gbk", errors="replace")
        )
    return buffer.getvalue()
