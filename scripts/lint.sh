#!/usr/bin/env bash
# shellcheck disable=SC2317 # the lint_* functions run through step()
# lint.sh: every static check of the project; `make lint` runs it.
#
#   kernel   checkpatch.pl --strict on the driver, its headers and the test
#            modules; a W=1 build of the driver and tests/kmod for every
#            target of scripts/kernels.conf that is set up (C=1, sparse,
#            where the build runs on the host; a target that is not set up
#            is named and skipped); clang's static analyzer on the driver
#            with the x86_64-6.1 build's own flags
#   user     the library, the command, the guest tests and programs, the
#            examples, the package tests and tests/fuzz (if present)
#            compiled with -Wall -Wextra -Werror by gcc and by the 32-bit
#            i686 compiler; cppcheck and clang-tidy (.clang-tidy) on them
#   scripts  shellcheck (.shellcheckrc) on scripts/, .ci/run, tests/pkg
#            and debian/'s maintainer scripts
#   python   mypy --strict and pyflakes on python/ and tests/python
#
# Prints one line per check ("<check>: clean" or "<check>: FAILED", with
# the findings above it) and exits non-zero if any check failed.  A tool
# that is not installed fails its check (scripts/setup.sh installs them).
#   docs     README.md's "Kernels tested" against scripts/kernels.conf
# LINT_ONLY="kernel user scripts python docs" runs only the named groups.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

CHECKPATCH=$BUILD/tools/scripts/checkpatch.pl
ONLY=" ${LINT_ONLY:-kernel user scripts python docs} "
L=$BUILD/lint
rc=0
mkdir -p "$L"
cd "$SRC" || exit 1

# result NAME STATUS: the check's summary line; STATUS 0 is clean
result() {
	if [ "$2" = 0 ]; then
		echo "$1: clean"
	else
		echo "$1: FAILED"
		rc=1
	fi
}

need() {
	command -v "$1" >/dev/null && return 0
	echo "$1 is not installed (scripts/setup.sh installs it)"
	return 1
}

want() { [[ $ONLY == *" $1 "* ]]; }

# ============================================================== kernel
# checkpatch: every file, except that the one header whose purpose is
# kernel-version differences (design.md) may compare LINUX_VERSION_CODE and
# name the old API it falls back to (kmap() before kmap_local_page() in
# 5.11).  The test modules of tests/kmod are no part of the driver and may
# not include its compat header, so they too may test the kernel version.
checkpatch() {
	perl "$CHECKPATCH" --strict --no-tree --file --show-types --color=never \
		--quiet "$@"
}

