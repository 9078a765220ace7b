#!/usr/bin/python3
"""Check JSON documents against a JSON Schema of docs/schemas/.

Usage: schema-check.py SCHEMA [FILE...].  The schema is checked first:
against its draft's meta-schema (python3-jsonschema), and for the rules
docs/schemas/ keeps: every object that lists properties is closed
(additionalProperties false) and requires all of them, and every property
has a description.  Then each FILE ("-": standard input) must be one JSON
document, without duplicate keys, that the schema accepts.  Prints one line
per error on stderr, "FILE: PATH: message"; exit 0 when there is none, 1
otherwise, 2 for usage.
"""
import json
import sys

import jsonschema


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError(f"duplicate key {sorted(dup)[0]!r}")
    return dict(pairs)


def load(path):
    f = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with f:
        return json.load(f, object_pairs_hook=no_duplicates)


def described(prop, defs):
    if "description" in prop:
        return True
    ref = prop.get("$ref", "")
    return ref.startswith("#/$defs/") and "description" in defs.get(ref[len("#/$defs/"):], {})


def house_rules(node, defs, where, errors):
    """The rules of docs/schemas/ beyond the meta-schema, at every level."""
    if isinstance(node, dict):
        props = node.get("properties")
        # an object's own properties; not the partial ones of if/then/else, oneOf or anyOf branches
        if isinstance(props, dict) and "type" in node:
            if node.get("additionalProperties") is not False:
                errors.append(f"{where}: an object that lists properties must have additionalProperties false")
            missing = set(props) - set(node.get("required", []))
            if missing:
                errors.append(f"{where}: properties not required: {', '.join(sorted(missing))}")
            for name, prop in props.items():
                if not described(prop, defs):
                    errors.append(f"{where}/properties/{name}: no description")
        for key, value in node.items():
            house_rules(value, defs, f"{where}/{key}", errors)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            house_rules(value, defs, f"{where}/{i}", errors)


def path_of(error):
    return "/" + "/".join(str(p) for p in error.absolute_path)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    schema_path, files = argv[1], argv[2:]
    try:
        schema = load(schema_path)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        print(f"{schema_path}: {e}", file=sys.stderr)
        return 1
    problems = []
    house_rules(schema, schema.get("$defs", {}), "#", problems)
    for p in problems:
        print(f"{schema_path}: {p}", file=sys.stderr)
    if problems:
        return 1
    validator = cls(schema)
    bad = 0
    for path in files:
        try:
            doc = load(path)
        except (OSError, ValueError) as e:
            print(f"{path}: not one JSON document: {e}", file=sys.stderr)
            bad += 1
            continue
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            print(f"{path}: {path_of(error)}: {error.message}", file=sys.stderr)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
