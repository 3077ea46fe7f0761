"""XML plumbing shared by the openTRANS builders and parsers: namespace-based lookups, value formats, XSD checks.

Documents arrive from distributors we do not control, so they are read with the package's hardened parser
(:func:`itscope.xmlsafe.parse_xml`: no entities, no network, no DOCTYPE). Lookups go by namespace and local name,
never by prefix: ITscope writes BMEcat elements as ``bme:``, other senders as ``ns2:``, ``bmecat:``, in the
openTRANS namespace, in no namespace at all or in a draft's namespace (``…/bmecat/2005fd``), and every one of those
must read the same.
"""

import functools
import pathlib
import threading
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from ..errors import ItscopeDocumentError
from ..xmlsafe import parse_xml

OT_NS = "http://www.opentrans.org/XMLSchema/2.1"
BME_NS = "http://www.bmecat.org/bmecat/2005"
NSMAP = {None: OT_NS, "bme": BME_NS}
SCHEMA_FILE = "opentrans_2_1.xsd"


def _is_known_namespace(namespace):
    """openTRANS or BMEcat in any version or draft, or no namespace at all (hand-written documents)."""
    return namespace is None or "opentrans" in namespace.lower() or "bmecat" in namespace.lower()


# ------------------------------------------------------------
# Namespace-based lookups
# ------------------------------------------------------------


def local_name(element):
    return etree.QName(element).localname


@functools.lru_cache(maxsize=256)
def _steps(path):
    """``A/B[@type=x]/C`` as ``(("A", None), ("B", ("type", "x")), ("C", None))``: paths are constants."""
    steps = []
    for step in path.split("/"):
        name, attr = step, None
        if step.endswith("]"):
            name, _sep, predicate = step[:-1].partition("[@")
            key, _sep, value = predicate.partition("=")
            attr = (key, value.lower())
        steps.append((name, attr))
    return tuple(steps)


class Lookups:
    """Lookups by path in one document; each element's children are indexed by local name when first looked into.

    The parser asks each line for some forty facts; the index makes every one a few dictionary lookups, so a document
    with thousands of lines reads in about the time lxml takes to parse it. Attribute values compare
    case-insensitively (senders write ``ean`` and ``EAN``). Children in namespaces other than openTRANS, BMEcat or none
    are not indexed, so they are never found.
    """

    def __init__(self):
        self._index = {}

    def _children(self, element, name):
        index = self._index.get(element)
        if index is None:
            index = self._index[element] = {}
            for child in element.iterchildren(etree.Element):
                namespace, _sep, local = child.tag[1:].rpartition("}") if child.tag[0] == "{" else (None, "", child.tag)
                if _is_known_namespace(namespace):
                    index.setdefault(local, []).append(child)
        return index.get(name, ())

    def find_all(self, element, path):
        """All elements reached from ``element`` (may be ``None``) along ``path`` (``A/B[@type=x]/C``), in order."""
        current = [element] if element is not None else []
        for name, attr in _steps(path):
            current = [
                child
                for parent in current
                for child in self._children(parent, name)
                if attr is None or (child.get(attr[0]) or "").lower() == attr[1]
            ]
        return current

    def find(self, element, *paths):
        """The first element found by the first path that finds one: senders put the same fact in different places."""
        for path in paths:
            found = self.find_all(element, path)
            if found:
                return found[0]
        return None

    def find_text(self, element, *paths):
        """The first non-empty text among ``paths``, tried in order."""
        for path in paths:
            for found in self.find_all(element, path):
                value = text(found)
                if value is not None:
                    return value
        return None

    def texts(self, element, path):
        """Every non-empty text along ``path``."""
        return [value for value in (text(found) for found in self.find_all(element, path)) if value is not None]


def text(element):
    """Stripped text with inner whitespace runs collapsed (senders wrap long values), ``None`` when empty."""
    if element is None or element.text is None:
        return None
    value = " ".join(element.text.split())
    return value or None


# ------------------------------------------------------------
# Value conversion (both directions)
# ------------------------------------------------------------


def to_decimal(value):
    """A Decimal from a caller's number (floats go through ``str`` so 0.1 stays 0.1); documents use :mod:`._values`."""
    if value is None or isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError("%r is not a number" % (value,)) from exc


def format_decimal(value):
    """Plain positional notation: the XSD's ``xsd:decimal`` refuses exponents such as ``1E+2``."""
    return format(to_decimal(value), "f")


def format_date(value):
    """``YYYY-MM-DDThh:mm:ss`` (plus the offset of an aware datetime), or ``YYYY-MM-DD`` for a date."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


# ------------------------------------------------------------
# Building
# ------------------------------------------------------------


def sub(parent, name, value=None, ns=OT_NS, max_length=None, **attrs):
    """Append ``<name>`` with ``value`` rendered for openTRANS; ``max_length`` cuts text to the XSD's limit.

    Attributes whose value is empty are left out, so callers can pass optional ones straight through.
    """
    element = etree.SubElement(parent, "{%s}%s" % (ns, name), {k: str(v) for k, v in attrs.items() if v})
    if value is None:
        return element
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, Decimal | int):
        element.text = format_decimal(value)
    elif isinstance(value, date):
        element.text = format_date(value)
    else:
        element.text = str(value)[:max_length] if max_length else str(value)
    return element


def bme(parent, name, value=None, max_length=None, **attrs):
    """:func:`sub` in the BMEcat namespace."""
    return sub(parent, name, value, ns=BME_NS, max_length=max_length, **attrs)


def new_root(name, **attrs):
    return etree.Element("{%s}%s" % (OT_NS, name), {"version": "2.1", **attrs}, nsmap=NSMAP)


def serialize(root):
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# ------------------------------------------------------------
# XSD validation
# ------------------------------------------------------------


_VALIDATION_LOCK = threading.Lock()  # an XMLSchema keeps its error log on itself: one validation at a time


@functools.lru_cache(maxsize=4)
def _schema(xsd_dir):
    # The schema files are the caller's trusted copy, not a sender's: xmldsig's own DTD may load, the net never.
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(pathlib.Path(xsd_dir) / SCHEMA_FILE), parser))


def validate(xml_bytes, xsd_dir):
    """Check a document against openTRANS 2.1 in ``xsd_dir``; return readable errors (empty when valid).

    The schema is loaded once per directory. A document that cannot even be parsed yields its parse error as the
    only entry, so a caller answering "is this valid?" needs no second error path.
    """
    try:
        root = parse_xml(xml_bytes)
    except ItscopeDocumentError as exc:
        return [exc.message]
    schema = _schema(str(pathlib.Path(xsd_dir).resolve()))
    with _VALIDATION_LOCK:
        if schema.validate(root):
            return []
        return ["line %d: %s" % (error.line, error.message) for error in schema.error_log]
