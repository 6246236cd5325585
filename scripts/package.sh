#!/usr/bin/env bash
# package.sh: the Debian packages (make package), into build/pkg/.
#
# Copies the source tree (the files git knows, committed or not, without
# build/) to build/pkg/src/u-dma-buf-<version>/, runs
# `dpkg-buildpackage -us -uc -b` there and lints the result with lintian.
# Prints the packages, lintian's tags and a last line "packages: ..."; the
# exit status is non-zero if the build fails or lintian reports an error.
#
# Builds u-dma-buf-dkms (architecture all) and the user-space packages
# libudmabuf0, libudmabuf-dev and udmabuf-tools (the host's architecture).
# Needs debhelper, dh-dkms and lintian: scripts/setup.sh --pkg.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

OUT=$BUILD/pkg
for t in dpkg-buildpackage dh dh_dkms lintian; do
	command -v "$t" >/dev/null || die "no $t: run scripts/setup.sh --pkg"
done
cd "$SRC" || exit 1
ver=$(dpkg-parsechangelog -S Version) || die "cannot read debian/changelog"
src=$OUT/src/u-dma-buf-$ver
start=$(date +%s)
rm -rf "$OUT"
mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# tracked and new files, without what .gitignore names (build/, *.o, ...)
	git ls-files -z -c -o --exclude-standard | grep -zv '^build/' |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		cpio -0 -pdm --quiet "$src"
else
	tar -C "$SRC" --exclude=./build -cf - . | tar -C "$src" -xf -
fi

echo "== dpkg-buildpackage -us -uc -b (log: ${OUT#"$REPO"/}/build.log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$OUT/build.log" 2>&1; then
	tail -n 40 "$OUT/build.log"
	echo "package build: FAILED"
	exit 1
fi
mv "$OUT"/src/*.deb "$OUT"/src/*.changes "$OUT"/src/*.buildinfo "$OUT/"
for d in "$OUT"/*.deb; do
	echo "$(basename "$d"): $(dpkg-deb -f "$d" Installed-Size) KiB installed"
done

echo "== lintian (log: ${OUT#"$REPO"/}/lintian.txt)"
changes=$(ls "$OUT"/*.changes)
lintian --display-info --pedantic --tag-display-limit 0 "$changes" 2>&1 |
	grep -v "^running with root privileges is not recommended" >"$OUT/lintian.txt"
sed 's/^/    /' "$OUT/lintian.txt"
summary=$(awk '/^[EWIPX]: / { n[$1]++ } END {
	printf "%d errors, %d warnings, %d info, %d pedantic", n["E:"], n["W:"], n["I:"], n["P:"] }' "$OUT/lintian.txt")
echo "lintian: $summary"
echo "packages: $(cd "$OUT" && echo *.deb) in ${OUT#"$REPO"/}/ ($(($(date +%s) - start)) s)"
! grep -q '^E: ' "$OUT/lintian.txt"
