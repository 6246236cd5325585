// SPDX-License-Identifier: GPL-2.0
/*
 * G4, G5: the Python package (python/) in the guest's python3 with NumPy
 * (boot "python" of tests/boots.conf: "rootfs python").  Each test here
 * runs the function of the same name in tests/python/test_*.py through
 * tests/python/run.py (its server: a process forked per test), which prints
 * the UT-FAILMSG / UT-SKIPMSG lines of ut.h itself.  Some tests add what only C does here: kprobe traces of the
 * cache maintenance the Python calls cause (arm), and the settled free
 * memory around a run of 1000 allocate()/free cycles.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "ut.h"
#include "tu_helpers.h"

#define PY_DIR		"/usr/share/udmabuf-tests/python"
#define PY_EXPECT	"/tmp/udmabuf-py-expect"
#define PY_LIST		"/tmp/udmabuf-py-list"
#define PY_BOOT		"python"
#define PY_PARAMS	"udmabuf0=0x100000"
#define MAX_CALLS	64
/* a Python test that hangs is killed before the runner's alarm (ut.c) */
#define PY_TIMEOUT_S	110		/* TIMEOUT_S of run.py */
#define PY_START_S	60		/* for the server to listen */
#define PY_SOCK		"/tmp/udmabuf-py.sock"

extern const struct ut_test *const __start_ut_tests[];
extern const struct ut_test *const __stop_ut_tests[];

static void need_python(void)
{
	if (access("/usr/bin/python3", X_OK) || access(PY_DIR "/run.py", F_OK))
		UT_FAIL("no /usr/bin/python3 or " PY_DIR "/run.py in this "
			"guest: the boot needs \"rootfs python\" in "
			"tests/boots.conf and the root file system of "
			"scripts/setup.sh");
}

/*
 * The server of tests/python/run.py (--serve): it imports NumPy, the package
 * and the tests once (2-3 s per process in a TCG guest) and forks a process
 * per test.  Started by the first test that needs it; it holds no file of
 * the driver.  Returns a connected socket.
 */
static int py_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, i;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", PY_SOCK);
	for (i = 0; i < 2 * PY_START_S * 10; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			UT_FAIL("socket(AF_UNIX): %s", strerror(errno));
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		close(fd);
		if (i == 0 && ut_sh("python3 " PY_DIR "/run.py --serve "
				    PY_SOCK " </dev/null >/dev/null 2>&1 &"))
			UT_FAIL("starting python3 run.py --serve failed");
		usleep(50000);
	}
	UT_FAIL("python3 run.py --serve " PY_SOCK ": no connection after "
		"%d s", PY_START_S);
}

/* send "id\nenv\n" with our stdout (the runner's pipe); the exit status */
static int py_status(const char *id, const char *env)
{
	char msg[512], cbuf[CMSG_SPACE(sizeof(int))], reply[16];
	struct iovec iov = { .iov_base = msg };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd = py_connect(), out = 1;
	ssize_t n;

	iov.iov_len = snprintf(msg, sizeof(msg), "%s\n%s\n", id,
			       env ? env : "");
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &out, sizeof(int));
	fflush(stdout);
	if (sendmsg(fd, &mh, 0) < 0)
		UT_FAIL("sending %s to the python3 server: %s", id,
			strerror(errno));
	n = read(fd, reply, sizeof(reply) - 1);
	close(fd);
	if (n <= 0)
		UT_FAIL("no exit status of %s from the python3 server (%s)",
			id, n ? strerror(errno) : "it closed the connection");
	reply[n] = '\0';
	return atoi(reply);
}

/*
 * Run test function id of tests/python (env: "VAR=value ..." or NULL).
 * Its failure (it printed UT-FAILMSG) or skip (UT-SKIPMSG, status 77) ends
 * this test.
 */
static void py_run(const char *id, const char *env)
{
	int st;

	need_python();
	st = py_status(id, env);
	if (st == 77) {
		fflush(stdout);
		_exit(77);
	}
	if (st == 137)
		UT_FAIL("python3 run.py %s: killed after %d s", id,
			PY_TIMEOUT_S);
	if (st != 0)
		UT_FAIL("python3 run.py %s: exit status %d", id, st);
}

