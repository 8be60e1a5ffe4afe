#!/usr/bin/env python3
"""Soak a running simulation: starts `daisd --serve` on a fresh data directory (steps 0 = until
stopped, rate limit off), polls GET /v1/stats, /v1/agents, /v1/signatures, /v1/blacklist over keep-alive
connections, and prints one line per interval: elapsed time, steps, daisd's resident memory
(VmRSS, and RssAnon: what grows when something is kept forever), and query latency p50/p99.
Ends with SIGTERM to daisd (which must exit 0) and a closing summary.

  scripts/soak.py [--daisd build/release/bin/daisd] [--duration 3600] [--interval 60]
                  [--agents 20] [--clients 2] [--set key=value ...]

The 1-hour soak is `scripts/soak.py --duration 3600 --interval 60` (not part of ctest).
Latency is measured by this client (Python http.client over loopback), so compare runs made
on the same machine. Exit 0 when daisd stayed up and answered every query with 200."""
import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROUTES = ["/v1/stats", "/v1/agents", "/v1/signatures", "/v1/blacklist"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_kib(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                fields[key] = int(value.split()[0])
    return fields.get("VmRSS", 0), fields.get("RssAnon", 0)


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100.0 * len(ordered)))]


class Poller(threading.Thread):
    """One keep-alive client cycling through ROUTES, recording latencies in ms."""

    def __init__(self, port, pause_s):
        super().__init__(daemon=True)
        self.port, self.pause_s = port, pause_s
        self.lock = threading.Lock()
        self.latencies, self.errors, self.stop = [], 0, False

    def take(self):
        with self.lock:
            out, self.latencies = self.latencies, []
            return out

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        i = 0
        while not self.stop:
            route = ROUTES[i % len(ROUTES)]
            i += 1
            started = time.perf_counter()
            try:
                conn.request("GET", route)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            elapsed_ms = 1e3 * (time.perf_counter() - started)
            with self.lock:
                if ok:
                    self.latencies.append(elapsed_ms)
                else:
                    self.errors += 1
            time.sleep(self.pause_s)


def steps_of(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/v1/stats")
    return json.loads(conn.getresponse().read())["steps_completed"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--daisd", default=os.path.join(os.path.dirname(__file__), "../build/release/bin/daisd"))
    parser.add_argument("--duration", type=float, default=3600, help="seconds (default 3600)")
    parser.add_argument("--interval", type=float, default=60, help="seconds between report lines (default 60)")
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--clients", type=int, default=2, help="polling connections")
    parser.add_argument("--pause-ms", type=float, default=5, help="pause between one client's requests")
    parser.add_argument("--set", action="append", default=[], help="extra daisd --set key=value")
    parser.add_argument("--data", help="data directory (default: a new temporary one, removed at the end)")
    args = parser.parse_args()

    scratch = None if args.data else tempfile.TemporaryDirectory(prefix="dais-soak-")
    data = args.data or os.path.join(scratch.name, "data")
    port = free_port()
    command = [args.daisd, "--data", data, "--serve", "--quiet", "--agents", str(args.agents), "--steps", "0",
               "--listen", f"127.0.0.1:{port}", "--set", "store.sync=none", "--set", "api.rate_limit=0"]
    for s in args.set:
        command += ["--set", s]
    log = open(os.path.join(scratch.name, "daisd.log") if scratch else data.rstrip("/") + ".soak.log", "w")
    daisd = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if daisd.poll() is not None or time.time() > deadline:
                print("soak: daisd did not start serving", file=sys.stderr)
                return 1
            time.sleep(0.1)

    pollers = [Poller(port, args.pause_ms / 1e3) for _ in range(args.clients)]
    for p in pollers:
        p.start()
    print(f"soak: daisd pid {daisd.pid}, {args.agents} agents, {args.clients} clients, port {port}")
    print(f"{'elapsed_s':>9} {'steps':>9} {'steps/s':>8} {'rss_mib':>8} {'anon_mib':>8} {'queries':>8} "
          f"{'p50_ms':>7} {'p99_ms':>7}", flush=True)
    started = time.time()
    last_steps, last_time, lines = 0, started, []
    status = 0
    while time.time() - started < args.duration:
        time.sleep(min(args.interval, max(0.0, args.duration - (time.time() - started))))
        if daisd.poll() is not None:
            print(f"soak: daisd exited with {daisd.returncode}", file=sys.stderr)
            return 1
        now = time.time()
        latencies = [x for p in pollers for x in p.take()]
        steps = steps_of(port)
        rss, anon = memory_kib(daisd.pid)
        line = dict(elapsed=now - started, steps=steps, rate=(steps - last_steps) / (now - last_time),
                    rss=rss / 1024, anon=anon / 1024, queries=len(latencies),
                    p50=percentile(latencies, 50), p99=percentile(latencies, 99))
        lines.append(line)
        last_steps, last_time = steps, now
        print(f"{line['elapsed']:9.0f} {steps:9d} {line['rate']:8.1f} {line['rss']:8.1f} {line['anon']:8.1f} "
              f"{line['queries']:8d} {line['p50']:7.2f} {line['p99']:7.2f}", flush=True)
    for p in pollers:
        p.stop = True
    errors = sum(p.errors for p in pollers)
    daisd.send_signal(signal.SIGTERM)
    code = daisd.wait(timeout=120)
    if code != 0 or errors:
        print(f"soak: daisd exit {code}, {errors} failed queries", file=sys.stderr)
        status = 1
    if len(lines) >= 2:
        first, last = lines[0], lines[-1]
        print(f"soak: RssAnon {first['anon']:.1f} -> {last['anon']:.1f} MiB, "
              f"p50 {first['p50']:.2f} -> {last['p50']:.2f} ms, p99 {first['p99']:.2f} -> {last['p99']:.2f} ms, "
              f"{last['steps']} steps, {errors} failed queries, daisd exit {code}")
    return status


if __name__ == "__main__":
    sys.exit(main())
