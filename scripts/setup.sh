#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   scripts/setup.sh run [daisd args...]   install what is missing, build (release), start daisd on ./data
#   scripts/setup.sh test [ctest args...]  install what is missing, build (release), run every test, then
#                                          build the fuzz preset (clang) and run each fuzz target for 20 s
#   scripts/setup.sh build [preset]        install what is missing and build (default preset: release)
# Packages are installed only when missing; builds are incremental.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PACKAGES=(
  g++ cmake ninja-build make pkg-config ccache
  libboost-dev libboost-system-dev
  openmpi-bin libopenmpi-dev libboost-mpi-dev
  liblmdb-dev lmdb-utils libssl-dev libpcap-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev
  doctest-dev libcli11-dev
  python3 curl
  nodejs npm
  help2man
)
# Open MPI and Boost.MPI: `mpirun -np P daisd` (docs/SCALING.md); daisd always links them.
# Only the tests need these: the dashboard's browser test drives Debian's chromium; the export interop
# tests validate STIX with Debian's python3-jsonschema and import CrowdSec decisions with Debian's cscli;
# the package test builds the .deb (dpkg-shlibdeps from dpkg-dev) and checks its unit with systemd-analyze.
# The fuzz targets (tests/fuzz) build with Debian's clang and its libFuzzer.
# The transparency-log interop test builds a Go checker with golang-go and golang-golang-x-mod-dev.
# The metrics test checks GET /metrics with promtool (Debian's prometheus).
# The capture tests cross-check dais-flows with tshark and convert to pcapng with its editcap.
TEST_PACKAGES=(chromium python3-jsonschema crowdsec dpkg-dev systemd clang libfuzzer-14-dev golang-go golang-golang-x-mod-dev
               tshark prometheus)
# Present when their command is, whoever packaged it (NodeSource's nodejs ships npm
# and conflicts with Debian's npm package).
declare -A PACKAGE_COMMANDS=([nodejs]=node [npm]=npm [chromium]=chromium)

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}" "$@"; do
    if [[ -n "${PACKAGE_COMMANDS[$p]:-}" ]] && command -v "${PACKAGE_COMMANDS[$p]}" >/dev/null; then continue; fi
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]})); then
    echo "setup: installing missing Debian packages: ${missing[*]}"
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    if [[ " ${missing[*]} " == *" crowdsec "* ]]; then
      # The tests use crowdsec's programs with a private configuration, never the system's. Its package
      # registers with CrowdSec's Central API on install unless this file says no (README.Debian), and
      # that registration fails (and fails the install) without Internet access.
      if [[ ! -s /etc/crowdsec/online_api_credentials.yaml ]]; then
        $sudo mkdir -p /etc/crowdsec
        echo "# no thanks: installed for the DAIS tests (scripts/setup.sh), no Central API registration" |
          $sudo tee /etc/crowdsec/online_api_credentials.yaml >/dev/null
      fi
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    if [[ " ${missing[*]} " == *" crowdsec "* && -d /run/systemd/system ]]; then
      # The service it starts would listen on 127.0.0.1:8080, daisd's default; the tests need only the programs.
      $sudo systemctl disable --now crowdsec.service || true
    fi
  fi
}

# npm tools the tests run (pinned; installed into build/tools, never globally; kept while the version matches).
REDOCLY_VERSION=2.77.0
install_test_tools() {
  local have=""
  if [[ -f build/tools/node_modules/@redocly/cli/package.json ]]; then
    have="$(node -p 'require("./build/tools/node_modules/@redocly/cli/package.json").version')"
  fi
  if [[ "$have" != "$REDOCLY_VERSION" ]]; then
    echo "setup: installing @redocly/cli@$REDOCLY_VERSION into build/tools (for api_openapi_lint)"
    mkdir -p build/tools
    npm install --prefix build/tools --no-audit --no-fund --silent "@redocly/cli@$REDOCLY_VERSION"
  fi
}

build() {
  local preset="${1:-release}"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --parallel "$(nproc)"
}

mode="${1:-run}"
shift || true
case "$mode" in
  run)
    install_missing
    build release
    mkdir -p data
    exec build/release/bin/daisd --data ./data --serve "$@"
    ;;
  test)
    install_missing "${TEST_PACKAGES[@]}"
    install_test_tools
    build release
    ctest --preset release "$@"
    # The fuzz targets' short runs (ctest label fuzz, 20 s each, two at a time): a separate clang
    # build of only what they link (build/fuzz), then each target on its seed corpus.
    cmake --preset fuzz >/dev/null
    cmake --build --preset fuzz --parallel "$(nproc)"
    ctest --preset fuzz
    ;;
  build)
    install_missing
    build "${1:-release}"
    ;;
  *)
    echo "usage: scripts/setup.sh run|test|build [args...]" >&2
    exit 2
    ;;
esac