lint_checkpatch() {
	local files cp_rc=0 f
	[ -e "$CHECKPATCH" ] || { echo "no checkpatch.pl: run scripts/setup.sh"; return 1; }
	files=$(for f in driver/*.c driver/*.h include/uapi/linux/*.h include/linux/*.h; do
		case "$f" in *.mod.c | driver/udmabuf_compat.h) ;; *) [ -e "$f" ] && echo "$f" ;; esac
	done)
	# shellcheck disable=SC2086 # file names without blanks
	checkpatch $files || cp_rc=1
	checkpatch --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,DEPRECATED_API \
		driver/udmabuf_compat.h || cp_rc=1
	if compgen -G 'tests/kmod/*.c' >/dev/null; then
		checkpatch --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
			tests/kmod/*.c || cp_rc=1
	fi
	echo "checkpatch: $(echo "$files" driver/udmabuf_compat.h tests/kmod/*.c | wc -w) files"
	return "$cp_rc"
}

# kernel_build TARGET: driver/ and tests/kmod built with W=1 (and C=1 on
# the host) against TARGET's headers in build/lint/<target>/src, the way
# scripts/run-target.sh builds them; a warning fails it.
kernel_build() {
	local t=$1 s=$L/$1/src S log=$L/$1/build.log sparse=C=1 what
	(
		load_target "$t"
		rm -rf "${s:?}"
		mkdir -p "$s/driver"
		cp -r Makefile include "$s/"
		cp driver/Kbuild driver/*.[ch] "$s/driver/"
		rm -f "$s"/driver/*.mod.c
		[ -d tests/kmod ] && mkdir -p "$s/tests" && cp -r tests/kmod "$s/tests/"
		S=$s
		run() {
			# shellcheck disable=SC2086 # MAKE_EXTRA: words by design
			if [ -n "$CHROOT" ]; then
				chroot_run "$CHROOT" --bind "$s" /src make "$@" ARCH="$A_KARCH" \
					CROSS_COMPILE="$A_CROSS" $MAKE_EXTRA
			else
				make "$@" ARCH="$A_KARCH" CROSS_COMPILE="$A_CROSS" $MAKE_EXTRA
			fi
		}
		# sparse is a host tool: the chroot of a newer toolchain has none
		[ -n "$CHROOT" ] && S=/src sparse=
		what="W=1${sparse:+ C=1}"
		{
			run -j"${LINT_JOBS:-2}" -C "$S" modules KERNEL_SRC="$KERNEL_SRC" W=1 ${sparse:+"$sparse"} &&
				if [ -d "$s/tests/kmod" ]; then
					run -j"${LINT_JOBS:-2}" -C "$KERNEL_SRC" M="$S/tests/kmod" W=1 ${sparse:+"$sparse"} \
						KBUILD_EXTRA_SYMBOLS="$S/driver/Module.symvers" modules
				fi
		} >"$log" 2>&1
		local brc=$?
		if [ "$brc" -ne 0 ] || grep -E 'warning:|error:' "$log"; then
			[ "$brc" -ne 0 ] && tail -n 30 "$log"
			echo "($what, $KVER; log: ${log#"$REPO"/})"
			exit 1
		fi
		echo "$t: $what, $KVER${CHROOT:+ (no sparse in the $CHROOT chroot)}"
	)
}

lint_kernel_builds() {
	local t ok=0 n=0
	local why
	for t in $(conf_targets); do
		# not set up (a debug kernel: not built) is a skip, saying why
		if ! why=$( (load_target "$t") 2>&1 >/dev/null); then
			echo "$t: skipped (${why#*: })"
			continue
		fi
		kernel_build "$t" || ok=1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { echo "no target is set up"; return 1; }
	return "$ok"
}

# clang's static analyzer on each driver source, with the flags of the
# x86_64-6.1 W=1 build (its .o.cmd files) that concern the preprocessor
# and the language; gcc's code generation flags mean nothing to clang.
# Only findings in the driver count (the kernel's own headers have some).
lint_clang_analyzer() {
	local s=$L/x86_64-6.1/src cmd line src out=$L/analyzer.txt n=0
	need clang || return 1
	[ -e "$s/driver/u-dma-buf.ko" ] || { echo "no x86_64-6.1 build to take the flags from"; return 1; }
	load_target x86_64-6.1
	: >"$out"
	for cmd in "$s"/driver/.udmabuf_*.o.cmd; do
		# the compiler's command only: kbuild appends more after ';'
		line=$(sed -n 's/^cmd_[^ ]* := *//p' "$cmd" | head -n 1 | sed 's/;.*//')
		eval "set -- $line"
		shift
		local args=()
		src=
		while [ $# -gt 0 ]; do
			case $1 in
			-nostdinc | -D* | -U* | -I* | -std=* | -m64 | -fshort-wchar | \
				-fno-strict-aliasing) args+=("$1") ;;
			-include | -isystem) args+=("$1" "$2") && shift ;;
			*.c) src=$1 ;;
			esac
			shift
		done
		[ -n "$src" ] || continue
		n=$((n + 1))
		(cd "$KERNEL_SRC" && clang --analyze --analyzer-output text \
			-Qunused-arguments -Wno-everything "${args[@]}" "$src" \
			-o /dev/null) >>"$out" 2>&1
	done
	[ "$n" -gt 0 ] || { echo "no driver objects in $s"; return 1; }
	echo "clang --analyze: $n driver sources"
	if grep -E "^$s/driver/[^:]*:[0-9]+:[0-9]+: (warning|error):" "$out"; then
		echo "(full output: ${out#"$REPO"/})"
		return 1
	fi
	grep -qE ': error:' "$out" && { grep -E ': error:' "$out" | head; return 1; }
	return 0
}

