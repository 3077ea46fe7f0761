"""Values as other authors write them: numbers, counts, dates and country codes, each read in bounded time and memory.

Documents come from distributors and marketplaces we do not control. Every reader here takes the element's text and
returns the value or raises ``ValueError`` with a reason for people (the parser turns it into a warning that names the
place). Numbers are bounded before anything is computed with them: ``1E+99999999`` is a valid Decimal that would
print as a 100 MB string, and ``Infinity`` or ``NaN`` would break every sum, so neither ever leaves this module.
"""

import re
from datetime import date, datetime, timezone
from decimal import Decimal

from ._countries import NUMERIC_TO_ALPHA2

MAX_NUMBER_LENGTH = 40  # characters of one number as written; longer texts are refused before Decimal sees them
MAX_INTEGER_DIGITS = 15  # |value| < 10**15: beyond any amount, quantity or count a trading document carries
MAX_DECIMAL_PLACES = 30  # "many decimals" (1.000000000000) is fine; 1E-99999999 is not
MAX_DATE_LENGTH = 40
YEARS = range(1970, 2200)  # a trading document dated outside these years is a typo or a hostile value

_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")  # xsd:decimal, plus an exponent
_COMPACT_DATE = re.compile(r"[0-9]{8}")  # 20200901
_COMPACT_DATETIME = re.compile(r"[0-9]{14}")  # 20200901134500
_UNIX_SECONDS = re.compile(r"[0-9]{9,10}")  # 1598918400
_UNIX_MILLISECONDS = re.compile(r"[0-9]{12,13}")  # 1598918400000


def read_decimal(value):
    """A finite Decimal of bounded size from ``value`` as written (``1.0``, ``-3``, ``2.5E+2``)."""
    if len(value) > MAX_NUMBER_LENGTH:
        raise ValueError("is longer than %d characters" % MAX_NUMBER_LENGTH)
    if not _NUMBER.fullmatch(value):
        raise ValueError("is not a number")
    number = Decimal(value)
    exponent = number.as_tuple().exponent
    if exponent < -MAX_DECIMAL_PLACES:
        raise ValueError("has more than %d decimal places" % MAX_DECIMAL_PLACES)
    if exponent >= MAX_INTEGER_DIGITS or (number and number.adjusted() >= MAX_INTEGER_DIGITS):
        raise ValueError("is out of range (%d digits at most before the decimal point)" % MAX_INTEGER_DIGITS)
    return number


def read_count(value):
    """A whole non-negative number such as TOTAL_ITEM_NUM (``3``, also ``3.0``)."""
    number = read_decimal(value)
    if number < 0 or number != number.to_integral_value():
        raise ValueError("is not a whole number of at least 0")
    return int(number)


def read_date(value):
    """A ``date`` or ``datetime`` from ISO 8601, a compact ``20200901``/``20200901134500`` or a Unix timestamp.

    ISO values keep what the sender wrote (naive or with an offset); Unix timestamps are UTC by definition and come
    back as aware datetimes. Dates outside :data:`YEARS` are refused.
    """
    if len(value) > MAX_DATE_LENGTH:
        raise ValueError("is longer than %d characters" % MAX_DATE_LENGTH)
    try:
        parsed = _parse_date(value)
    except (ValueError, OverflowError, OSError):
        raise ValueError("is not a date") from None
    if parsed.year not in YEARS:
        raise ValueError("lies outside the years %d to %d" % (YEARS.start, YEARS.stop - 1))
    return parsed


def _parse_date(value):
    if _COMPACT_DATE.fullmatch(value):
        return datetime.strptime(value, "%Y%m%d").date()
    if _COMPACT_DATETIME.fullmatch(value):
        return datetime.strptime(value, "%Y%m%d%H%M%S")
    if _UNIX_SECONDS.fullmatch(value):
        return datetime.fromtimestamp(int(value), timezone.utc)
    if _UNIX_MILLISECONDS.fullmatch(value):
        return datetime.fromtimestamp(int(value) / 1000, timezone.utc)
    if len(value) == 10:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)


def read_country_code(value):
    """The ISO 3166 alpha-2 code for ``DE``, ``de`` or the numeric ``276``; ValueError for anything else."""
    if value.isascii() and value.isalpha() and len(value) == 2:
        return value.upper()
    if value.isascii() and value.isdigit() and len(value) <= 3 and value.zfill(3) in NUMERIC_TO_ALPHA2:
        return NUMERIC_TO_ALPHA2[value.zfill(3)]
    raise ValueError("is not an ISO 3166 country code")
