#!/usr/bin/python3
"""Interop and paging: a TAXII 2.1 client pages through a live daisd whose run keeps stepping.

Starts daisd --serve on a free loopback port with a paced run, pages the run's collection with a small
`limit` while the run appends (the envelope's `next` while `more`, then the X-DAIS-Next cursor to poll
for what the run adds), and checks when the run has ended that every object version (id, modified) came
exactly once and none is missing (against a fresh listing and the STIX export of the same log). Every
object served validates against the OASIS STIX 2.1 schemas (Debian's python3-jsonschema, stix_check.py);
the TAXII resources carry the properties the TAXII 2.1 specification requires.
usage: taxii_feed.py BIN_DIR SCHEMA_DIR SCRATCH_DIR
"""
import json
import pathlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from stix_check import Schemas, check_object

bin_dir, schema_dir, scratch = (pathlib.Path(a) for a in sys.argv[1:4])
schemas = Schemas(schema_dir)
shutil.rmtree(scratch, ignore_errors=True)
scratch.mkdir(parents=True)

TAXII = "application/taxii+json;version=2.1"
STEPS = 260
problems = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = free_port()
base = f"http://127.0.0.1:{port}"


def get(path, accept=TAXII):
    request = urllib.request.Request(base + path, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=20) as r:
            return r.status, dict((k.lower(), v) for k, v in r.headers.items()), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict((k.lower(), v) for k, v in e.headers.items()), json.loads(e.read())


def require(resource, name, props):
    for p in props:
        if p not in resource:
            problems.append(f"{name}: no '{p}' property: {json.dumps(resource)[:200]}")


err = open(scratch / "daisd.err", "w")
# Attacks 6 benign standard deviations out, so enough signatures are accepted to page through.
daisd = subprocess.Popen([str(bin_dir / "daisd"), "--data", str(scratch / "run"), "--serve", "--listen",
                          f"127.0.0.1:{port}", "--agents", "10", "--steps", str(STEPS), "--seed", "11",
                          "--set", "blacklist.expiry=40", "--set", "traffic.attack_distance=6",
                          "--set", "simulation.step_interval_ms=25"],
                         stdout=subprocess.DEVNULL, stderr=err)
try:
    deadline = time.time() + 30
    while True:
        try:
            status, _, discovery = get("/taxii2/")
            break
        except (urllib.error.URLError, ConnectionError):
            if time.time() > deadline or daisd.poll() is not None:
                sys.exit("daisd did not start serving: " + (scratch / "daisd.err").read_text()[-2000:])
            time.sleep(0.1)
    require(discovery, "discovery", ["title", "api_roots"])
    root_url = discovery["api_roots"][0]
    root_path = root_url[root_url.index("/taxii2/"):]
    _, headers, api_root = get(root_path)
    require(api_root, "api root", ["title", "versions", "max_content_length"])
    if headers.get("content-type") != TAXII:
        problems.append(f"api root content type {headers.get('content-type')!r}")
    _, _, collections = get(root_path + "collections/")
    if len(collections.get("collections", [])) != 1:
        problems.append(f"expected one collection: {collections}")
        raise SystemExit
    collection = collections["collections"][0]
    require(collection, "collection", ["id", "title", "can_read", "can_write"])
    objects_path = f"{root_path}collections/{collection['id']}/objects/"

    # Page with a small limit while the run appends; poll from the last cursor once caught up.
    seen, pages, cursor, finished, stepping_pages = [], 0, None, False, 0
    while True:
        query = "?limit=3&match[version]=all" + (f"&next={cursor}" if cursor else "")
        status, headers, envelope = get(objects_path + query)
        if status != 200:
            problems.append(f"objects page: HTTP {status} {envelope}")
            break
        pages += 1
        if not finished:
            stepping_pages += 1
        require(envelope, "envelope", ["more"])
        for obj in envelope.get("objects", []):
            seen.append((obj["id"], obj["modified"]))
            problems += check_object(schemas, obj)
        if envelope["more"]:
            cursor = envelope["next"]
            if headers.get("x-dais-next") != cursor:
                problems.append(f"X-DAIS-Next {headers.get('x-dais-next')} is not the envelope's next {cursor}")
            continue
        cursor = headers.get("x-dais-next", cursor)
        if finished:
            break  # caught up after the run ended
        stats = json.loads(urllib.request.urlopen(base + "/v1/stats", timeout=20).read())
        finished = stats["steps_completed"] >= STEPS
        if not finished:
            time.sleep(0.05)

    # The same versions, all at once, after the run; and those of the STIX export of the same log.
    everything, cursor = [], None
    while True:
        _, _, envelope = get(objects_path + "?limit=1000&match[version]=all" + (f"&next={cursor}" if cursor else ""))
        everything += [(o["id"], o["modified"]) for o in envelope.get("objects", [])]
        if not envelope["more"]:
            break
        cursor = envelope["next"]
    bundle = json.loads(urllib.request.urlopen(base + "/v1/export/stix", timeout=20).read())
    exported = sorted((o["id"], o["modified"]) for o in bundle["objects"])

    duplicates = len(seen) - len(set(seen))
    if duplicates:
        problems.append(f"{duplicates} object versions came twice while paging")
    if seen != everything:
        problems.append(f"paging while the run appended gave {len(seen)} versions, a listing after it "
                        f"{len(everything)}; missing: {sorted(set(everything) - set(seen))[:5]}")
    if sorted(everything) != exported:
        problems.append("the TAXII collection does not hold the STIX export's object versions")

    # Manifest and versions agree with the objects.
    _, _, manifest = get(f"{root_path}collections/{collection['id']}/manifest/?limit=1000&match[version]=all")
    for record in manifest.get("objects", []):
        require(record, "manifest record", ["id", "date_added", "version"])
    if [(r["id"], r["version"]) for r in manifest.get("objects", [])] != everything[:1000]:
        problems.append("the manifest does not list the objects' versions in the same order")
    some = next((i for i, _ in everything if i.startswith("indicator--")), None)
    if some:
        _, _, versions = get(f"{objects_path}{some}/versions/")
        if versions.get("versions") != [m for i, m in everything if i == some]:
            problems.append(f"versions of {some}: {versions}")
    status, headers, error = get("/taxii2/", accept="application/json")
    if status != 406 or error.get("http_status") != "406":
        problems.append(f"Accept: application/json gave HTTP {status} {error}")

    print(f"paged {len(seen)} object versions in {pages} pages ({stepping_pages} while the run stepped); "
          f"{len(set(i for i, _ in seen))} objects")
    if stepping_pages < 5 or len(seen) < 20:
        problems.append("the run was too short or too fast to prove paging while it appends")
finally:
    daisd.terminate()
    try:
        daisd.wait(timeout=20)
    except subprocess.TimeoutExpired:
        daisd.kill()
    err.close()

if problems:
    print("\n".join(problems[:50]))
    sys.exit(1)
print("every object version came exactly once while the run appended, and every object validates against "
      "the OASIS STIX 2.1 schemas")