#define PY_TEST(name, params)						\
	UT_TEST_BOOT(name, params, PY_BOOT)				\
	{								\
		py_run(#name, NULL);					\
	}

PY_TEST(G4_class_open_and_addresses, PY_PARAMS)
PY_TEST(G4_class_numpy_roundtrip_read, PY_PARAMS)
PY_TEST(G4_class_seed_api, PY_PARAMS)
PY_TEST(G4_class_sync_ranges, PY_PARAMS)
PY_TEST(G4_class_sysfs_fallback, PY_PARAMS)
PY_TEST(G4_class_context_manager, PY_PARAMS)
PY_TEST(G4_cli_list_info, PY_PARAMS)
PY_TEST(G4_cli_same_as_udmabuf_command, PY_PARAMS)
PY_TEST(G4_module_missing_messages, UT_NOLOAD)

PY_TEST(G5_allocate_array_and_addresses, "")
PY_TEST(G5_allocate_pynq_snippet, "")
PY_TEST(G5_allocate_flush_invalidate_owner, "")
PY_TEST(G5_allocate_views_keep_buffer, "")
PY_TEST(G5_allocate_free_paths, "")
PY_TEST(G5_allocate_noncacheable, "")
PY_TEST(G5_allocate_exit_deletes, "")
PY_TEST(G5_allocate_fork, "")
PY_TEST(G5_allocate_process_death, "")
PY_TEST(G5_allocate_without_auto_delete, "")
PY_TEST(G5_allocate_non_root, "")

/*
 * 1000 allocate()/free cycles (all the ways a buffer goes) leave the
 * manager's list and the process's files as they were (the Python side
 * checks), and the memory comes back (here).  A warm-up run of 300 cycles
 * first: the __pycache__ files it writes, and the slab caches of device
 * nodes, sysfs and kernfs reach their steady size (after 20 cycles Slab
 * still grew by ~200 KiB in the next 1000 on x86_64; after 300, by none).
 */
UT_TEST_BOOT(G5_allocate_cycles_no_leak, "info_enable=0", PY_BOOT)
{
	struct tu_meminfo a, b;

	py_run("G5_allocate_cycles_no_leak", "UDMABUF_TEST_CYCLES=300");
	a = tu_mem_settled_x();
	py_run("G5_allocate_cycles_no_leak", NULL);
	b = tu_mem_settled_x();
	tu_mem_expect_back_x("1000 allocate()/free cycles in Python", &a, &b);
}

/* ------------------------------------------- cache maintenance (arm) */

static int read_expected(struct tu_sync_call *exp, int max)
{
	char line[256], kind[8];
	FILE *f = fopen(PY_EXPECT, "r");
	int n = 0;

	if (!f)
		UT_FAIL("the Python test wrote no %s: %s", PY_EXPECT,
			strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long paddr, size;
		int dir;

		if (sscanf(line, "%7s %llx %llu %d", kind, &paddr, &size,
			   &dir) != 4)
			UT_FAIL("%s: expected \"cpu|dev 0x<paddr> <size> "
				"<dir>\", saw \"%s\"", PY_EXPECT, line);
		if (n == max)
			UT_FAIL("%s: more than %d calls", PY_EXPECT, max);
		exp[n].to_device = !strcmp(kind, "dev");
		exp[n].paddr = paddr;
		exp[n].size = size;
		exp[n].dir = dir;
		n++;
	}
	fclose(f);
	if (!n)
		UT_FAIL("%s names no call: the test would prove nothing",
			PY_EXPECT);
	return n;
}

/*
 * Run a Python test with kprobes on arch_sync_dma_for_cpu/_for_device:
 * the calls it traced (between its trace_start() and trace_stop()) must
 * be exactly those it wrote to PY_EXPECT, in order.
 */
static void py_traced(const char *id)
{
	struct tu_sync_call exp[MAX_CALLS], got[MAX_CALLS];
	int n, m, i;

	tu_need_noncoherent_guest();
	need_python();
	unlink(PY_EXPECT);
	tu_kp_setup_x();
	py_run(id, NULL);
	tu_kp_stop();
	n = read_expected(exp, MAX_CALLS);
	m = tu_kp_collect(got, MAX_CALLS, 0, ~0ULL);
	for (i = 0; i < n && i < m; i++)
		if (exp[i].to_device != got[i].to_device ||
		    exp[i].paddr != got[i].paddr ||
		    exp[i].size != got[i].size || exp[i].dir != got[i].dir)
			break;
	if (i < n || m != n) {
		char want[2048];

		snprintf(want, sizeof(want), "%s", tu_kp_calls_text(exp, n,
								   MAX_CALLS));
		UT_FAIL("%s: expected the calls%s\nsaw%s\n(first difference "
			"at call %d)", id, want,
			tu_kp_calls_text(got, m, MAX_CALLS), i + 1);
	}
}

UT_TEST_BOOT(G4_class_sync_calls_traced, PY_PARAMS, PY_BOOT)
{
	py_traced("G4_class_sync_calls_traced");
}

UT_TEST_BOOT(G5_allocate_sync_calls_traced, "", PY_BOOT)
{
	py_traced("G5_allocate_sync_calls_traced");
}

/* ------------------------------------------------------------ the list */

/* every function of tests/python has a test here, so that it runs */
UT_TEST_BOOT(G4_python_tests_all_bound, UT_NOLOAD, PY_BOOT)
{
	char line[256], missing[2048] = "";
	/* cppcheck-suppress comparePointers ; both bound the one ut_tests section */
	size_t n = __stop_ut_tests - __start_ut_tests, i;
	FILE *f;
	int count = 0;

	need_python();
	if (ut_sh("python3 " PY_DIR "/run.py --list >" PY_LIST))
		UT_FAIL("python3 run.py --list failed");
	f = fopen(PY_LIST, "r");
	if (!f)
		UT_FAIL("%s: %s", PY_LIST, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		count++;
		for (i = 0; i < n; i++) {
			const struct ut_test *t = __start_ut_tests[i];

			if (t->boot && !strcmp(t->boot, PY_BOOT) &&
			    !strcmp(t->id, line))
				break;
		}
		if (i == n && strlen(missing) + strlen(line) + 2 <
		    sizeof(missing)) {
			size_t l = strlen(missing);

			snprintf(missing + l, sizeof(missing) - l, " %s", line);
		}
	}
	fclose(f);
	if (missing[0])
		UT_FAIL("tests/python functions without a test in "
			"tests/guest/t_python.c (so they never run):%s",
			missing);
	if (count < 10)
		UT_FAIL("run.py --list named %d tests: expected the tests of "
			"tests/python/test_*.py", count);
}
