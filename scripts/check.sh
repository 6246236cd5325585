#!/usr/bin/env bash
# check.sh [TARGET...]   test the default targets (kernels.conf "default")
# check.sh --all         test every target of scripts/kernels.conf but the
#                        debug ones, with every boot of tests/boots.conf
#                        (UT_SET=all)
# check.sh --debug       build (or reuse) the debug kernels, then test the
#                        targets of the set "debug" (make check-debug,
#                        docs/testing.md): besides what every target checks,
#                        the guests' kernel logs are scanned for KASAN,
#                        UBSAN, KFENCE, lockdep and DMA-API reports and a
#                        kmemleak scan ends every boot
# check.sh --debug-quick the same for x86_64-debug's default boot only
#                        (make check-debug-quick, CI); its other boots are
#                        reported as skipped
#
# Each target is built and booted by run-target.sh; JOBS (default 2) of them
# run at once.  Their reports are printed whole, one target after the other
# in the order asked for, then the list of failures and as the very last
# line "N passed, M failed" (", K skipped" when K > 0).  Exit status 0 only
# if nothing failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

JOBS=${JOBS:-2}
if [ "${1:-}" = --all ]; then
	targets=$(conf_targets '!debug')
	# and the boots of set "all" (tests/boots.conf)
	export UT_SET=all
elif [ "${1:-}" = --debug ] || [ "${1:-}" = --debug-quick ]; then
	targets=$(conf_targets debug)
	if [ "$1" = --debug-quick ]; then
		# CI's part of it: x86_64's default boot (the whole suite but
		# the boots with their own machines); the rest are skips
		targets=x86_64-debug
		export UT_DEBUG_QUICK=1
	fi
	# the kernels first, one after the other (each takes all cores)
	for a in $(for t in $targets; do target_conf "$t"; arch_info "$T_ARCH"; echo "$A_KARCH"; done | sort -u); do
		"$REPO/scripts/build-debug-kernel.sh" "$a" >/dev/null ||
			die "the debug kernel for $a did not build"
	done
elif [ $# -gt 0 ]; then
	targets=$(echo "$@" | tr ',' ' ')
else
	targets=$(conf_targets default)
fi
# shellcheck disable=SC2116,SC2086 # the names on one line, blanks collapsed
targets=$(echo $targets)
for t in $targets; do
	load_target "$t" >/dev/null # dies with advice if not set up
done

# this run's reports and counts; the targets' logs stay in build/<target>/
RUN=$(mktemp -d "$BUILD/.check.XXXXXX")
trap 'rm -rf "$RUN"' EXIT
start=$(date +%s)
echo "Testing $targets (at most $JOBS at a time; logs in build/<target>/)"
declare -A begun=()
# a target is running from its launch until run-target.sh wrote "done"
running() {
	local n=0 t
	for t in "${!begun[@]}"; do
		[ -e "$RUN/$t.done" ] || n=$((n + 1))
	done
	echo $n
}

# launch targets in order, keeping at most JOBS running, and print each
# target's report as soon as it and every target before it are done
pass=0 failn=0 skip=0
: >"$RUN/failures"
# shellcheck disable=SC2206 # target names are words
pending=($targets)
printed=0
# shellcheck disable=SC2206 # target names are words
order=($targets)
while [ $printed -lt ${#order[@]} ]; do
	while [ ${#pending[@]} -gt 0 ] && [ "$(running)" -lt "$JOBS" ]; do
		t=${pending[0]}
		pending=("${pending[@]:1}")
		begun[$t]=$(date +%s)
		{
			UT_COUNTS=$RUN/$t.counts "$REPO/scripts/run-target.sh" "$t" \
				>"$RUN/$t.report" 2>&1
			echo $? >"$RUN/$t.done"
		} &
		echo "... $t started"
	done
	t=${order[$printed]}
	if [ -e "$RUN/$t.done" ]; then
		if [ ! -s "$RUN/$t.counts" ]; then
			echo "FAIL [$t] harness: run-target.sh ended without a result" >>"$RUN/$t.report"
			echo "0 1 0" >"$RUN/$t.counts"
		fi
		read -r p f s <"$RUN/$t.counts"
		# its exit status must agree with its counts
		if [ "$(cat "$RUN/$t.done")" != 0 ] && [ "$f" = 0 ]; then
			echo "FAIL [$t] harness: run-target.sh exited with status $(cat "$RUN/$t.done") without a FAIL" >>"$RUN/$t.report"
			echo "$p 1 $s" >"$RUN/$t.counts"
		fi
		mkdir -p "$BUILD/$t"
		cp "$RUN/$t.report" "$BUILD/$t/report.txt"
		echo
		echo "==== $t ($(($(date +%s) - ${begun[$t]})) s) ===="
		cat "$RUN/$t.report"
		read -r p f s <"$RUN/$t.counts"
		echo "==== $t: $p pass, $f fail, $s skip"
		pass=$((pass + p)) failn=$((failn + f)) skip=$((skip + s))
		grep -h '^FAIL ' "$RUN/$t.report" | cut -c 1-200 >>"$RUN/failures"
		printed=$((printed + 1))
		continue
	fi
	sleep 1
done

if [ $((pass + failn + skip)) -eq 0 ]; then
	echo "FAIL harness: no test ran at all" >>"$RUN/failures"
	failn=1
fi
echo
if [ $failn -gt 0 ]; then
	echo "Failures:"
	sed 's/^/  /' "$RUN/failures"
fi
echo "Tested $targets in $(($(date +%s) - start)) s"
line="$pass passed, $failn failed"
[ $skip -gt 0 ] && line="$line, $skip skipped"
echo "$line"
[ $failn -eq 0 ]