# ================================================================ user
# the C sources of user space: library, command, guest tests and their
# programs, examples, package tests, fuzzers
user_sources() {
	local f
	for f in lib/*.c tools/*.c tests/guest/*.c tests/guest/progs/*.c \
		examples/*/*.c tests/pkg/*.c tests/fuzz/*.c; do
		[ -e "$f" ] && echo "$f"
	done
	return 0
}

UINC=(-I lib/include -I lib -I include/uapi -I tests/guest -I tools -D_FILE_OFFSET_BITS=64)

# "/* ut-cflags: FLAGS */" in a file's first 3 lines: flags for it alone
# (scripts/run-target.sh builds it with them)
ut_cflags() { head -n 3 "$1" | sed -n 's|^/\* ut-cflags: \(.*\) \*/$|\1|p'; }

# -Wall -Wextra -Werror: the library and the command through the Makefile
# (which uses them), every other file compiled on its own, by the host's
# gcc and by the 32-bit compiler (size_t and long are 32 bits there)
lint_werror() {
	local cc f ok=0 o=$L/obj
	mkdir -p "$o"
	for cc in gcc i686-linux-gnu-gcc; do
		need "$cc" || { ok=1; continue; }
		if ! make -s -C "$SRC" user CC="$cc" UBUILD="$L/user-$cc" \
			>"$L/user-$cc.log" 2>&1; then
			cat "$L/user-$cc.log"
			ok=1
		fi
		for f in $(user_sources); do
			case $f in lib/* | tools/*) continue ;; esac
			# shellcheck disable=SC2046 # the file's flags are words
			"$cc" -O2 -Wall -Wextra -Werror "${UINC[@]}" $(ut_cflags "$f") \
				-c -o "$o/x.o" "$f" || ok=1
		done
	done
	echo "gcc, i686-linux-gnu-gcc: $(user_sources | wc -l) files"
	return "$ok"
}

# cppcheck: warnings, style, performance and portability; inline
# suppressions only ("cppcheck-suppress id" with the reason beside it).
# Not checked: variableScope (the kernel style the project follows
# declares at the top of a block) and the seed programs (their fragments
# are the specification's verbatim text; t_seeds.c tests that they work).
lint_cppcheck() {
	need cppcheck || return 1
	# shellcheck disable=SC2046 # file names without blanks
	cppcheck -q --std=c11 --enable=warning,style,performance,portability \
		--inline-suppr --error-exitcode=1 --suppress=missingIncludeSystem \
		--suppress=variableScope -D__linux__ -D__GNUC__ \
		--template='{file}:{line}: {severity} [{id}] {message}' \
		"${UINC[@]}" $(user_sources | grep -v '/progs/seeds-')
}

# clang-tidy with the checks of .clang-tidy; the same exceptions as cppcheck
lint_clang_tidy() {
	local out=$L/clang-tidy.txt
	need clang-tidy || return 1
	# two at a time; the compiler's flags follow the files
	user_sources | grep -v '/progs/seeds-' | xargs -P 2 -n 8 \
		sh -c 'clang-tidy --quiet "$@" -- '"${UINC[*]}" clang-tidy \
		>"$out" 2>"$out.err"
	local trc=$?
	if [ "$trc" -ne 0 ] || grep -qE '(warning|error):' "$out"; then
		grep -E -A3 '(warning|error):' "$out"
		[ -s "$out.err" ] && grep -v 'warnings generated\|Suppressed\|Use -header-filter\|NOLINT' "$out.err"
		return 1
	fi
	return 0
}

# ============================================================= scripts
# every shell script; sh/bash per its #! line, the sourced lib.sh through
# its users and on its own.  The guest's busybox scripts count as dash.
shell_scripts() {
	local f
	for f in scripts/*.sh scripts/guest/* .ci/run tests/pkg/*.sh \
		debian/preinst debian/postinst debian/prerm debian/postrm \
		debian/*.preinst debian/*.postinst debian/*.prerm debian/*.postrm; do
		[ -f "$f" ] && echo "$f"
	done
	return 0
}

lint_shellcheck() {
	need shellcheck || return 1
	# shellcheck disable=SC2046 # file names without blanks
	shellcheck -x -f gcc $(shell_scripts) || return 1
	echo "shellcheck: $(shell_scripts | wc -l) scripts"
}

# ============================================================== python
lint_python() {
	local ok=0 py=/usr/bin/python3
	[ -x "$py" ] || py=python3
	if $py -m mypy --version >/dev/null 2>&1; then
		(cd python/src && $py -m mypy --strict --no-error-summary \
			--cache-dir "$L/mypy-cache" -p udmabuf) || ok=1
	else
		echo "mypy is not installed (python3-mypy)"
		ok=1
	fi
	if $py -m pyflakes --version >/dev/null 2>&1; then
		$py -m pyflakes python/src tests/python || ok=1
	else
		echo "pyflakes is not installed (python3-pyflakes)"
		ok=1
	fi
	return "$ok"
}

# ================================================================ docs
# README's "Kernels tested" is the list of scripts/kernels.conf: one row
# "| <target> | <set> | `<pinned image package>` | ..." per target, no other
lint_readme_kernels() {
	local kr=0 name set pin row
	while read -r name _ _ set _ pin _; do
		# the debug kernels are built here, not packaged (docs/testing.md)
		[ "$set" = debug ] && continue
		row=$(grep -E "^\| $name \|" README.md)
		if [ "$(grep -c . <<<"$row")" != 1 ] ||
			! grep -qF "| $name | $set | \`$pin\` |" <<<"$row"; then
			echo "README.md: expected one row \"| $name | $set | \`$pin\` | ...\" (Kernels tested)"
			kr=1
		fi
	done < <(conf_lines target)
	while read -r name; do
		conf_targets | grep -qxF "$name" ||
			{ echo "README.md: target $name is not in scripts/kernels.conf"; kr=1; }
	done < <(grep -E '^\| [^ ]+ \| (default|all) \| `linux-image' README.md | awk '{ print $2 }')
	[ "$kr" = 0 ] && echo "README.md: lists the $(conf_targets '!debug' | wc -l) targets of scripts/kernels.conf"
	return "$kr"
}

# ============================================================== run
step() {
	local name=$1 t0 src
	shift
	echo "== $name"
	t0=$(date +%s)
	"$@"
	src=$?
	result "$name ($(($(date +%s) - t0)) s)" $src
}

if want kernel; then
	step checkpatch lint_checkpatch
	step "kernel builds" lint_kernel_builds
	step "clang analyzer (driver)" lint_clang_analyzer
fi
if want user; then
	step "user space -Wall -Wextra -Werror" lint_werror
	step cppcheck lint_cppcheck
	step clang-tidy lint_clang_tidy
fi
want scripts && step shellcheck lint_shellcheck
want python && step "mypy --strict, pyflakes" lint_python
want docs && step "README kernels" lint_readme_kernels
[ $rc = 0 ] && echo "lint: clean" || echo "lint: FAILED"
exit $rc
