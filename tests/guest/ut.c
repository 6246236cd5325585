// SPDX-License-Identifier: GPL-2.0
/*
 * ut runner: see ut.h.  Usage:
 *   udmabuf-test [--boot NAME[,NAME...]] [--only PREFIX[,PREFIX...]] [--tag TAG]
 *                [--list]
 *   udmabuf-test --boots
 * --boot runs the tests bound to these boots (default: "default").
 * --list prints the ids the same options would run, one a line; --boots
 * prints every boot name any test is bound to, with its number of tests
 * ("<boot> <n>"), so that the host can check them against tests/boots.conf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "ut.h"

#define MODULE_PATH	"/lib/modules/u-dma-buf.ko"
#define MODULE_NAME	"u_dma_buf"
#define LOG_MAX		(256 * 1024)
/*
 * The runner's copy of a test's whole kernel log: the 60 s stress's
 * manager races log ~20,000 lines (every manager error is logged), ~2 MiB
 */
#define WATCH_LOG_MAX	(16 * 1024 * 1024)
#define TEST_TIMEOUT_S	120

extern const struct ut_test *const __start_ut_tests[];
extern const struct ut_test *const __stop_ut_tests[];

static int kmsg_fd = -1;		/* this test's view of /dev/kmsg */
static char log_buf[LOG_MAX];
static size_t log_len;
static int log_gaps;		/* KMSG_LOST/KMSG_CUT seen by ut_log() */

/* ---------------------------------------------------------------- log */

static int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

#define KMSG_LOST	1	/* records overwritten before they were read */
#define KMSG_CUT	2	/* records that did not fit in buf */

/*
 * Append new kmsg records ("pri,seq,ts,flags;text") as "text\n".
 * Returns KMSG_LOST and/or KMSG_CUT when the copy is not the whole log.
 */
static int kmsg_drain(int fd, char *buf, size_t *len, size_t max)
{
	char rec[8192];
	int gaps = 0;

	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *text, *end;
		size_t tl;

		if (n < 0 && errno == EPIPE) {
			gaps |= KMSG_LOST;	/* keep going from the oldest */
			continue;
		}
		if (n <= 0)
			break;
		rec[n] = '\0';
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		end = strchr(text, '\n');
		tl = end ? (size_t)(end - text) : strlen(text);
		if (*len + tl + 2 < max) {
			memcpy(buf + *len, text, tl);
			*len += tl;
			buf[(*len)++] = '\n';
			buf[*len] = '\0';
		} else {
			gaps |= KMSG_CUT;
		}
	}
	return gaps;
}

const char *ut_log(void)
{
	if (kmsg_fd >= 0)
		log_gaps |= kmsg_drain(kmsg_fd, log_buf, &log_len,
				       sizeof(log_buf));
	return log_buf;
}

int ut_log_complete(void)
{
	ut_log();
	return kmsg_fd >= 0 && !log_gaps;
}

int ut_log_contains(const char *text)
{
	return strstr(ut_log(), text) != NULL;
}

/*
 * "is still referenced" / "leaking": the driver's own words when it must
 * leak a buffer because someone still holds its pages (udmabuf_buffer.c).
 * Keep in step with KERNEL_BAD in scripts/run-target.sh.
 */
static const char *const bad_log_words[] = {
	"WARNING:", "BUG:", "Oops", "Call Trace", "kernel BUG", "UBSAN:",
	"KASAN:", "list_del corruption", "Bad page", "general protection",
	"Unable to handle kernel", "Kernel panic", "is still referenced",
	"leaking", NULL
};

static const char *log_bad_word(const char *log)
{
	for (int i = 0; bad_log_words[i]; i++)
		if (strstr(log, bad_log_words[i]))
			return bad_log_words[i];
	return NULL;
}

/* ------------------------------------------------------------ results */

void ut_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("UT-FAILMSG %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	_exit(1);
}

void ut_skip(const char *fmt, ...)
{
	va_list ap;

	printf("UT-SKIPMSG ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	_exit(77);
}

/* ------------------------------------------------------------- module */

int ut_load(const char *params)
{
	int fd = open(MODULE_PATH, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, params ? params : "", 0);
	r = r ? -errno : 0;
	close(fd);
	return r;
}

int ut_unload(void)
{
	return syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK) ? -errno : 0;
}

