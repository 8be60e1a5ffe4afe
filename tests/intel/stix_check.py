"""Shared by the STIX interop tests: the OASIS STIX 2.1 JSON schemas loaded from a local folder (their $refs
resolved offline) and validated with Debian's python3-jsonschema (draft 2020-12), and a check of the STIX
patterns DAIS writes against the STIX 2.1 pattern grammar for those comparison expressions."""
import ipaddress
import json
import pathlib
import re
import sys
import warnings

import jsonschema

warnings.simplefilter("ignore", DeprecationWarning)  # RefResolver: the API Debian 12's jsonschema offers
Validator = jsonschema.Draft202012Validator


class Schemas:
    def __init__(self, schema_dir):
        schema_dir = pathlib.Path(schema_dir)
        folder = schema_dir / "schemas"
        if not folder.is_dir():
            sys.exit(f"schema folder missing: {folder} (the OASIS STIX 2.1 schemas; see scripts/setup.sh)")
        # Every schema by its $id, so $refs ("../common/core.json") resolve to local files, never the network.
        self.store = {}
        for path in folder.rglob("*.json"):
            schema = json.loads(path.read_text())
            if "$id" in schema:
                self.store[schema["$id"]] = schema
        self.by_name = {pathlib.PurePosixPath(i).stem: s for i, s in self.store.items()}
        missing = [n for n in ("bundle", "identity", "indicator") if n not in self.by_name]
        if missing:
            sys.exit(f"schema folder {folder} lacks the STIX 2.1 schemas for: {', '.join(missing)}")

    def validate(self, instance, name):
        schema = self.by_name[name]
        resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=self.store)
        validator = Validator(schema, resolver=resolver, format_checker=Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        return [f"{list(e.path)}: {e.message}" for e in errors]


# STIX 2.1 patterning grammar, restricted to what DAIS writes: one comparison expression on an address.
STRING = r"'(?:[^'\\]|\\['\\])*'"
PATTERN = re.compile(r"^\[(ipv4-addr|ipv6-addr):value (=|ISSUBSET) (" + STRING + r")\]$")


def check_pattern(pattern):
    m = PATTERN.match(pattern)
    if not m:
        return f"pattern {pattern!r} is not a STIX comparison expression"
    value = m.group(3)[1:-1].replace("\\'", "'").replace("\\\\", "\\")
    network = ipaddress.ip_network(value, strict=False)
    if (network.version == 4) != (m.group(1) == "ipv4-addr"):
        return f"pattern {pattern!r}: the object type does not match the address"
    if (m.group(2) == "ISSUBSET") != ("/" in value):
        return f"pattern {pattern!r}: ISSUBSET is for prefixes, = for addresses"
    return None


def check_object(schemas, obj):
    """Problems of one STIX object: schema, pattern, the 'simulated' label."""
    problems = [f"{obj.get('id')} {obj.get('modified')}: {p}" for p in schemas.validate(obj, obj["type"])]
    if obj["type"] == "indicator":
        if (err := check_pattern(obj["pattern"])):
            problems.append(err)
        if "simulated" not in obj.get("labels", []):
            problems.append(f"{obj['id']}: no 'simulated' label")
    return problems
