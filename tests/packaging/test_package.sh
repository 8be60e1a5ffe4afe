#!/usr/bin/env bash
# ctest packaging_deb: builds the .deb with CPack from this build tree, then checks it with
# Debian's own tools: its file list (dpkg-deb -c), its control files (conffiles, maintainer
# scripts), the packaged programs run from an extracted tree (dpkg-deb -x, --help), the man
# pages are real roff, and the unit passes `systemd-analyze verify` and `security` rates its exposure at most 2.0.
# Args: BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1"
source="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log" >&2; fail "cpack could not build the package"; }
deb="$(ls "$work"/out/*.deb)"
[[ -f "$deb" ]] || fail "no .deb in $work/out"
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' >"$work/contents"
for path in /usr/bin/daisd /usr/bin/dais-backup /usr/bin/dais-verify /usr/bin/dais-replay /usr/bin/dais-export \
            /usr/bin/dais-tail /usr/bin/dais-experiment /usr/bin/dais-flows /etc/dais/daisd.yaml /usr/lib/systemd/system/daisd.service \
            /usr/lib/sysusers.d/dais.conf /usr/share/man/man1/daisd.1.gz /usr/share/man/man1/dais-backup.1.gz; do
  grep -qx "$path" "$work/contents" || fail "$path is not in the package:$(printf '\n  %s' $(cat "$work/contents"))"
done

dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/dais/daisd.yaml "$work/control/conffiles" || fail "/etc/dais/daisd.yaml is not a conffile"
[[ -x "$work/control/postinst" ]] || fail "no executable postinst"
grep -q "systemd-sysusers dais.conf" "$work/control/postinst" || fail "postinst does not create the dais user"
dpkg-deb -f "$deb" Depends | grep -q libc6 || fail "Depends lacks the shared library dependencies"

dpkg-deb -x "$deb" "$work/root"
for tool in daisd dais-backup dais-verify dais-replay dais-export dais-flows; do
  "$work/root/usr/bin/$tool" --help >"$work/help.txt" 2>&1 || fail "packaged $tool --help failed: $(cat "$work/help.txt")"
done
"$work/root/usr/bin/daisd" --version | grep -q "^daisd " || fail "packaged daisd --version"
"$work/root/usr/bin/daisd" --config "$work/root/etc/dais/daisd.yaml" --print-config >"$work/config.txt" ||
  fail "the packaged /etc/dais/daisd.yaml does not load"
zcat "$work/root/usr/share/man/man1/daisd.1.gz" | grep -q '^\.TH DAISD' || fail "daisd.1 is not a man page"
zcat "$work/root/usr/share/man/man1/daisd.1.gz" | grep -q -- '\\-\\-data' || fail "daisd.1 lacks the options"

# The packaged unit, with ExecStart pointing at the extracted daisd (systemd-analyze checks that the
# program exists; everything else is the packaged file as is). Warnings fail too.
sed "s#^ExecStart=/usr/bin/daisd #ExecStart=$work/root/usr/bin/daisd #" \
  "$work/root/usr/lib/systemd/system/daisd.service" >"$work/daisd.service"
grep -q "^ExecStart=$work/root/usr/bin/daisd " "$work/daisd.service" || fail "the unit's ExecStart is not /usr/bin/daisd"
systemd-analyze verify --man=no "$work/daisd.service" >"$work/verify.txt" 2>&1 ||
  { cat "$work/verify.txt" >&2; fail "systemd-analyze verify rejects daisd.service"; }
if grep -q . "$work/verify.txt"; then
  cat "$work/verify.txt" >&2
  fail "systemd-analyze verify printed warnings"
fi
# The hardening, as systemd rates it (shown 0.0-10.0, 10 = unprotected; --threshold is in tenths).
systemd-analyze security --offline=yes --threshold=20 "$work/daisd.service" >"$work/security.txt" 2>&1 ||
  { tail -3 "$work/security.txt" >&2; fail "daisd.service exposure is above 2.0"; }
echo "systemd-analyze security: $(grep -o 'Overall exposure level.*' "$work/security.txt")"
echo "ok: contents, control files, packaged programs, man pages, systemd unit"
