"""How the sandbox answers, shared by its core (``app.py``) and its route modules: ITscope's API prefix, plain-text
errors, JSON and XML bodies, ITscope's list shapes, and the mark of a tokenised route. A module of its own so that the
route modules need not import the core that imports them."""

import json

from lxml import etree
from werkzeug.wrappers import Response

API_PREFIX = "/2.1"


def tokenised(handler):
    """Mark a route handler whose URL carries its own token (ITscope's share links ``/t/<token>``): no Basic auth."""
    handler.tokenised = True
    return handler


def text_error(status, message):
    return Response(message, status=status, mimetype="text/plain")


def json_response(data, status=200):
    return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json")


def xml_response(element, status=200):
    body = etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)
    return Response(body, status=status, mimetype="application/xml")


def no_content():
    return Response(status=204)


def to_xml(tag, value, list_names=None):
    """Render a JSON-shaped value as ITscope's XML: lists wrapped as ``<wrapper><item/>…</wrapper>``.

    ``list_names`` maps a JSON list key to ``(wrapper, item)`` tag names (the OpenAPI ``xml`` names); a key absent
    from it is wrapped as ``<keys><key/></keys>``. ``None`` values are left out, booleans are ``true``/``false``.
    """
    list_names = list_names or {}
    element = etree.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None:
                continue
            if isinstance(item, list):
                wrapper_tag, item_tag = list_names.get(key, (key + "s", key))
                wrapper = etree.SubElement(element, wrapper_tag)
                for entry in item:
                    wrapper.append(to_xml(item_tag, entry, list_names))
            else:
                element.append(to_xml(key, item, list_names))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)
    return element


def list_response(request_type, items, root, item, list_names=None):
    """A JSON array or ``<root><item/>…</root>``; 204 when empty, as ITscope answers."""
    if not items:
        return no_content()
    if request_type == "json":
        return json_response(items)
    element = etree.Element(root)
    for entry in items:
        element.append(to_xml(item, entry, list_names))
    return xml_response(element)
