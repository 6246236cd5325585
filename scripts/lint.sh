#!/usr/bin/env bash
# lint.sh: checkpatch.pl --strict on the driver and the UAPI header, then a
# W=1 C=1 (sparse) build against the x86_64 6.1 headers, then README.md's
# list of kernels against scripts/kernels.conf.  Fails on any
# checkpatch message and on any compiler or sparse warning.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

CHECKPATCH=$BUILD/tools/scripts/checkpatch.pl
[ -e "$CHECKPATCH" ] || die "no checkpatch.pl: run scripts/setup.sh"
load_target x86_64-6.1
rc=0

echo "== checkpatch.pl --strict (from linux-source-6.1)"
SRC=${UDMABUF_SRC_ROOT:-$REPO}
cd "$SRC" || exit 1
files=$(for f in driver/*.c driver/*.h include/uapi/linux/*.h; do
	case "$f" in *.mod.c) ;; *) [ -e "$f" ] && echo "$f" ;; esac
done)
# checkpatch: every file, except that the one header whose purpose is
# kernel-version differences (design.md) may compare LINUX_VERSION_CODE and
# name the old API it falls back to (kmap() before kmap_local_page() in 5.11)
checkpatch() {
	perl "$CHECKPATCH" --strict --no-tree --file --show-types --color=never \
		--quiet "$@"
}
cp_rc=0
# shellcheck disable=SC2046
checkpatch $(echo "$files" | grep -v '^driver/udmabuf_compat\.h$') || cp_rc=1
if echo "$files" | grep -q '^driver/udmabuf_compat\.h$'; then
	checkpatch --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,DEPRECATED_API \
		driver/udmabuf_compat.h || cp_rc=1
fi
if [ $cp_rc = 0 ]; then
	echo "checkpatch: clean ($(echo $files | wc -w) files)"
else
	echo "checkpatch: FAILED"
	rc=1
fi

echo "== sparse and W=1 build (C=1 W=1, $KVER headers)"
s=$BUILD/lint/src
rm -rf "$BUILD/lint"
mkdir -p "$s"
cp -r Makefile include "$s/"
mkdir -p "$s/driver"
cp driver/Kbuild driver/*.[ch] "$s/driver/"
rm -f "$s"/driver/*.mod.c
log=$BUILD/lint/build.log
make -C "$s" modules KERNEL_SRC="$KERNEL_SRC" ARCH="$A_KARCH" C=1 W=1 >"$log" 2>&1
brc=$?
if [ $brc -ne 0 ] || grep -E 'warning:|error:' "$log"; then
	[ $brc -ne 0 ] && tail -n 30 "$log"
	echo "sparse/W=1: FAILED (log: ${log#"$REPO"/})"
	rc=1
else
	echo "sparse/W=1: clean"
fi

# README's "Kernels tested" is the list of scripts/kernels.conf: one row
# "| <target> | <set> | `<pinned image package>` | ..." per target, no other
echo "== README.md: the kernels of scripts/kernels.conf"
kr=0
while read -r name _ _ set _ pin _; do
	row=$(grep -E "^\| $name \|" README.md)
	if [ "$(grep -c . <<<"$row")" != 1 ] ||
		! grep -qF "| $name | $set | \`$pin\` |" <<<"$row"; then
		echo "README.md: expected one row \"| $name | $set | \`$pin\` | ...\" (Kernels tested)"
		kr=1
	fi
done < <(conf_lines target)
for name in $(grep -E '^\| [^ ]+ \| (default|all) \| `linux-image' README.md | awk '{ print $2 }'); do
	conf_targets | grep -qxF "$name" ||
		{ echo "README.md: target $name is not in scripts/kernels.conf"; kr=1; }
done
if [ $kr = 0 ]; then
	echo "README.md: lists the $(conf_targets | wc -l) targets of scripts/kernels.conf"
else
	rc=1
fi
exit $rc
