"""What a review's, follow-up's or reply's text keeps of what was typed."""

import unicodedata

# Emoji sequences (👨‍🌾) are joined by U+200D: the one format character kept.
ZERO_WIDTH_JOINER = "\u200d"


def without_invisible_controls(text: str) -> str:
    """`text` without format characters (Unicode Cf: right-to-left overrides, zero-width
    spaces…), which make a review display other than it reads; emoji joiners kept."""
    return "".join(
        char for char in text if char == ZERO_WIDTH_JOINER or unicodedata.category(char) != "Cf"
    )
