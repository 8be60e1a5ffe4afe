#!/usr/bin/env bash
# Interop of daisd's transparency log with Go's golang.org/x/mod/sumdb/note and sumdb/tlog
# (Debian's golang-go and golang-golang-x-mod-dev, installed by scripts/setup.sh test).
# Builds tlog_interop.go offline (GOPATH mode over Debian's /usr/share/gocode, GOPROXY=off),
# writes a log of a few hundred entries (more than one full tile), serves it on a free
# loopback port and runs the Go checker against it. Fails, never skips, when Go is missing.
# Usage: tlog_interop.sh BIN_DIR SCRATCH_DIR
set -euo pipefail
bin="$1"
scratch="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gocode=/usr/share/gocode
if ! command -v go >/dev/null || [[ ! -d $gocode/src/golang.org/x/mod/sumdb/tlog ]]; then
  echo "tlog_interop: needs Debian's golang-go and golang-golang-x-mod-dev: run scripts/setup.sh test" >&2
  exit 1
fi
rm -rf "$scratch"
mkdir -p "$scratch/gocache"
GO111MODULE=off GOPATH=$gocode GOPROXY=off GOFLAGS= GOCACHE="$scratch/gocache" \
  go build -o "$scratch/tlog_interop" "$here/tlog_interop.go"

data="$scratch/run/log"
"$bin/daisd" --data "$data" --steps 300 --agents 12 --seed 7 --quiet >/dev/null
key="$("$bin/daisd" --data "$data" --print-verifier-key)"
"$bin/daisd" --data "$data" --serve --listen 127.0.0.1:0 --set api.rate_limit=0 2>"$scratch/daisd.err" &
daisd_pid=$!
trap 'kill $daisd_pid 2>/dev/null || true; wait $daisd_pid 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 300); do
  port="$(sed -n 's/.*serving http:.*(port \([0-9]*\)).*/\1/p' "$scratch/daisd.err")"
  [[ -n $port ]] && break
  kill -0 $daisd_pid 2>/dev/null || { cat "$scratch/daisd.err" >&2; exit 1; }
  sleep 0.1
done
[[ -n $port ]] || { echo "tlog_interop: daisd did not start serving" >&2; cat "$scratch/daisd.err" >&2; exit 1; }
"$scratch/tlog_interop" -url "http://127.0.0.1:$port" -key "$key"
