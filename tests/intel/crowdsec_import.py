#!/usr/bin/python3
"""Interop: Debian's real cscli imports what `dais-export --format crowdsec` writes, and lists it back.

cscli imports decisions through a local API (LAPI), so the test runs Debian's `crowdsec -no-cs` (the LAPI
alone, no log acquisition, no Central API: the private config has no online_client section) as a child on a
loopback port, with a private config and SQLite database under SCRATCH_DIR. Nothing touches /etc/crowdsec, no
service is started, and no network beyond 127.0.0.1 is used. The LAPI is stopped at the end.
usage: crowdsec_import.py BIN_DIR SCRATCH_DIR
"""
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

bin_dir, scratch = (pathlib.Path(a) for a in sys.argv[1:3])
for tool in ("cscli", "crowdsec"):
    if shutil.which(tool) is None:
        sys.exit(f"{tool} is not installed: scripts/setup.sh test installs Debian's crowdsec package")
shutil.rmtree(scratch, ignore_errors=True)
(scratch / "cfg").mkdir(parents=True)
(scratch / "data").mkdir()
(scratch / "hub").mkdir()

with socket.socket() as s:  # a free loopback port for the LAPI
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]

config = scratch / "config.yaml"
credentials = scratch / "cfg" / "local_api_credentials.yaml"
config.write_text(f"""common:
  daemonize: false
  log_media: stdout
  log_level: warning
  working_dir: {scratch}
config_paths:
  config_dir: {scratch}/cfg/
  data_dir: {scratch}/data/
  simulation_path: {scratch}/cfg/simulation.yaml
  hub_dir: {scratch}/hub/
  index_path: {scratch}/hub/.index.json
cscli:
  output: json
  color: "no"
db_config:
  log_level: warning
  type: sqlite
  db_path: {scratch}/data/crowdsec.db
  use_wal: false
api:
  client:
    insecure_skip_verify: false
    credentials_path: {credentials}
  server:
    log_level: warning
    listen_uri: 127.0.0.1:{port}
    profiles_path: {scratch}/cfg/profiles.yaml
""")
(scratch / "cfg" / "simulation.yaml").write_text("simulation: false\n")
(scratch / "cfg" / "profiles.yaml").write_text("""name: default_ip_remediation
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
 - type: ban
   duration: 4h
on_success: break
""")


def cscli(*args):
    r = subprocess.run(["cscli", "-c", str(config), *args], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        sys.exit(f"cscli {' '.join(args)} failed ({r.returncode}): {r.stdout}{r.stderr}")
    return r.stdout


# A DAIS run and its CrowdSec export.
data = scratch / "run"
subprocess.run([str(bin_dir / "daisd"), "--data", str(data), "--agents", "10", "--steps", "120", "--seed", "5"],
               check=True, stdout=subprocess.DEVNULL)
# And one with /24 signatures (consensus.signature_prefix): its decisions have scope Range.
data24 = scratch / "run24"
subprocess.run([str(bin_dir / "daisd"), "--data", str(data24), "--agents", "10", "--steps", "120", "--seed", "5",
                "--set", "consensus.signature_prefix=24", "--set", "attack.pool_size=8"],
               check=True, stdout=subprocess.DEVNULL)
export_file = scratch / "dais-decisions.json"
exported = []
for run in (data, data24):
    exported += json.loads(subprocess.run([str(bin_dir / "dais-export"), str(run), "--format", "crowdsec"],
                                          check=True, capture_output=True, text=True).stdout)
export_file.write_text(json.dumps(exported))
if not exported:
    sys.exit("the run exported no decisions: nothing to import")
if not any(d["scope"] == "Range" and d["value"].endswith("/24") for d in exported):
    sys.exit("the /24 run exported no Range decision: the prefix path is not exercised")

# A machine for cscli in the private database, then the LAPI alone.
cscli("machines", "add", "dais-test", "--auto", "-f", str(credentials), "--url", f"http://127.0.0.1:{port}/")
lapi_log = open(scratch / "lapi.log", "w")
lapi = subprocess.Popen(["crowdsec", "-c", str(config), "-no-cs"], stdout=lapi_log, stderr=subprocess.STDOUT)
try:
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if lapi.poll() is not None or time.time() > deadline:
                sys.exit(f"the CrowdSec LAPI did not start: {(scratch / 'lapi.log').read_text()}")
            time.sleep(0.2)

    imported_at = time.time()
    # --scope "": cscli 1.4's --scope flag defaults to "Ip" and would override each line's own scope.
    print(cscli("decisions", "import", "-i", str(export_file), "--scope", ""), end="")
    alerts = json.loads(cscli("decisions", "list", "-a", "-o", "json") or "null") or []
finally:
    lapi.send_signal(signal.SIGTERM)
    try:
        lapi.wait(timeout=20)
    except subprocess.TimeoutExpired:
        lapi.kill()
        lapi.wait()

listed = {}
for alert in alerts:
    for d in alert.get("decisions") or []:
        listed[d["value"]] = d


def seconds(go_duration):
    total = 0.0
    for number, unit in re.findall(r"([0-9.]+)(h|ms|m|s)", go_duration):
        total += float(number) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[unit]
    return total


problems = []
elapsed = time.time() - imported_at + 1
for d in exported:
    got = listed.get(d["value"])
    if got is None:
        problems.append(f"{d['value']}: not listed back")
        continue
    for key, want in (("scope", d["scope"]), ("type", d["type"]), ("scenario", d["reason"])):
        if got[key] != want:
            problems.append(f"{d['value']}: {key} is {got[key]!r}, exported {want!r}")
    want_s, got_s = seconds(d["duration"]), seconds(got["duration"])
    if not (want_s - elapsed <= got_s <= want_s):
        problems.append(f"{d['value']}: duration {got['duration']} does not match the exported {d['duration']}")
if len(listed) != len(exported):
    problems.append(f"{len(exported)} decisions exported, {len(listed)} listed back")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"cscli imported and listed back all {len(exported)} DAIS decisions (scope, type, scenario, duration)")
