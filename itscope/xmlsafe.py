"""Reading XML from outside safely: no entities resolved, no network, no DTD, and no DOCTYPE at all.

Odoo hardens lxml's global parser only for code running after its own start-up; this package must hold on its own.
"""

from lxml import etree

from .errors import ItscopeDocumentError

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True)


def parse_xml(data):
    """Parse bytes into an element tree root; refuse a DOCTYPE and turn any syntax error into a readable error."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        tree = etree.ElementTree(etree.fromstring(data, _PARSER))
    except etree.XMLSyntaxError as exc:
        raise ItscopeDocumentError("The document is not well-formed XML: %s" % exc) from None
    if tree.docinfo.doctype:
        raise ItscopeDocumentError("The document declares a DOCTYPE, which is refused for safety.")
    return tree.getroot()
