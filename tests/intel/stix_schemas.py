#!/usr/bin/python3
"""Interop: every object and the bundle dais-export writes validate against the OASIS STIX 2.1 JSON schemas.

Runs daisd for a short run (and one where later evidence revokes signatures), exports it as STIX at the head
and at an earlier seq, and validates with Debian's
python3-jsonschema (stix_check.py: the schemas' $refs resolved to the local copies, offline; patterns checked
against the STIX 2.1 pattern grammar for the comparison expressions DAIS emits).
usage: stix_schemas.py BIN_DIR SCHEMA_DIR SCRATCH_DIR
"""
import json
import pathlib
import shutil
import subprocess
import sys

from stix_check import Schemas, check_object, check_pattern

bin_dir, schema_dir, scratch = (pathlib.Path(a) for a in sys.argv[1:4])
schemas = Schemas(schema_dir)  # exits with "schema folder missing: PATH" when it is not there
shutil.rmtree(scratch, ignore_errors=True)
scratch.mkdir(parents=True)

data = scratch / "run"
# Attacks 6 benign standard deviations out: at the default 3 too few signatures are accepted to expire.
subprocess.run([str(bin_dir / "daisd"), "--data", str(data), "--agents", "10", "--steps", "260", "--seed", "11",
                "--set", "blacklist.expiry=40", "--set", "traffic.attack_distance=6"], check=True, stdout=subprocess.DEVNULL)
# A run with /24 signatures (consensus.signature_prefix) and moving attackers: its indicators are prefixes.
data24 = scratch / "run24"
subprocess.run([str(bin_dir / "daisd"), "--data", str(data24), "--agents", "10", "--steps", "120", "--seed", "11",
                "--set", "consensus.signature_prefix=24", "--set", "attack.pool_size=8"],
               check=True, stdout=subprocess.DEVNULL)

# A run whose framed benign hosts later evidence revokes (validation.defence evidence): its revoked
# versions say so in their description.
data_ev = scratch / "run_evidence"
subprocess.run([str(bin_dir / "daisd"), "--data", str(data_ev), "--agents", "12", "--steps", "50", "--seed", "42",
                "--set", "simulation.scenario=classroom", "--set", "traffic.flows_per_step=30",
                "--set", "faults.byzantine_fraction=0.34", "--set", "faults.adversary=framing",
                "--set", "consensus.reputation=true", "--set", "validation.defence=evidence",
                "--set", "store.sync=none"],
               check=True, stdout=subprocess.DEVNULL)

problems = []
checked = {"identity": 0, "indicator": 0, "revoked": 0, "renewed": 0, "prefix": 0, "revoked by evidence": 0}
for data, at in ((data, None), (data, 120), (data24, None), (data_ev, None)):
    args = [str(bin_dir / "dais-export"), str(data), "--format", "stix"] + ([] if at is None else ["--at", str(at)])
    bundle = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    problems += [f"bundle (at {at}): {p}" for p in schemas.validate(bundle, "bundle")]
    versions = {}
    for obj in bundle["objects"]:
        problems += check_object(schemas, obj)
        checked[obj["type"]] += 1
        if obj["type"] == "indicator":
            if "ISSUBSET" in obj["pattern"]:
                checked["prefix"] += 1
            if obj.get("revoked"):
                checked["revoked"] += 1
                if "later evidence" in obj.get("description", ""):
                    checked["revoked by evidence"] += 1
            key = (obj["id"], obj["modified"])
            if key in versions:
                problems.append(f"{key}: two versions share one modified timestamp")
            versions[key] = obj
    by_id = {}
    for (oid, _), obj in versions.items():
        by_id.setdefault(oid, []).append(obj)
    checked["renewed"] += sum(1 for objs in by_id.values() if len([o for o in objs if not o.get("revoked")]) > 1)

# The validator must catch a broken object, or passing proves nothing.
broken = dict(next(o for o in bundle["objects"] if o["type"] == "indicator"))
del broken["pattern"]
broken["valid_from"] = "yesterday"
if len(schemas.validate(broken, "indicator")) == 0:
    problems.append("the schema check accepted an indicator without a pattern and with a bad timestamp")
if check_pattern("[ipv4-addr:value = '2001:db8::1']") is None or check_pattern("ipv4-addr:value = '1.2.3.4'") is None:
    problems.append("the pattern check accepted a malformed pattern")

print("checked:", checked)
if checked["indicator"] == 0 or checked["revoked"] == 0 or checked["prefix"] == 0 or checked["revoked by evidence"] == 0:
    problems.append(f"the run exported too little to prove anything: {checked}")
if problems:
    print("\n".join(problems[:50]))
    sys.exit(1)
print("every STIX object and bundle validates against the OASIS STIX 2.1 schemas")