int ut_module_loaded(void)
{
	return access("/sys/module/" MODULE_NAME, F_OK) == 0;
}

/* ------------------------------------------------------------- files */

int ut_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, tot = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)tot + 1 < len) {
		n = read(fd, buf + tot, len - 1 - tot);
		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		tot += n;
	}
	buf[tot] = '\0';
	close(fd);
	return (int)tot;
}

int ut_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int e;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	return (size_t)n == strlen(val) ? 0 : -EIO;
}

int ut_sysfs_read(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/class/u-dma-buf/%s/%s", dev, attr);
	return ut_read_file(path, buf, len);
}

int ut_sysfs_write(const char *dev, const char *attr, const char *val)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/class/u-dma-buf/%s/%s", dev, attr);
	return ut_write_file(path, val);
}

int ut_sysfs_exists(const char *dev, const char *attr)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/class/u-dma-buf/%s%s%s", dev,
		 attr ? "/" : "", attr ? attr : "");
	return access(path, F_OK) == 0;
}

uint64_t ut_sysfs_u64(const char *dev, const char *attr)
{
	char buf[128], *end;
	unsigned long long v;
	int r = ut_sysfs_read(dev, attr, buf, sizeof(buf));

	if (r < 0)
		UT_FAIL("reading sysfs %s/%s: expected success, saw %s", dev,
			attr, strerror(-r));
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (errno || end == buf || (*end && *end != '\n'))
		UT_FAIL("sysfs %s/%s: expected a number, saw \"%s\"", dev, attr,
			buf);
	return v;
}

int ut_mgr(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return ut_write_file("/dev/u-dma-buf-mgr", cmd);
}

int ut_open_dev(const char *dev, int flags)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", dev);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		UT_FAIL("open(%s): expected success, saw errno %d (%s)", path,
			errno, strerror(errno));
	return fd;
}

int ut_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	st = system(cmd);
	if (st == -1)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

const char *ut_arch(void)
{
	static struct utsname u;

	if (!u.machine[0])
		uname(&u);
	return u.machine;
}

int ut_compat(void)
{
	return sizeof(long) == 4 && (!strcmp(ut_arch(), "x86_64") ||
				    !strcmp(ut_arch(), "aarch64"));
}

const char *ut_cmdline(const char *key)
{
	static char words[4096];	/* NUL-separated, read once */
	static int len = -1;
	size_t kl = strlen(key);

	if (len < 0) {
		len = ut_read_file("/proc/cmdline", words, sizeof(words));
		for (int i = 0; i < len; i++)
			if (words[i] == ' ' || words[i] == '\n')
				words[i] = '\0';
	}
	for (int i = 0; i < len; i += (int)strlen(words + i) + 1) {
		const char *w = words + i;

		if (strncmp(w, key, kl))
			continue;
		if (w[kl] == '\0')
			return w + kl;
		if (w[kl] == '=')
			return w + kl + 1;
	}
	return NULL;
}

/* ------------------------------------------------------------- runner */

static int matches(const char *id, const char *only)
{
	const char *p = only;

	if (!only)
		return 1;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n && strncmp(id, p, n) == 0)
			return 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* whether boot is one of the names of list (NAME[,NAME...], whole names) */
static int boot_in(const char *boot, const char *list)
{
	size_t len = strlen(boot);
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == len && strncmp(boot, p, n) == 0)
			return 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int cmp_tests(const void *a, const void *b)
{
	const struct ut_test *x = *(const struct ut_test *const *)a;
	const struct ut_test *y = *(const struct ut_test *const *)b;

	return strcmp(x->id, y->id);
}

