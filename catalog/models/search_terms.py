"""What search knows beyond the products: staff's synonyms and the words products use."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.search import (
    CJK_RUN,
    MAX_TERM_LENGTH,
    MAX_TERM_WORDS,
    MAX_TERMS,
    parse_terms,
    query_terms,
)


class SearchSynonym(models.Model):
    """Words shoppers use for the same thing, in either language (橙子, 脐橙, orange): a
    search for any of them also finds the others. Expanded when a query is read, so a
    change takes effect at once without rebuilding any product."""

    terms = models.TextField(
        _("words"),
        help_text=_("Two or more words or phrases meaning the same, separated by commas."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["terms"]
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")

    def __str__(self):
        return self.terms

    def clean(self):
        """Written back as typed terms, normalised, one comma between: "橙子, 脐橙, orange"."""
        terms = parse_terms(self.terms)
        unsearchable = [term for term in terms if not query_terms(term)]
        if unsearchable:
            raise ValidationError(
                {"terms": _("Each word needs a letter, a digit or a Chinese character.")}
            )
        if len(terms) < 2:
            raise ValidationError(
                {"terms": _("Give at least two words, separated by commas: 橙子, 脐橙, orange.")}
            )
        if len(terms) > MAX_TERMS:
            raise ValidationError(
                {"terms": _("Give at most %(limit)s words in one group.") % {"limit": MAX_TERMS}}
            )
        too_long = [
            term
            for term in terms
            if len(term) > MAX_TERM_LENGTH or len(term.split()) > MAX_TERM_WORDS
        ]
        if too_long:
            raise ValidationError(
                {
                    "terms": _(
                        "“%(term)s” is too long: a word or phrase of at most %(length)s "
                        "characters and %(words)s words."
                    )
                    % {"term": too_long[0][:40], "length": MAX_TERM_LENGTH, "words": MAX_TERM_WORDS}
                }
            )
        too_short = [term for term in terms if len(term) < 2 and not CJK_RUN.search(term)]
        if too_short:
            raise ValidationError(
                {
                    "terms": _(
                        "“%(term)s” is too short: a word of Latin letters or digits needs two "
                        "at least (one Chinese character is enough)."
                    )
                    % {"term": too_short[0]}
                }
            )
        self.terms = ", ".join(terms)


class SearchWord(models.Model):
    """A Latin word some product's search document holds (three letters or more): the
    dictionary a misspelt word (`crayfsh`) is corrected against, with pg_trgm on
    PostgreSQL. Filled as documents are built; stale words are swept by beat."""

    word = models.CharField(_("word"), max_length=60, unique=True)
    # How many products held it when last counted (0 until the sweep counts it).
    products = models.PositiveIntegerField(_("products"), default=0)

    class Meta:
        ordering = ["word"]
        verbose_name = _("search word")
        verbose_name_plural = _("search words")

    def __str__(self):
        return self.word
