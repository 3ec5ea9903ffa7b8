"""Chinese for search: traditional characters folded to simplified (OpenCC), and the
pinyin a shopper may type for a Chinese name (pypinyin): full syllables without tones
(`qicheng`) and initials (`qc`), every reading of a character with several (橙: cheng,
deng…), from every character on, so a shopper may start typing at any character of a
name (`qicheng` finds 秭归脐橙)."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

import opencc
from pypinyin import Style, pinyin

CJK_RUN = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+")
# How far a pinyin token reaches from the character it starts at: full syllables for
# PINYIN_SPAN characters, initials for INITIALS_SPAN (a query longer than that is
# matched by its own start: tokens are matched as prefixes).
PINYIN_SPAN = 6
INITIALS_SPAN = 8
# A run of characters with several readings each gives at most this many spellings.
MAX_READINGS = 8

_TO_SIMPLIFIED = opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """`text` with traditional characters written simplified (臍橙 -> 脐橙); anything
    else as it was."""
    if not text or not CJK_RUN.search(text):
        return text
    return _TO_SIMPLIFIED.convert(text)


@lru_cache(maxsize=4096)
def _readings(run: str) -> tuple[tuple[str, ...], ...]:
    """Each character's readings, without tones, the usual one first."""
    syllables = pinyin(run, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(tuple(dict.fromkeys(s.replace("ü", "v") for s in each)) for each in syllables)


def _spellings(readings: tuple[tuple[str, ...], ...], initials: bool) -> list[str]:
    options = [tuple(dict.fromkeys(r[0] for r in each)) if initials else each for each in readings]
    return ["".join(combo) for combo in itertools.islice(itertools.product(*options), MAX_READINGS)]


def pinyin_tokens(text: str | None) -> list[str]:
    """Every pinyin token of the Chinese in `text`, without repeats: for each character,
    the syllables from it over PINYIN_SPAN characters and the initials over
    INITIALS_SPAN, in each reading."""
    tokens: list[str] = []
    for run in CJK_RUN.findall(to_simplified(text or "")):
        readings = _readings(run)
        if len(readings) != len(run):  # a character pypinyin does not know
            readings = tuple(each for each in readings if each)
        for start in range(len(readings)):
            tokens.extend(_spellings(readings[start : start + PINYIN_SPAN], initials=False))
            tokens.extend(_spellings(readings[start : start + INITIALS_SPAN], initials=True))
    return list(dict.fromkeys(token for token in tokens if token))


def pinyin_document(*texts: str | None) -> str:
    """The pinyin tokens of `texts`, space separated (Product.search_pinyin)."""
    tokens: list[str] = []
    for text in texts:
        tokens.extend(pinyin_tokens(text))
    return " ".join(dict.fromkeys(tokens))
