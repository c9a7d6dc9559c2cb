#!/usr/bin/env python3
"""Strictly decodes OTLP/JSON trace export requests with the official protobuf definitions.

Usage: otlp_strict_decode.py FILE...   (each FILE holds one POST /v1/traces body)

protobuf's json_format.Parse alone is too lenient for OTLP/JSON: it also accepts the original
snake_case field names and enum names, and it reads bytes fields as base64 where OTLP/JSON puts
hex. So every object is first walked against the message descriptors of
opentelemetry-proto (ExportTraceServiceRequest) and must use:
  - lowerCamelCase JSON names only (field.json_name), no unknown keys;
  - enums as JSON integers that the enum defines;
  - 64-bit integers as decimal strings; 32-bit integers as JSON numbers;
  - traceId / spanId / parentSpanId as lowercase hex of 16 / 8 bytes (parentSpanId may be
    absent or empty), never base64.
The ids are then turned into base64 and the request is decoded by json_format.Parse into the
official message classes (ignore_unknown_fields=False). Prints one JSON summary per file on
stdout: {"spans": [{traceId, spanId, parentSpanId, name, kind, flags, links, attributes, status}],
"resource": {...}}; exits 1 with the first violation on stderr.
"""
import base64
import json
import re
import sys

try:
    from google.protobuf import descriptor as pb_descriptor
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
except ImportError as e:  # pragma: no cover - environment problem, reported clearly
    sys.stderr.write("otlp_strict_decode: cannot import the OTLP protobuf classes (%s); "
                     "scripts/setup makes a venv with them (scripts/setup --otlp-python prints its "
                     "python; scripts/test passes it as COURIER_TEST_PYTHON), or: "
                     "pip install opentelemetry-proto\n" % e)
    sys.exit(3)

FD = pb_descriptor.FieldDescriptor
HEX_ID_FIELDS = {"trace_id": 16, "span_id": 8, "parent_span_id": 8}
INT64_TYPES = {FD.TYPE_INT64, FD.TYPE_UINT64, FD.TYPE_SINT64, FD.TYPE_FIXED64, FD.TYPE_SFIXED64}
INT32_TYPES = {FD.TYPE_INT32, FD.TYPE_UINT32, FD.TYPE_SINT32, FD.TYPE_FIXED32, FD.TYPE_SFIXED32}
HEX = re.compile(r"^[0-9a-f]*$")


class Violation(Exception):
    pass


def check_scalar(field, value, path):
    if field.type == FD.TYPE_ENUM:
        if not isinstance(value, int) or isinstance(value, bool):
            raise Violation("%s: enum %s must be an integer, got %r" % (path, field.enum_type.full_name, value))
        if field.enum_type.values_by_number.get(value) is None:
            raise Violation("%s: %d is not a value of %s" % (path, value, field.enum_type.full_name))
        return value
    if field.type in INT64_TYPES:
        if not isinstance(value, str) or not re.match(r"^-?[0-9]+$", value):
            raise Violation("%s: a 64-bit integer must be a decimal string, got %r" % (path, value))
        return value
    if field.type in INT32_TYPES:
        if not isinstance(value, int) or isinstance(value, bool):
            raise Violation("%s: a 32-bit integer must be a JSON number, got %r" % (path, value))
        return value
    if field.type == FD.TYPE_BYTES:
        if field.name in HEX_ID_FIELDS:
            size = HEX_ID_FIELDS[field.name]
            if not isinstance(value, str) or not HEX.match(value):
                raise Violation("%s: must be lowercase hex, got %r" % (path, value))
            if not (len(value) == 2 * size or (field.name == "parent_span_id" and value == "")):
                raise Violation("%s: must be %d hex characters, got %d" % (path, 2 * size, len(value)))
            return base64.b64encode(bytes.fromhex(value)).decode("ascii")
        return value
    if field.type == FD.TYPE_BOOL and not isinstance(value, bool):
        raise Violation("%s: must be true or false, got %r" % (path, value))
    if field.type == FD.TYPE_STRING and not isinstance(value, str):
        raise Violation("%s: must be a string, got %r" % (path, value))
    if field.type == FD.TYPE_DOUBLE and not (isinstance(value, (int, float)) and not isinstance(value, bool)
                                              or value in ("NaN", "Infinity", "-Infinity")):
        raise Violation("%s: must be a number, got %r" % (path, value))
    return value


def walk(descriptor, obj, path):
    """Checks obj against descriptor and returns a copy with hex ids turned into base64."""
    if not isinstance(obj, dict):
        raise Violation("%s: expected an object for %s" % (path, descriptor.full_name))
    by_json_name = {f.json_name: f for f in descriptor.fields}
    out = {}
    for key, value in obj.items():
        field = by_json_name.get(key)
        if field is None:
            raise Violation("%s: '%s' is not a lowerCamelCase field of %s" % (path, key, descriptor.full_name))
        where = "%s.%s" % (path, key)
        # protobuf 5.28+ has is_repeated; 'label' is gone in 7.x.
        repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == FD.LABEL_REPEATED
        items = value if repeated else [value]
        if repeated and not isinstance(value, list):
            raise Violation("%s: expected an array" % where)
        converted = []
        for i, item in enumerate(items):
            item_path = "%s[%d]" % (where, i) if repeated else where
            if field.type == FD.TYPE_MESSAGE:
                converted.append(walk(field.message_type, item, item_path))
            else:
                converted.append(check_scalar(field, item, item_path))
        out[key] = converted if repeated else converted[0]
    return out


def any_value(value):
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def summary(request):
    spans = []
    resources = []
    for rs in request.resource_spans:
        resources.append({a.key: any_value(a.value) for a in rs.resource.attributes})
        for ss in rs.scope_spans:
            for span in ss.spans:
                spans.append({
                    "scope": ss.scope.name,
                    "traceId": span.trace_id.hex(),
                    "spanId": span.span_id.hex(),
                    "parentSpanId": span.parent_span_id.hex(),
                    "name": span.name,
                    "kind": int(span.kind),
                    "flags": int(span.flags),
                    "start": str(span.start_time_unix_nano),
                    "end": str(span.end_time_unix_nano),
                    "attributes": {a.key: any_value(a.value) for a in span.attributes},
                    "links": [{"traceId": l.trace_id.hex(), "spanId": l.span_id.hex()} for l in span.links],
                    "events": [e.name for e in span.events],
                    "status": {"code": int(span.status.code), "message": span.status.message},
                })
    return {"resources": resources, "spans": spans}


def main(paths):
    if not paths:
        sys.stderr.write(__doc__)
        return 2
    for path in paths:
        with open(path, "rb") as f:
            raw = f.read()
        try:
            document = json.loads(raw.decode("utf-8"))
            converted = walk(trace_service_pb2.ExportTraceServiceRequest.DESCRIPTOR, document, "$")
            request = trace_service_pb2.ExportTraceServiceRequest()
            json_format.Parse(json.dumps(converted), request, ignore_unknown_fields=False)
        except (Violation, ValueError, json_format.ParseError) as e:
            sys.stderr.write("%s: not strict OTLP/JSON: %s\n" % (path, e))
            return 1
        print(json.dumps(summary(request), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
