from django import template

from orders.shipping.provinces import display_name

register = template.Library()


@register.filter
def province_name(province: str | None) -> str:
    """广东 (Chinese) or Guangdong (English) for 广东省; "" for none."""
    return display_name(province) if province else ""
