#!/usr/bin/python3
"""Interop: every object and the bundle dais-export writes validate against the OASIS STIX 2.1 JSON schemas.

Runs daisd for a short run, exports it as STIX at the head and at an earlier seq, and validates with Debian's
python3-jsonschema (draft 2020-12), resolving the schemas' $ref between files to the local copies (offline).
Patterns are checked against the STIX 2.1 pattern grammar for the comparison expressions DAIS emits.
usage: stix_schemas.py BIN_DIR SCHEMA_DIR SCRATCH_DIR
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import warnings

import jsonschema

warnings.simplefilter("ignore", DeprecationWarning)  # RefResolver: the API Debian 12's jsonschema offers

bin_dir, schema_dir, scratch = (pathlib.Path(a) for a in sys.argv[1:4])
shutil.rmtree(scratch, ignore_errors=True)
scratch.mkdir(parents=True)

# Every schema by its $id, so $refs ("../common/core.json") resolve to local files, never the network.
store = {}
for path in (schema_dir / "schemas").rglob("*.json"):
    schema = json.loads(path.read_text())
    store[schema["$id"]] = schema
by_name = {pathlib.PurePosixPath(i).stem: s for i, s in store.items()}
Validator = jsonschema.Draft202012Validator


def validate(instance, schema):
    resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=store)
    errors = sorted(Validator(schema, resolver=resolver, format_checker=Validator.FORMAT_CHECKER).iter_errors(instance),
                    key=lambda e: list(e.path))
    return [f"{list(e.path)}: {e.message}" for e in errors]


# STIX 2.1 patterning grammar, restricted to what DAIS writes: one comparison expression on an address.
STRING = r"'(?:[^'\\]|\\['\\])*'"
PATTERN = re.compile(r"^\[(ipv4-addr|ipv6-addr):value (=|ISSUBSET) (" + STRING + r")\]$")


def check_pattern(pattern):
    m = PATTERN.match(pattern)
    if not m:
        return f"pattern {pattern!r} is not a STIX comparison expression"
    import ipaddress
    value = m.group(3)[1:-1].replace("\\'", "'").replace("\\\\", "\\")
    network = ipaddress.ip_network(value, strict=False)
    if (network.version == 4) != (m.group(1) == "ipv4-addr"):
        return f"pattern {pattern!r}: the object type does not match the address"
    if (m.group(2) == "ISSUBSET") != ("/" in value):
        return f"pattern {pattern!r}: ISSUBSET is for prefixes, = for addresses"
    return None


data = scratch / "run"
subprocess.run([str(bin_dir / "daisd"), "--data", str(data), "--agents", "10", "--steps", "260", "--seed", "11",
                "--set", "blacklist.expiry=40"], check=True, stdout=subprocess.DEVNULL)
# A run with /24 signatures (consensus.signature_prefix) and moving attackers: its indicators are prefixes.
data24 = scratch / "run24"
subprocess.run([str(bin_dir / "daisd"), "--data", str(data24), "--agents", "10", "--steps", "120", "--seed", "11",
                "--set", "consensus.signature_prefix=24", "--set", "attack.pool_size=8"],
               check=True, stdout=subprocess.DEVNULL)

problems = []
checked = {"identity": 0, "indicator": 0, "revoked": 0, "renewed": 0, "prefix": 0}
for data, at in ((data, None), (data, 120), (data24, None)):
    args = [str(bin_dir / "dais-export"), str(data), "--format", "stix"] + ([] if at is None else ["--at", str(at)])
    bundle = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    problems += [f"bundle (at {at}): {p}" for p in validate(bundle, by_name["bundle"])]
    versions = {}
    for obj in bundle["objects"]:
        problems += [f"{obj['id']} {obj['modified']}: {p}" for p in validate(obj, by_name[obj["type"]])]
        checked[obj["type"]] += 1
        if obj["type"] == "indicator":
            if (err := check_pattern(obj["pattern"])):
                problems.append(err)
            if "ISSUBSET" in obj["pattern"]:
                checked["prefix"] += 1
            if obj.get("revoked"):
                checked["revoked"] += 1
            key = (obj["id"], obj["modified"])
            if key in versions:
                problems.append(f"{key}: two versions share one modified timestamp")
            versions[key] = obj
            if "simulated" not in obj.get("labels", []):
                problems.append(f"{obj['id']}: no 'simulated' label")
    by_id = {}
    for (oid, _), obj in versions.items():
        by_id.setdefault(oid, []).append(obj)
    checked["renewed"] += sum(1 for objs in by_id.values() if len([o for o in objs if not o.get("revoked")]) > 1)

# The validator must catch a broken object, or passing proves nothing.
broken = dict(next(o for o in bundle["objects"] if o["type"] == "indicator"))
del broken["pattern"]
broken["valid_from"] = "yesterday"
if len(validate(broken, by_name["indicator"])) == 0:
    problems.append("the schema check accepted an indicator without a pattern and with a bad timestamp")
if check_pattern("[ipv4-addr:value = '2001:db8::1']") is None or check_pattern("ipv4-addr:value = '1.2.3.4'") is None:
    problems.append("the pattern check accepted a malformed pattern")

print("checked:", checked)
if checked["indicator"] == 0 or checked["revoked"] == 0 or checked["prefix"] == 0:
    problems.append(f"the run exported too little to prove anything: {checked}")
if problems:
    print("\n".join(problems[:50]))
    sys.exit(1)
print("every STIX object and bundle validates against the OASIS STIX 2.1 schemas")
