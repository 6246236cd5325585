#!/usr/bin/env bash
# ci.sh: what CI runs after `scripts/setup.sh --all --pkg` (make ci; .ci/run).
#
# In this order, each to its end even when an earlier one failed:
#   make lint            every static check (scripts/lint.sh)
#   make check-package   make install, the Debian packages, DKMS, a guest
#                        booted from a Debian 12 root with them installed
#   make check-intree    the driver in linux-source-6.1 as drivers/misc/
#   make check-yocto     the Yocto recipe's build and install steps
#   make check-all       the whole suite on every kernel of kernels.conf
#   make check-debug-quick  the default boot on the x86_64 debug kernel
#                        (KASAN, lockdep, DMA-API debug, kmemleak), built
#                        from linux-source-6.1 first (docs/testing.md)
#
# Each one's output is printed as it comes, then a table of the parts with
# their time, and as the very last line the sum of all parts:
# "N passed, M failed" (", K skipped" when K > 0), lint counting as one
# test.  Exit status 0 only if every part passed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

parts=(lint check-package check-intree check-yocto check-all check-debug-quick)
[ -n "${CI_PARTS:-}" ] && read -r -a parts <<<"$CI_PARTS"
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
pass=0 fail=0 skip=0 summary=()
for p in "${parts[@]}"; do
	echo "######## make $p"
	t0=$(date +%s)
	make --no-print-directory "$p" 2>&1 | tee "$log/$p"
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - t0))
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/$p" | tail -n 1)
	if [ "$p" = lint ]; then
		if [ "$rc" = 0 ] && grep -qx 'lint: clean' "$log/$p"; then
			last="1 passed, 0 failed"
		else
			last="0 passed, 1 failed"
		fi
	fi
	if [ -z "$last" ]; then
		last="0 passed, 1 failed"
		echo "FAIL [ci] make $p ended without a result line (exit status $rc)"
	fi
	read -r np _ nf _ ns _ <<<"$(echo "$last" | tr -d ',')"
	ns=${ns:-0}
	if [ "$rc" != 0 ] && [ "$nf" = 0 ]; then
		echo "FAIL [ci] make $p exited with status $rc without a FAIL"
		nf=1
	fi
	pass=$((pass + np)) fail=$((fail + nf)) skip=$((skip + ns))
	summary+=("$(printf '%-14s %5d s  %s' "$p" "$secs" "$last")")
done
echo
echo "######## ci: parts"
printf '%s\n' "${summary[@]}"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
