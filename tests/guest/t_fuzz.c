// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's corpus (#13): every op sequence of tests/fuzz/corpus/
 * (<name>.txt: past findings and hand-written edge cases of each interface,
 * packed into the initramfs as /usr/share/udmabuf-tests/fuzz/) replayed by
 * udmabuf-fuzz --replay, and by udmabuf-fuzz32 (the 32-bit build: compat
 * ioctls) where the target has one.  Any finding fails the test: an
 * unexpected errno or result, a wrong signal on a mapping access, a kernel
 * log splat, a hang, a module that cannot be unloaded afterwards.
 */
#define _GNU_SOURCE
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ut.h"

#define CORPUS "/usr/share/udmabuf-tests/fuzz"

static void replay_with(const char *prog)
{
	char cmd[256], out[16384];
	size_t len = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "/bin/%s --replay " CORPUS "/*.txt 2>&1", prog);
	p = popen(cmd, "r");
	if (!p)
		UT_FAIL("cannot run %s", cmd);
	while (len + 1 < sizeof(out) && fgets(out + len, (int)(sizeof(out) - len), p))
		len += strlen(out + len);
	out[len] = '\0';
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		UT_FAIL("%s --replay of the corpus: status 0x%x; output:\n%s",
			prog, st, out);
}

UT_TEST(E2_fuzz_corpus_replay, UT_NOLOAD)
{
	glob_t g;

	if (glob(CORPUS "/*.txt", 0, NULL, &g) || g.gl_pathc < 8)
		UT_FAIL("expected the fuzzer's corpus (at least 8 files) in "
			CORPUS ", saw %zu files", (size_t)g.gl_pathc);
	globfree(&g);
	if (access("/bin/udmabuf-fuzz", X_OK))
		UT_FAIL("expected /bin/udmabuf-fuzz in the initramfs");
	replay_with("udmabuf-fuzz");
	if (!access("/bin/udmabuf-fuzz32", X_OK))
		replay_with("udmabuf-fuzz32");
}
