"""Check answers against ITscope's own OpenAPI description, ``../shared/itscope/openapi-2.1.json`` (test-only).

``response_schema(path)`` and ``component(name)`` give a schema with every ``$ref`` resolved. ``check_json(value,
schema)`` validates with jsonschema, strictly by default: an object may hold only the properties its schema names, so a
misspelt field fails too (the OpenAPI leaves ``additionalProperties`` open). ``partial=True`` drops ``required``, for
the update views that carry only price and stock fields. ``check_xml(element, schema, root)`` reads an XML answer back
into JSON values the way the schema's ``xml`` names say (wrapped lists, item names, scalar types) and validates that:
element names, list wrapping and required fields are checked in one go.

Where the shared folder is absent, every test using this helper is skipped with a message saying so.
"""

import copy
import datetime
import functools
import json
import pathlib

import jsonschema
import pytest

SHARED = pathlib.Path(__file__).resolve().parents[2].parent / "shared"
SPEC = SHARED / "itscope" / "openapi-2.1.json"


@functools.cache
def _spec():
    return json.loads(SPEC.read_text(encoding="utf-8"))


def spec():
    if not SPEC.is_file():
        pytest.skip("ITscope's OpenAPI description is not at %s: the shared reference folder is absent" % SPEC)
    return _spec()


def component(name):
    return _resolved({"$ref": "#/components/schemas/" + name})


def response_schema(path, status="200", media="application/json", method="get"):
    """The response schema the OpenAPI gives for ``path`` (as written there, e.g. ``/products/id/{itscopeid}/…``)."""
    return _resolved(spec()["paths"][path][method]["responses"][status]["content"][media]["schema"])


def _resolved(schema):
    """``schema`` with every ``$ref`` replaced by a copy of its target; the referring site's ``xml`` wins."""
    if isinstance(schema, list):
        return [_resolved(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        target = spec()
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        resolved = _resolved(copy.deepcopy(target))
        resolved.update({key: value for key, value in schema.items() if key not in ("$ref", "type")})
        return resolved
    return {key: _resolved(value) for key, value in schema.items()}


def _json_schema(schema, strict, partial):
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable`` becomes a null type; strict closes objects; partial drops
    ``required``."""
    if not isinstance(schema, dict):
        return schema
    result = {key: _json_schema(value, strict, partial) for key, value in schema.items() if key != "properties"}
    if "properties" in schema:
        result["properties"] = {
            name: _json_schema(value, strict, partial) for name, value in schema["properties"].items()
        }
        if strict:
            result["additionalProperties"] = False
    if partial:
        result.pop("required", None)
    if result.pop("nullable", False) and "type" in result:
        result["type"] = [result["type"], "null"]
    return result


_FORMATS = jsonschema.FormatChecker(())


@_FORMATS.checks("date-time", raises=ValueError)
def _date_time(value):
    return not isinstance(value, str) or bool(datetime.datetime.fromisoformat(value.replace("Z", "+00:00")))


def check_json(value, schema, strict=True, partial=False):
    """Fail with every violation (path and message) when ``value`` does not fit ``schema``."""
    validator = jsonschema.Draft7Validator(_json_schema(schema, strict, partial), format_checker=_FORMATS)
    errors = sorted(validator.iter_errors(value), key=lambda error: list(error.absolute_path))
    messages = ["%s: %s" % ("/".join(map(str, e.absolute_path)) or "(root)", e.message) for e in errors[:20]]
    assert not errors, "%d schema violation(s):\n%s" % (len(errors), "\n".join(messages))


def check_xml(element, schema, root=None, strict=True, partial=False):
    """Validate an XML answer: its root is named ``root`` (default: the schema's ``xml`` name), and its content,
    read back by the schema's ``xml`` names, fits the schema. Returns the value read back."""
    expected = root or schema.get("xml", {}).get("name")
    assert element.tag == expected, "root element <%s>, expected <%s>" % (element.tag, expected)
    if schema.get("type") == "array":
        value = [_from_xml(child, schema["items"], _item_tag(schema, expected)) for child in element]
    else:
        value = _from_xml(element, schema, expected)
    check_json(value, schema, strict, partial)
    return value


def _item_tag(array_schema, name):
    """The element name of an array's items: the items' ``xml`` name, else the array property's own name."""
    return array_schema["items"].get("xml", {}).get("name", name)


def _from_xml(element, schema, tag):
    assert element.tag == tag, "element <%s> where <%s> was expected" % (element.tag, tag)
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "object":
        value, seen = {}, set()
        for name, prop in schema.get("properties", {}).items():
            if prop.get("type") == "array":
                xml = prop.get("xml", {})
                item_tag = _item_tag(prop, name)
                if xml.get("wrapped"):
                    wrapper = element.find(xml.get("name", name))
                    if wrapper is not None:
                        seen.add(wrapper)
                        value[name] = [_from_xml(child, prop["items"], item_tag) for child in wrapper]
                else:
                    items = element.findall(item_tag)
                    if items:
                        seen.update(items)
                        value[name] = [_from_xml(child, prop["items"], item_tag) for child in items]
            else:
                child = element.find(name)
                if child is not None:
                    seen.add(child)
                    value[name] = _from_xml(child, prop, name)
        for child in element:
            if child not in seen:  # left to the schema: strict validation names it as unexpected
                value[child.tag] = child.text
        return value
    text = element.text or ""
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text