/* append a line to the captured output of a test */
static void msg_add(char *msg, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void msg_add(char *msg, size_t size, const char *fmt, ...)
{
	size_t l = strlen(msg);
	va_list ap;
	int n;

	if (l + 2 >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg + l, size - l, fmt, ap);
	va_end(ap);
	/*
	 * cut short (a long kernel log): still end in a newline, or the
	 * next result line would be glued to the cut and not be seen
	 */
	if (n >= 0 && (size_t)n >= size - l) {
		msg[size - 2] = '\n';
		msg[size - 1] = '\0';
	}
}

/* a skip counts only with a reason (UT_SKIP("...")) */
static int has_skip_reason(const char *msg)
{
	const char *s = strstr(msg, "UT-SKIPMSG ");

	if (!s)
		return 0;
	s += strlen("UT-SKIPMSG ");
	while (*s == ' ' || *s == '\t')
		s++;
	return *s && *s != '\n';
}

/* ------------------------------------------------ the allowed reports */

/*
 * Two kernel reports that are no fault of the driver's may be declared by
 * the tests that make them (docs/testing.md "The allowed reports"); only
 * then, and only exactly those reports, are taken out of the test's kernel
 * log and counted.  Anything else still fails the test.
 *
 * 1. DMA-API debugging warns when a second streaming mapping starts on a
 *    cache line that a live mapping starts on.  A buffer's own mapping
 *    lives as long as the buffer, so a virtio disk that O_DIRECT makes map
 *    the buffer's first page draws "cacheline tracking EEXIST, overlapping
 *    mappings aren't supported": false for this driver, as
 *    H2_odirect_overlap_report_is_false shows.
 * 2. Linux 6.1's module_add_driver() ignores a failed allocation of the
 *    module's sysfs "drivers" directory and links the driver into the
 *    sysfs root instead, where the link outlives the module: the next
 *    such failure dumps "sysfs: cannot create duplicate filename
 *    '//platform:u-dma-buf'".  Only a fault-injection walk of the module
 *    load makes that allocation fail.
 */
#define ALLOW_DISK_MARK		"UT-ALLOW-DISK-DMA-OVERLAP\n"
#define ALLOW_DRIVERS_MARK	"UT-ALLOW-MODULE-ADD-DRIVER-DUP\n"
#define DMA_API_ERRORS		"/sys/kernel/debug/dma-api/error_count"

void ut_allow_disk_dma_overlap(void)
{
	fputs(ALLOW_DISK_MARK, stdout);
	fflush(stdout);
}

void ut_allow_module_add_driver_dup(void)
{
	fputs(ALLOW_DRIVERS_MARK, stdout);
	fflush(stdout);
}

/* DMA-API debugging's error count, or -1 without it (not a debug kernel) */
long ut_dma_api_errors(void)
{
	char b[32];

	if (ut_read_file(DMA_API_ERRORS, b, sizeof(b)) <= 0)
		return -1;
	return strtol(b, NULL, 10);
}

static const char *next_line(const char *p)
{
	const char *e = strchr(p, '\n');

	return e ? e + 1 : p + strlen(p);
}

static int line_is(const char *p, const char *text)
{
	size_t l = strlen(text);

	return !strncmp(p, text, l) && (p[l] == '\n' || !p[l]);
}

static int line_starts(const char *p, const char *text)
{
	return !strncmp(p, text, strlen(text));
}

static int line_has(const char *p, const char *text)
{
	const char *e = next_line(p), *f = strstr(p, text);

	return f && f < e;
}

/* 1: from "cut here" through the trace's end and the "Mapped at:" stack */
static const char *disk_overlap_end(const char *p)
{
	const char *q = next_line(p), *x;

	if (!line_is(p, "------------[ cut here ]------------") ||
	    !(line_starts(q, "DMA-API: virtio-pci ") ||
	      line_starts(q, "DMA-API: virtio-mmio ")) ||
	    !line_has(q, ": cacheline tracking EEXIST, overlapping mappings aren't supported"))
		return NULL;
	for (x = q; *x && !line_starts(x, "---[ end trace"); x = next_line(x))
		;
	if (!*x)
		return NULL;	/* cut short: stays */
	x = next_line(x);
	if (line_is(x, "DMA-API: Mapped at:"))
		for (x = next_line(x); *x == ' ';)
			x = next_line(x);
	return x;
}

/* 2: the line, CPU and hardware lines, the stack (x86: to </TASK>) */
static const char *drivers_dup_end(const char *p)
{
	const char *x = next_line(p);
	int ours = 0;

	if (!line_starts(p, "sysfs: cannot create duplicate filename '//") ||
	    !line_has(p, ":u-dma-buf'"))
		return NULL;
	if (line_starts(x, "CPU: "))
		x = next_line(x);
	if (line_starts(x, "Hardware name: "))
		x = next_line(x);
	if (!line_is(x, "Call Trace:") && !line_is(x, "Call trace:"))
		return NULL;
	x = next_line(x);
	if (line_is(x, " <TASK>")) {
		for (; *x && !line_is(x, " </TASK>"); x = next_line(x))
			ours |= line_starts(x, " module_add_driver+");
		if (!*x)
			return NULL;
		x = next_line(x);
	} else {
		for (; *x == ' '; x = next_line(x))
			ours |= line_starts(x, " module_add_driver+");
	}
	return ours ? x : NULL;
}

/*
 * Take each whole allowed report of the kinds declared in msg out of
 * log; *dma gets how many of them DMA-API debugging counted.  Returns how
 * many were taken out.  A report cut short stays.
 */
static int strip_allowed_reports(char *log, const char *msg, int *dma)
{
	int disk = !!strstr(msg, ALLOW_DISK_MARK);
	int drivers = !!strstr(msg, ALLOW_DRIVERS_MARK);
	char *r = log, *w = log;
	int n = 0;

	*dma = 0;
	while (*r) {
		const char *end = NULL;

		if (disk && (end = disk_overlap_end(r)))
			(*dma)++;
		else if (drivers)
			end = drivers_dup_end(r);
		if (!end) {
			size_t l = (size_t)(next_line(r) - r);

			memmove(w, r, l);
			w += l;
			r += l;
			continue;
		}
		r = (char *)end;
		n++;
	}
	*w = '\0';
	return n;
}

/*
 * ut.timeout_scale=N on the kernel command line (a debug kernel's boot,
 * scripts/run-target.sh): each test may take N times TEST_TIMEOUT_S
 */
static unsigned int timeout_scale(void)
{
	const char *v = ut_cmdline("ut.timeout_scale");
	long n = v ? strtol(v, NULL, 10) : 1;

	return n >= 1 && n <= 100 ? (unsigned int)n : 1;
}

/*
 * text, and a newline if it lacks one: a message cut short must not glue
 * the next result line to its end (the host would not see that result)
 */
static void put_text(const char *text)
{
	size_t l = strlen(text);

	fputs(text, stdout);
	if (!l || text[l - 1] != '\n')
		putchar('\n');
}

/*
 * Run one test.  Returns 0 pass, 1 fail, 2 skip; prints the result line.
 * A failure message printed by the child (UT-FAILMSG) is captured through
 * a pipe so that the result line carries it.  Whatever goes wrong in the
 * runner itself (no kernel log to check, no pipe, no child) is a FAIL with
 * a message: a test that did not run never passes.
 */
static int run_one(const struct ut_test *t, const char *tag)
{
	/*
	 * the test's whole kernel log: the O_DIRECT stress alone makes ~30
	 * allowed DMA-API reports of ~8 KiB each on a debug kernel, and a
	 * report cut off here is not taken out (the counts then disagree)
	 */
	static char wlog[WATCH_LOG_MAX];
	char msg[LOG_MAX / 4];
	size_t wlen = 0, mlen = 0;
	int pfd[2], st = 0, result = 1, watch, loaded = 0, allowed, dma;
	int gaps = 0;
	long dma_errors = ut_dma_api_errors();
	const char *bad;
	pid_t pid = -1;
	char name[256];

	snprintf(name, sizeof(name), "%s%s%s", t->id, tag ? " " : "",
		 tag ? tag : "");
	msg[0] = '\0';
	wlog[0] = '\0';
	watch = kmsg_open_at_end();
	if (watch < 0) {
		printf("FAIL %s: the runner cannot read the kernel log "
		       "(/dev/kmsg: %s), so it cannot check the test\n", name,
		       strerror(errno));
		return 1;
	}

	if (t->params != UT_NOLOAD) {
		int r = ut_load(t->params);

		if (r) {
			ut_log();
			printf("FAIL %s: loading the module with \"%s\": %s\n",
			       name, t->params ? t->params : "", strerror(-r));
			close(watch);
			return 1;
		}
		loaded = 1;
	}

	if (pipe(pfd)) {
		msg_add(msg, sizeof(msg), "UT-FAILMSG the runner could not "
			"start the test: pipe() failed: %s\n",
			strerror(errno));
	} else {
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			int e = errno;

			close(pfd[0]);
			close(pfd[1]);
			msg_add(msg, sizeof(msg), "UT-FAILMSG the runner could "
				"not start the test: fork() failed: %s\n",
				strerror(e));
		}
	}
	if (pid == 0) {
		/* its own process group: what it forks can be killed with it */
		setpgid(0, 0);
		close(pfd[0]);
		dup2(pfd[1], 1);
		close(pfd[1]);
		setvbuf(stdout, NULL, _IOLBF, 0);
		kmsg_fd = kmsg_open_at_end();
		if (kmsg_fd < 0)
			UT_FAIL("the test cannot read the kernel log "
				"(/dev/kmsg: %s)", strerror(errno));
		alarm(TEST_TIMEOUT_S * timeout_scale());
		t->fn();
		fflush(stdout);
		_exit(0);
	}
	if (pid > 0) {
		int reaped = 0, left = 0;

		setpgid(pid, pid);
		close(pfd[1]);
		for (;;) {
			struct pollfd p = { .fd = pfd[0], .events = POLLIN };
			ssize_t n;
			int idle = poll(&p, 1, 1000) == 0;

			/*
			 * read the kernel log as the test goes: a test that
			 * makes the kernel print more than its ring buffer
			 * holds would lose the oldest records otherwise
			 */
			gaps |= kmsg_drain(watch, wlog, &wlen, sizeof(wlog));
			if (idle) {
				/*
				 * The test has ended but something it forked
				 * still holds its output open: kill them all
				 * (a hang there would stop every later test)
				 */
				if (!reaped && waitpid(pid, &st, WNOHANG) == pid) {
					reaped = 1;
				} else if (reaped && !left) {
					left = 1;
					kill(-pid, SIGKILL);
				}
				continue;
			}
			n = read(pfd[0], msg + mlen, sizeof(msg) - 1 - mlen);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			mlen += n;
			if (mlen >= sizeof(msg) - 1)
				mlen = sizeof(msg) / 2;	/* keep reading, drop */
		}
		msg[mlen] = '\0';
		close(pfd[0]);
		kill(-pid, SIGKILL);	/* nothing of the test outlives it */
		if (left)
			msg_add(msg, sizeof(msg), "UT-FAILMSG the test ended "
				"but processes it started kept running (and "
				"its output open); killed\n");
		if (reaped) {
			/* st holds its status */
		} else if (waitpid(pid, &st, 0) != pid) {
			msg_add(msg, sizeof(msg), "UT-FAILMSG the runner lost "
				"the test's process: waitpid() failed: %s\n",
				strerror(errno));
			st = 1 << 8;
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			result = 0;
		else if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
			result = 2;
		/* a failure message counts whatever the exit status says */
		if (result != 1 && strstr(msg, "UT-FAILMSG ")) {
			result = 1;
		} else if (result == 2 && !has_skip_reason(msg)) {
			msg_add(msg, sizeof(msg), "UT-FAILMSG the test exited "
				"with the skip status 77 without a reason "
				"(UT_SKIP)\n");
			result = 1;
		}
	}

	if (loaded || ut_module_loaded()) {
		int r = ut_unload();

		if (r && result != 1) {
			msg_add(msg, sizeof(msg), "UT-FAILMSG unloading the "
				"module after the test: expected success, saw "
				"%s\n", strerror(-r));
			result = 1;
		}
		/* never let one test's module state leak into the next */
		for (int i = 0; r && i < 50; i++) {
			usleep(100000);
			r = ut_unload();
		}
	}

	gaps |= kmsg_drain(watch, wlog, &wlen, sizeof(wlog));
	close(watch);
	if (gaps & KMSG_LOST) {
		msg_add(msg, sizeof(msg), "UT-FAILMSG the kernel overwrote "
			"log records before the runner read them, so the "
			"test's kernel log cannot be checked (the kernel's "
			"log buffer is too small: log_buf_len=)\n");
		result = 1;
	}
	if (gaps & KMSG_CUT) {
		msg_add(msg, sizeof(msg), "UT-FAILMSG the test's kernel log "
			"is longer than the runner's %zu KiB copy, so it "
			"cannot be checked whole\n", sizeof(wlog) / 1024);
		result = 1;
	}
	allowed = strip_allowed_reports(wlog, msg, &dma);
	if (dma_errors >= 0 && ut_dma_api_errors() - dma_errors != dma) {
		msg_add(msg, sizeof(msg), "UT-FAILMSG DMA-API debugging "
			"counted %ld error(s) during the test, %d of them the "
			"allowed report:\n%s\n", ut_dma_api_errors() - dma_errors,
			dma, wlog);
		result = 1;
	}
	if (allowed)
		printf("UT-ALLOWED-REPORTS %s %d %d\n", name, allowed, dma);
	bad = log_bad_word(wlog);
	if (bad) {
		msg_add(msg, sizeof(msg), "UT-FAILMSG kernel log contains "
			"\"%s\":\n%s\n", bad, wlog);
		result = 1;
	}

	if (result == 0) {
		printf("PASS %s\n", name);
	} else if (result == 2) {
		char *s = strstr(msg, "UT-SKIPMSG ");

		printf("SKIP %s: ", name);
		put_text(s + 11);
	} else {
		char *s = strstr(msg, "UT-FAILMSG ");

		if (s) {
			printf("FAIL %s: ", name);
			put_text(s + 11);
		} else if (WIFSIGNALED(st)) {
			printf("FAIL %s: killed by signal %d (%s)\n", name,
			       WTERMSIG(st), strsignal(WTERMSIG(st)));
		} else {
			printf("FAIL %s: exit status %d\n", name,
			       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		}
		if (mlen && !s) {
			printf("---- output of %s ----\n", name);
			put_text(msg);
			printf("----\n");
		}
	}
	fflush(stdout);
	return result;
}

static const char *boot_of(const struct ut_test *t)
{
	return t->boot ? t->boot : "default";
}

/* --boots: "<boot> <number of tests>" for every boot a test names */
static void print_boots(const struct ut_test **tests, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t count = 0, j;

		for (j = 0; j < i; j++)
			if (!strcmp(boot_of(tests[j]), boot_of(tests[i])))
				break;
		if (j < i)
			continue;	/* printed already */
		for (j = i; j < n; j++)
			if (!strcmp(boot_of(tests[j]), boot_of(tests[i])))
				count++;
		printf("%s %zu\n", boot_of(tests[i]), count);
	}
}

int main(int argc, char **argv)
{
	const char *boot = "default", *only = NULL, *tag = NULL;
	/* cppcheck-suppress comparePointers ; both bound the one ut_tests section */
	size_t n = __stop_ut_tests - __start_ut_tests;
	const struct ut_test **tests;
	int pass = 0, fail = 0, skip = 0, list = 0, boots = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--boot") && i + 1 < argc)
			boot = argv[++i];
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--tag") && i + 1 < argc)
			tag = argv[++i];
		else if (!strcmp(argv[i], "--list"))
			list = 1;
		else if (!strcmp(argv[i], "--boots"))
			boots = 1;
		else {
			fprintf(stderr, "usage: %s [--boot NAME,...] [--only "
				"PREFIX,...] [--tag TAG] [--list] | --boots\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	/* an array of pointers: its element is a pointer */
	/* NOLINTBEGIN(bugprone-sizeof-expression) */
	tests = calloc(n ? n : 1, sizeof(*tests));
	if (!tests)
		return 2;
	memcpy(tests, __start_ut_tests, n * sizeof(*tests));
	qsort(tests, n, sizeof(*tests), cmp_tests);
	/* NOLINTEND(bugprone-sizeof-expression) */

	if (boots) {
		print_boots(tests, n);
		free(tests);
		return 0;
	}
	if (!list && ut_module_loaded() && ut_unload())
		fprintf(stderr, "ut: cannot unload a module left loaded\n");

	for (size_t i = 0; i < n; i++) {
		const struct ut_test *t = tests[i];

		if (!boot_in(boot_of(t), boot) || !matches(t->id, only))
			continue;
		if (list) {
			printf("%s\n", t->id);
			continue;
		}
		switch (run_one(t, tag)) {
		case 0:
			pass++;
			break;
		case 2:
			skip++;
			break;
		default:
			fail++;
		}
	}
	if (!list)
		printf("%d passed, %d failed, %d skipped\n", pass, fail, skip);
	free(tests);
	return fail ? 1 : 0;
}
