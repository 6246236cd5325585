// SPDX-License-Identifier: GPL-2.0
/*
 * udmabuf-fuzz: a grammar-based fuzzer of every interface of u-dma-buf that
 * user space reaches (#13): module parameters, /dev/u-dma-buf-mgr, sysfs,
 * the ioctls of /dev/<name> (native, and compat when built 32-bit for a
 * 64-bit kernel), read/write/pread/pwrite/lseek, mmap/mremap/mprotect/
 * madvise, fork and access of mappings, dma-buf exports (their ioctls and
 * mmap).  Runs as root in a test guest; docs/testing.md describes it.
 *
 *   udmabuf-fuzz [--seed S] [--ops N | --seconds T] [--batch N]
 *                                 random batches, each from a clean module
 *   udmabuf-fuzz --print --seed S --batch-no B   print batch B of seed S
 *   udmabuf-fuzz --replay FILE... replay op sequences (one op per line)
 *
 * Every op is one line of text; a batch starts with the module freshly
 * loaded (udmabuf0=65536 udmabuf1=12289) and nothing open.  Each op has the
 * set of results it may have; anything else is a finding, and so is a
 * kernel log line with BUG:/WARNING:/KASAN/UBSAN/Oops/DMA-API:/a call
 * trace (read from /dev/kmsg after every op), an op that takes longer than
 * the alarm (hang), a module that cannot be unloaded once everything is
 * closed (a leaked reference).  A finding prints a shortened op sequence
 * that still shows it (FUZZ-REPRO-BEGIN ... FUZZ-REPRO-END), ready to be
 * saved as tests/fuzz/corpus/<name>.txt.  Exit status 0: no finding.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/dma-buf.h>
#include <linux/u-dma-buf.h>

#define MODULE_PATH	"/lib/modules/u-dma-buf.ko"
#define MODULE_NAME	"u_dma_buf"
#define BASE_PARAMS	"udmabuf0=65536 udmabuf1=12289"
#define MGR_PATH	"/dev/u-dma-buf-mgr"
#define CLASS_DIR	"/sys/class/u-dma-buf"
#define NSLOTS		6
#define NMAPS		4
#define MAXOPS		4096
#define LINE_MAX_LEN	6000
#define SCRATCH_SIZE	(1 << 20)
#define OP_ALARM	30

/* ------------------------------------------------------------ random */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rn(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

#define PICK(a) ((a)[rn(sizeof(a) / sizeof((a)[0]))])

/* ------------------------------------------------------------ state */
enum kind { K_NONE, K_DEV, K_DMABUF, K_OTHER };

struct slot {
	int fd;
	enum kind kind;
	int64_t pos;		/* file position we expect */
	uint64_t size;		/* object size at open/export */
};

struct map {
	char *addr;
	size_t len;
	int prot;
	uint64_t off;		/* file offset */
	uint64_t objsize;	/* size of the mapped object, page rounded */
	int fork_unsure;	/* MADV_DONTFORK/WIPEONFORK applied */
};

static struct slot slots[NSLOTS];
static struct map maps[NMAPS];
static int mgr_fd = -1;
static int kmsg_fd = -1;
static char *scratch;		/* SCRATCH_SIZE bytes, read/write */
static char *ro_page;		/* one read-only page */
static char *bad_page;		/* one PROT_NONE page */
static char *edge;		/* a page followed by bad_page */
static long page;
static int compat;		/* 32-bit program on a 64-bit kernel */
static int verbose;

/* the current batch, for reports */
static char **cur_ops;
static int cur_i;

/* result of the last op */
static char finding[LINE_MAX_LEN];
static int found;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	if (found)
		return;
	va_start(ap, fmt);
	vsnprintf(finding, sizeof(finding), fmt, ap);
	va_end(ap);
	found = 1;
}

/* ------------------------------------------------------ text encoding */
/* a payload (the rest of a line) with \xHH for anything not printable */
static void enc(char *out, size_t outlen, const char *in, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; i < len && j + 5 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c > 0x20 && c < 0x7f && c != '\\')
			out[j++] = (char)c;
		else if (c == ' ' && i && i + 1 < len)
			out[j++] = ' ';
		else
			j += (size_t)snprintf(out + j, outlen - j, "\\x%02x", c);
	}
	out[j] = '\0';
}

static size_t dec(char *out, size_t outlen, const char *in)
{
	size_t j = 0;

	while (*in && j + 1 < outlen) {
		if (in[0] == '\\' && in[1] == 'x' && isxdigit((unsigned char)in[2]) &&
		    isxdigit((unsigned char)in[3])) {
			char h[3] = { in[2], in[3], 0 };

			out[j++] = (char)strtoul(h, NULL, 16);
			in += 4;
		} else {
			out[j++] = *in++;
		}
	}
	out[j] = '\0';
	return j;
}

/* ------------------------------------------------------------ errnos */
#define E(...) ((const int[]){ __VA_ARGS__, -1 })

static int in_set(int e, const int *set)
{
	for (; *set >= 0; set++)
		if (*set == e)
			return 1;
	return 0;
}

static const char *ename(int e)
{
	static char b[4][48];
	static int k;
	char *o = b[k++ & 3];

	if (e == 0)
		return "success";
	snprintf(o, 48, "errno %d (%s)", e, strerror(e));
	return o;
}

/* r: the call's result (-1 with errno), allowed: errnos other than success */
static int last_ok;	/* the last checked call of the op succeeded */

static int check(long long r, int err, int success_ok, const int *allowed)
{
	last_ok = r >= 0;
	if (r >= 0) {
		if (!success_ok)
			note("unexpected success (returned %lld)", r);
		return 0;
	}
	if (!in_set(err, allowed))
		note("unexpected %s", ename(err));
	return err;
}

/* ------------------------------------------------------------ kmsg */
static const char *const bad_words[] = {
	"BUG:", "WARNING:", "KASAN", "UBSAN", "Oops", "DMA-API:",
	"Call Trace", "Call trace", "general protection", "kernel BUG",
	"is still referenced", "leaking", "KFENCE", "Unable to handle",
	"list_add corruption", "list_del corruption", "refcount_t:",
	"possible circular locking", "sleeping function called",
};

static void kmsg_scan(void)
{
	char buf[8192];
	ssize_t n;

	if (kmsg_fd < 0)
		return;
	while ((n = read(kmsg_fd, buf, sizeof(buf) - 1)) != 0) {
		if (n < 0) {
			if (errno == EPIPE)
				continue;	/* overwritten records */
			break;
		}
		buf[n] = '\0';
		for (size_t i = 0; i < sizeof(bad_words) / sizeof(bad_words[0]); i++) {
			if (strstr(buf, bad_words[i])) {
				char *nl = strchr(buf, '\n');

				if (nl)
					*nl = '\0';
				note("kernel log: %s", strchr(buf, ';') ?
				     strchr(buf, ';') + 1 : buf);
				break;
			}
		}
	}
}

static void kmsg_open(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

/* ------------------------------------------------------ module, reset */
static char *ko;
static size_t ko_len;

static int load_ko(void)
{
	int fd = open(MODULE_PATH, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st))
		return -1;
	ko = malloc((size_t)st.st_size);
	if (!ko || read(fd, ko, (size_t)st.st_size) != st.st_size)
		return -1;
	ko_len = (size_t)st.st_size;
	close(fd);
	return 0;
}

static void close_all(void)
{
	for (int i = 0; i < NMAPS; i++) {
		if (maps[i].addr)
			munmap(maps[i].addr, maps[i].len);
		memset(&maps[i], 0, sizeof(maps[i]));
	}
	for (int i = 0; i < NSLOTS; i++) {
		if (slots[i].kind != K_NONE)
			close(slots[i].fd);
		memset(&slots[i], 0, sizeof(slots[i]));
		slots[i].fd = -1;
	}
	if (mgr_fd >= 0)
		close(mgr_fd);
	mgr_fd = -1;
}


/* unload with everything closed: refused only if something leaked */
static int unload_clean(void)
{
	for (int i = 0; i < 100; i++) {
		if (!syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK))
			return 0;
		if (errno == ENOENT)
			return 0;
		usleep(20000);
	}
	return -1;
}

static int reset(void)
{
	close_all();
	if (unload_clean()) {
		note("the module cannot be unloaded after every file and "
		     "mapping was closed: %s (a leaked reference)", ename(errno));
		return -1;
	}
	if (syscall(SYS_init_module, ko, ko_len, BASE_PARAMS)) {
		note("the module does not load with \"" BASE_PARAMS "\": %s",
		     ename(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ signals */
static sigjmp_buf touch_jmp;
static volatile sig_atomic_t in_touch;

static void on_fault(int sig)
{
	if (in_touch)
		siglongjmp(touch_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void emit_repro(const char *why, char **ops, int n);

static void on_alarm(int sig)
{
	char msg[128];
	int len;

	(void)sig;
	/*
	 * Not async-signal-safe, knowingly: the op that hangs is blocked in a
	 * system call, not in stdio or malloc, and the handler ends the process.
	 */
	/* NOLINTNEXTLINE(bugprone-signal-handler) */
	len = snprintf(msg, sizeof(msg), "FUZZ-FINDING hang: op %d did not "
		       "finish within %d s\n", cur_i + 1, OP_ALARM);
	if (write(1, msg, (size_t)len) < 0)
		_exit(3);
	emit_repro("hang", cur_ops, cur_i + 1);
	_exit(3);
}

/* -------------------------------------------------------- op parsing */
static int64_t num(const char *s)
{
	if (!s)
		return 0;
	if (*s == '-')
		return (int64_t)strtoll(s, NULL, 0);
	return (int64_t)strtoull(s, NULL, 0);
}

static struct slot *slot_of(const char *s)
{
	int64_t i = num(s);

	return (i >= 0 && i < NSLOTS) ? &slots[i] : &slots[0];
}

static struct map *map_of(const char *s)
{
	int64_t i = num(s);

	return (i >= 0 && i < NMAPS) ? &maps[i] : &maps[0];
}

/* the pointer of an argument mode */
static void *ptr_of(const char *mode, size_t *room)
{
	*room = 0;
	if (!strcmp(mode, "ok")) {
		*room = SCRATCH_SIZE;
		return scratch;
	}
	if (!strcmp(mode, "ro")) {
		*room = (size_t)page;
		return ro_page;
	}
	if (!strcmp(mode, "edge")) {
		*room = 4;
		return edge + page - 4;
	}
	if (!strcmp(mode, "bad"))
		return bad_page;
	if (!strcmp(mode, "kern"))
		return (void *)(uintptr_t)(sizeof(long) == 8 ?
					   0xffff800000001000ULL : 0xc0001000UL);
	return NULL;		/* "null" */
}

static uint64_t round_page(uint64_t v)
{
	return (v + (uint64_t)page - 1) & ~((uint64_t)page - 1);
}

/* --------------------------------------------------------------- ops */
#define MGR_ERR E(EINVAL, EEXIST, EBUSY, ENOENT, ENODEV, EPERM, ENOMEM, ENOSPC)

/*
 * The kernel's own parameter parser (next_arg(), before init_module ever
 * reaches a module) reads args[i - 1] with i == 0 when the string ends
 * with a token that is a lone '"': 4 GiB past the string on 5.10 (an oops
 * seen on Debian's 5.10.223; 6.1 checks i).  No module can defend itself,
 * so such strings are not sent to a 5.x kernel (docs/testing.md).
 */
static int kernel_parser_crashes(const char *p)
{
	size_t n = strlen(p);
	struct utsname u;

	if (!n || p[n - 1] != '"' || (n > 1 && !isspace((unsigned char)p[n - 2])))
		return 0;
	return uname(&u) == 0 && atoi(u.release) < 6;
}

static void op_load(const char *params)
{
	char p[LINE_MAX_LEN];
	long r;

	dec(p, sizeof(p), params ? params : "");
	if (kernel_parser_crashes(p)) {
		if (verbose)
			printf("skipped: load with a trailing lone quote "
			       "(next_arg() of this kernel reads out of bounds)\n");
		return;
	}
	close_all();
	if (unload_clean()) {
		note("the module cannot be unloaded after every file and "
		     "mapping was closed: %s", ename(errno));
		return;
	}
	errno = 0;
	r = syscall(SYS_init_module, ko, ko_len, p);
	check(r, errno, 1,
	      E(EINVAL, ENOMEM, ENOSPC, EEXIST, ENODEV, ERANGE, EBUSY, ENOENT,
		E2BIG, ENXIO));
}

static void op_unload(void)
{
	long r;

	errno = 0;
	r = syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK);
	check(r, errno, 1,
	      E(EAGAIN, EBUSY, ENOENT));
}

static int mgr_open(void)
{
	if (mgr_fd < 0)
		mgr_fd = open(MGR_PATH, O_RDWR | O_CLOEXEC);
	return mgr_fd;
}

static void op_mgr(const char *payload)
{
	char c[LINE_MAX_LEN];
	size_t len = dec(c, sizeof(c), payload ? payload : "");
	ssize_t r;

	if (mgr_open() < 0) {
		check(-1, errno, 0, E(ENOENT, ENODEV));
		return;
	}
	errno = 0;
	r = write(mgr_fd, c, len);
	if (check(r, errno, 1, len == 0 ? E(EINVAL) : MGR_ERR) == 0 &&
	    r != (ssize_t)len && len)
		note("manager write of %zu bytes returned %zd", len, r);
}

/* mgrw <len> <ptrmode>: lengths and pointers the text cannot carry */
static void op_mgrw(const char *lens, const char *mode)
{
	uint64_t len = (uint64_t)num(lens);
	size_t room;
	char *p = ptr_of(mode ? mode : "ok", &room);
	ssize_t r;

	if (mgr_open() < 0) {
		check(-1, errno, 0, E(ENOENT, ENODEV));
		return;
	}
	if (p && p == scratch)
		for (size_t i = 0; i < 2048; i++)
			scratch[i] = (char)(0x20 + (i * 7) % 95);
	errno = 0;
	r = write(mgr_fd, p, (size_t)len);
	check(r, errno, 1, E(EINVAL, EFAULT, EEXIST, EBUSY, ENOENT, ENODEV,
			     ENOMEM));
}

static void op_mgrread(void)
{
	char b[16384];
	ssize_t r;

	if (mgr_open() < 0) {
		check(-1, errno, 0, E(ENOENT, ENODEV));
		return;
	}
	lseek(mgr_fd, 0, SEEK_SET);
	errno = 0;
	r = read(mgr_fd, b, sizeof(b));
	check(r, errno, 1, E(ENOMEM));
}

static void op_sysfs(const char *name, const char *attr, const char *payload)
{
	char path[512], v[LINE_MAX_LEN];
	size_t len = dec(v, sizeof(v), payload ? payload : "");
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), CLASS_DIR "/%s/%s", name, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		check(-1, errno, 0, E(ENOENT, EACCES, ENOTDIR, ENAMETOOLONG,
				      EISDIR, ENODEV));
		return;
	}
	errno = 0;
	r = write(fd, v, len);
	check(r, errno, 1,
	      E(EINVAL, EBUSY, ERANGE, ENODEV, ENOENT, EACCES, EIO, ENOMEM));
	close(fd);
}

static void op_sysread(const char *name, const char *attr)
{
	char path[512], b[8192];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), CLASS_DIR "/%s/%s", name, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		check(-1, errno, 0, E(ENOENT, EACCES, ENOTDIR, ENAMETOOLONG,
				      ENODEV));
		return;
	}
	errno = 0;
	r = read(fd, b, sizeof(b));
	check(r, errno, 1, E(EIO, ENODEV));
	close(fd);
}

static uint64_t dev_size(int fd)
{
	uint64_t s = 0;

	if (ioctl(fd, U_DMA_BUF_IOCTL_GET_SIZE, &s))
		return 0;
	return s;
}

static void op_open(const char *sl, const char *name, const char *fl)
{
	struct slot *s = slot_of(sl);
	char path[512];
	int fd;

	if (s->kind != K_NONE)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	snprintf(path, sizeof(path), "/dev/%s", name);
	errno = 0;
	fd = open(path, (int)num(fl) | O_CLOEXEC);
	if (check(fd, errno, 1, E(ENOENT, ENODEV, ENXIO, EACCES, EINVAL)))
		return;
	s->fd = fd;
	s->size = dev_size(fd);
	s->kind = s->size ? K_DEV : K_OTHER;
}

static void op_close(const char *sl)
{
	struct slot *s = slot_of(sl);

	if (s->kind != K_NONE)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* the request codes the driver accepts, and what their argument is */
enum rq { RQ_GET, RQ_SET, RQ_EXPORT, RQ_NONE };

struct req {
	const char *name;
	unsigned long code;
	enum rq type;
};

#define EXPORT32 _IOC(_IOC_READ | _IOC_WRITE, U_DMA_BUF_IOCTL_MAGIC, 10, 36)

static const struct req reqs[] = {
	{ "GET_DRV_INFO", U_DMA_BUF_IOCTL_GET_DRV_INFO, RQ_GET },
	{ "GET_SIZE", U_DMA_BUF_IOCTL_GET_SIZE, RQ_GET },
	{ "GET_DMA_ADDR", U_DMA_BUF_IOCTL_GET_DMA_ADDR, RQ_GET },
	{ "GET_SYNC_OWNER", U_DMA_BUF_IOCTL_GET_SYNC_OWNER, RQ_GET },
	{ "SET_SYNC_FOR_CPU", U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, RQ_SET },
	{ "SET_SYNC_FOR_DEVICE", U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, RQ_SET },
	{ "GET_DEV_INFO", U_DMA_BUF_IOCTL_GET_DEV_INFO, RQ_GET },
	{ "GET_SYNC", U_DMA_BUF_IOCTL_GET_SYNC, RQ_GET },
	{ "SET_SYNC", U_DMA_BUF_IOCTL_SET_SYNC, RQ_SET },
	{ "EXPORT", U_DMA_BUF_IOCTL_EXPORT, RQ_EXPORT },
	{ "GET_CPU_PHYS_ADDR", U_DMA_BUF_IOCTL_GET_CPU_PHYS_ADDR, RQ_GET },
	{ "SET_SYNC_FOR_CPU_V0", _IOR('U', 5, __u64), RQ_SET },
	{ "SET_SYNC_FOR_DEVICE_V0", _IOR('U', 6, __u64), RQ_SET },
	{ "SET_SYNC_V0", _IOR('U', 9, struct u_dma_buf_ioctl_sync_args), RQ_SET },
	{ "EXPORT32", EXPORT32, RQ_EXPORT },
};

#define NREQS (sizeof(reqs) / sizeof(reqs[0]))

static const struct req *req_of(unsigned long code)
{
	for (size_t i = 0; i < NREQS; i++) {
		if (reqs[i].code != code)
			continue;
		/* the 36-byte export is the compat code of i386 only */
		if (!strcmp(reqs[i].name, "EXPORT32") &&
		    code != U_DMA_BUF_IOCTL_EXPORT && !compat)
			return NULL;
		return &reqs[i];
	}
	return NULL;
}

static unsigned long req_code(const char *s)
{
	for (size_t i = 0; i < NREQS; i++)
		if (!strcmp(reqs[i].name, s))
			return reqs[i].code;
	return (unsigned long)num(s);
}

/* ioctl <slot> <request> <argmode> <a> <b> <c> <d> */
static void op_ioctl(char **a, int n)
{
	struct slot *s = slot_of(a[1]);
	unsigned long code = req_code(n > 2 ? a[2] : "0");
	const char *mode = n > 3 ? a[3] : "null";
	const struct req *rq = req_of(code);
	size_t room, size = _IOC_SIZE(code);
	char *p = ptr_of(mode, &room);
	long r;

	if (p == scratch) {
		uint64_t f[4];

		for (int i = 0; i < 4; i++)
			f[i] = (uint64_t)num(n > 4 + i ? a[4 + i] : "0");
		memset(scratch, 0, 64);
		memcpy(scratch, f, sizeof(f));
		memcpy(scratch + 32, &(int32_t){ -1 }, 4);
	}
	errno = 0;
	r = ioctl(s->kind == K_NONE ? -1 : s->fd, code, p);
	if (s->kind == K_NONE) {
		check(r, errno, 0, E(EBADF));
		return;
	}
	if (!rq && _IOC_TYPE(code) != U_DMA_BUF_IOCTL_MAGIC)
		return;		/* the VFS's own requests (FIGETBSZ, FIONBIO...) */
	if (s->kind != K_DEV || !rq) {
		check(r, errno, 0, E(ENOTTY));
		return;
	}
	if (rq->type == RQ_EXPORT && r == 0) {
		int32_t fd;

		memcpy(&fd, p + 32, 4);
		if (fd < 0 || close(fd))
			note("EXPORT succeeded but gave no valid fd (%d)", fd);
	}
	if (!p || !strcmp(mode, "bad") || !strcmp(mode, "kern") ||
	    (!strcmp(mode, "edge") && size > room) ||
	    (!strcmp(mode, "ro") && rq->type != RQ_SET)) {
		/* an EXPORT may be refused for its (garbage) values first */
		check(r, errno, 0, rq->type == RQ_EXPORT && !strcmp(mode, "ro") ?
		      E(EFAULT, EINVAL) : E(EFAULT));
		return;
	}
	switch (rq->type) {
	case RQ_GET:
		check(r, errno, 1, E(ENODEV));
		break;
	case RQ_SET:
		check(r, errno, 1, E(EINVAL, ENODEV));
		break;
	default:
		check(r, errno, 1, E(EINVAL, EOPNOTSUPP, EMFILE, ENOMEM,
				     ENODEV, EBUSY));
		break;
	}
}

/* export <slot> <from-slot> <flags> <size> <offset> */
static void op_export(char **a, int n)
{
	struct slot *d = slot_of(a[1]), *s = slot_of(n > 2 ? a[2] : "0");
	struct u_dma_buf_ioctl_export_args x = {
		.flags = (uint64_t)num(n > 3 ? a[3] : "2"),
		.size = (uint64_t)num(n > 4 ? a[4] : "0"),
		.offset = (uint64_t)num(n > 5 ? a[5] : "0"),
		.fd = -1,
	};
	uint64_t bsize = s->size, end;
	int valid, flags_ok, access_ok, acc;
	long r;

	if (d == s)
		return;
	errno = 0;
	r = ioctl(s->kind == K_NONE ? -1 : s->fd, U_DMA_BUF_IOCTL_EXPORT, &x);
	if (s->kind == K_NONE) {
		check(r, errno, 0, E(EBADF));
		return;
	}
	if (s->kind != K_DEV) {
		check(r, errno, 0, E(ENOTTY));
		return;
	}
	end = x.size ? x.offset + x.size : bsize;
	flags_ok = !(x.flags & 0xffffffffULL & ~(uint64_t)(O_CLOEXEC | O_ACCMODE | O_SYNC)) &&
		(x.flags & O_ACCMODE) != 3;
	/* a dma-buf grants no more than the file: readable, writable if asked */
	acc = fcntl(s->fd, F_GETFL) & O_ACCMODE;
	access_ok = (acc == O_RDWR ||
		     (acc == O_RDONLY && (x.flags & O_ACCMODE) == O_RDONLY));
	valid = flags_ok && access_ok && x.offset % (uint64_t)page == 0 &&
		x.offset < bsize && end > x.offset && end <= bsize &&
		(x.size % (uint64_t)page == 0 || end == bsize);
	/* EBUSY: x86 while an O_SYNC (uncached) mapping lives (design.md) */
	if (check(r, errno, valid, valid ? E(EOPNOTSUPP, EMFILE, ENOMEM, EBUSY) :
		  flags_ok && !access_ok ? E(EACCES) : E(EINVAL)))
		return;
	if (d->kind != K_NONE)
		close(d->fd);
	d->fd = x.fd;
	d->kind = K_DMABUF;
	d->pos = 0;
	d->size = round_page(end) - x.offset;
	if ((uint64_t)lseek(x.fd, 0, SEEK_END) != d->size)
		note("the dma-buf's size is %jd, expected %ju",
		     (intmax_t)lseek(x.fd, 0, SEEK_END), (uintmax_t)d->size);
}

/* dbsync <slot> <flags> */
static void op_dbsync(const char *sl, const char *fl)
{
	struct slot *s = slot_of(sl);
	struct dma_buf_sync sy = { .flags = (uint64_t)num(fl) };
	int valid = !(sy.flags & ~(uint64_t)DMA_BUF_SYNC_VALID_FLAGS_MASK) &&
		    (sy.flags & DMA_BUF_SYNC_RW);
	long r;

	errno = 0;
	r = ioctl(s->kind == K_NONE ? -1 : s->fd, DMA_BUF_IOCTL_SYNC, &sy);
	if (s->kind == K_NONE)
		check(r, errno, 0, E(EBADF));
	else if (s->kind != K_DMABUF)
		check(r, errno, 0, E(ENOTTY));
	else
		check(r, errno, valid, E(EINVAL));
}

/* dbname <slot> <ptrmode> <name> */
static void op_dbname(const char *sl, const char *mode, const char *name)
{
	struct slot *s = slot_of(sl);
	size_t room;
	char *p = ptr_of(mode, &room);
	long r;

	if (p == scratch)
		dec(scratch, 4096, name ? name : "");
	errno = 0;
	r = ioctl(s->kind == K_NONE ? -1 : s->fd, DMA_BUF_SET_NAME, p);
	if (s->kind == K_NONE)
		check(r, errno, 0, E(EBADF));
	else if (s->kind != K_DMABUF)
		check(r, errno, 0, E(ENOTTY));
	else
		check(r, errno, 1, E(EINVAL, EFAULT, EBUSY, ENOMEM));
}

/* rw <read|write|pread|pwrite> <slot> <pos> <len> <ptrmode> */
static void op_rw(char **a, int n)
{
	const char *how = a[0];
	struct slot *s = slot_of(n > 1 ? a[1] : "0");
	int64_t pos = num(n > 2 ? a[2] : "0");
	uint64_t len = (uint64_t)num(n > 3 ? a[3] : "0");
	const char *mode = n > 4 ? a[4] : "ok";
	int wr = !strcmp(how, "write") || !strcmp(how, "pwrite");
	int positioned = how[0] == 'p';
	int fd = s->kind == K_NONE ? -1 : s->fd;
	size_t room;
	char *p = ptr_of(mode, &room);
	int acc;
	ssize_t r;

	errno = 0;
	if (positioned)
		r = wr ? pwrite(fd, p, (size_t)len, (off_t)pos) :
			 pread(fd, p, (size_t)len, (off_t)pos);
	else
		r = wr ? write(fd, p, (size_t)len) : read(fd, p, (size_t)len);
	if (s->kind == K_NONE) {
		/* a negative position is refused before the fd is looked up */
		check(r, errno, 0, E(EBADF, EINVAL));
		return;
	}
	if (s->kind == K_DMABUF) {
		check(r, errno, 1, E(EINVAL, ESPIPE, EBADF));
		return;
	}
	if (s->kind != K_DEV) {
		/* the manager, or another device of the same name */
		check(r, errno, 1, E(EINVAL, ESPIPE, EBADF, EFAULT, EEXIST,
				     EBUSY, ENOENT, ENODEV, EPERM, ENOMEM,
				     ENOSPC));
		return;
	}
	acc = fcntl(fd, F_GETFL) & O_ACCMODE;
	if ((wr && acc == O_RDONLY) || (!wr && acc == O_WRONLY) || acc == 3) {
		/* pread/pwrite refuse a negative position first */
		check(r, errno, 0, positioned && pos < 0 ? E(EINVAL) : E(EBADF));
		return;
	}
	if (!positioned)
		pos = s->pos;
	if (len == 0 && r == 0)
		return;
	if (len > room && len > 0) {
		/* beyond our memory: EFAULT (access_ok), EINVAL (pos + len
		 * wraps), ENOSPC (write at the end), or a short count */
		if (check(r, errno, 1, E(EFAULT, EINVAL, ENOSPC)) == 0 &&
		    r > 0 && ((uint64_t)r > len || pos < 0 ||
			      (uint64_t)pos + (uint64_t)r > s->size))
			note("%s returned %zd at %jd (size %ju)", how, r,
			     (intmax_t)pos, (uintmax_t)s->size);
		if (r > 0 && !positioned)
			s->pos += r;
		return;
	}
	if (pos < 0 || (uint64_t)pos + len > INT64_MAX) {
		check(r, errno, 0, E(EINVAL));
		return;
	}
	if (!p || room == 0 || (!wr && !strcmp(mode, "ro"))) {
		/* faulting buffer: EFAULT, or nothing to do at/after the end */
		if ((uint64_t)pos >= s->size && r == 0 && !wr)
			return;
		check(r, errno, 0, (uint64_t)pos >= s->size && wr ?
		      E(ENOSPC, EFAULT) : E(EFAULT));
		return;
	}
	{
		uint64_t avail = (uint64_t)pos >= s->size ? 0 : s->size - (uint64_t)pos;
		uint64_t want = len < avail ? len : avail;

		if (wr && avail == 0 && len) {
			check(r, errno, 0, E(ENOSPC));
			return;
		}
		if (len > room) {
			/* part may fault: short or EFAULT */
			if (check(r, errno, 1, E(EFAULT)) == 0 &&
			    (uint64_t)r > want)
				note("%s returned %zd, more than %ju", how, r,
				     (uintmax_t)want);
		} else if (check(r, errno, 1, E(ENOMEM)) == 0 &&
			   (uint64_t)r != want) {
			note("%s of %ju at %jd returned %zd, expected %ju (size %ju)",
			     how, (uintmax_t)len, (intmax_t)pos, r,
			     (uintmax_t)want, (uintmax_t)s->size);
		}
	}
	if (r > 0 && !positioned)
		s->pos += r;
}

/* lseek <slot> <offset> <whence> */
static void op_lseek(const char *sl, const char *offs, const char *wh)
{
	struct slot *s = slot_of(sl);
	int64_t off = num(offs), base, want;
	int whence = (int)num(wh);
	off_t r;

	errno = 0;
	r = lseek(s->kind == K_NONE ? -1 : s->fd, (off_t)off, whence);
	if (s->kind == K_NONE) {
		check(r, errno, 0, E(EBADF));
		return;
	}
	if (s->kind != K_DEV) {
		check(r, errno, 1, E(EINVAL, ESPIPE, ENXIO));
		return;
	}
	if (whence < 0 || whence > SEEK_END) {
		check(r, errno, 0, E(EINVAL, ENXIO));
		return;
	}
	base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? s->pos :
	       (int64_t)s->size;
	if (__builtin_add_overflow(base, off, &want) || want < 0 ||
	    (uint64_t)want > s->size) {
		check(r, errno, 0, E(EINVAL));
		return;
	}
	if (check(r, errno, 1, E(-2)) == 0 && r != want)
		note("lseek to %jd (whence %d, from %jd) gave %jd",
		     (intmax_t)off, whence, (intmax_t)s->pos, (intmax_t)r);
	if (r >= 0)
		s->pos = r;
}

/* mmap <map> <slot> <len> <offset> <prot> <flags> */
static void op_mmap(char **a, int n)
{
	struct map *m = map_of(a[1]);
	struct slot *s = slot_of(n > 2 ? a[2] : "0");
	uint64_t len = (uint64_t)num(n > 3 ? a[3] : "4096");
	uint64_t off = (uint64_t)num(n > 4 ? a[4] : "0");
	int prot = (int)num(n > 5 ? a[5] : "3");
	int flags = (int)num(n > 6 ? a[6] : "1");
	int fd = s->kind == K_NONE ? -1 : s->fd;
	int acc, type, ok;
	uint64_t obj = round_page(s->size);
	void *r;

	/* never over our own memory, never anonymous */
	flags &= ~(MAP_FIXED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE |
		   MAP_GROWSDOWN | MAP_HUGETLB | 0x40 /* x86 MAP_32BIT */);
	if (m->addr)
		munmap(m->addr, m->len);
	memset(m, 0, sizeof(*m));
	errno = 0;
	r = mmap(NULL, (size_t)len, prot, flags, fd, (off_t)off);
	if (r != MAP_FAILED) {
		m->addr = r;
		m->len = (size_t)len;
		m->prot = prot;
		m->off = off;
		m->objsize = obj;
	}
	if (s->kind == K_NONE) {
		/* length and offset are checked before the fd */
		check(r == MAP_FAILED ? -1 : 0, errno, 0,
		      E(EBADF, EINVAL, ENOMEM, EOVERFLOW));
		return;
	}
	if (s->kind == K_OTHER) {
		check(r == MAP_FAILED ? -1 : 0, errno, 1,
		      E(ENODEV, EINVAL, EACCES, ENOMEM, EPERM, EOVERFLOW,
			EOPNOTSUPP));
		return;
	}
	acc = fcntl(fd, F_GETFL) & O_ACCMODE;
	type = flags & MAP_TYPE;
	ok = (type == MAP_SHARED ||
	      (type == MAP_SHARED_VALIDATE &&
	       !(flags & ~(MAP_TYPE | MAP_POPULATE | MAP_NONBLOCK |
			   MAP_NORESERVE | MAP_LOCKED | MAP_DENYWRITE |
			   MAP_EXECUTABLE | MAP_STACK)))) &&
	     acc != O_WRONLY && acc != 3 && !(prot & ~0xf) &&
	     !((prot & PROT_WRITE) && acc == O_RDONLY) &&
	     len > 0 && len <= ((uint64_t)64 << 20) && off % (uint64_t)page == 0 &&
	     off < obj && round_page(len) <= obj - off;
	check(r == MAP_FAILED ? -1 : 0, errno, ok,
	      ok ? E(ENOMEM, EAGAIN) : E(EINVAL, EACCES, ENOMEM, EOVERFLOW,
				       EOPNOTSUPP, EPERM, ENXIO, EAGAIN,
				       ENODEV));
}

static void op_munmap(const char *ms)
{
	struct map *m = map_of(ms);

	if (m->addr && munmap(m->addr, m->len))
		note("munmap: %s", ename(errno));
	memset(m, 0, sizeof(*m));
}

/* mremap <map> <newlen> <flags> */
static void op_mremap(const char *ms, const char *nl, const char *fl)
{
	struct map *m = map_of(ms);
	uint64_t newlen = (uint64_t)num(nl);
	int flags = (int)num(fl) & ~(MREMAP_FIXED | 4 /* DONTUNMAP */);
	void *r;

	if (!m->addr)
		return;
	errno = 0;
	r = mremap(m->addr, m->len, (size_t)newlen, flags);
	if (check(r == MAP_FAILED ? -1 : 0, errno, 1,
		  E(EINVAL, ENOMEM, EFAULT, EAGAIN)) == 0) {
		m->addr = r;
		m->len = (size_t)newlen;
	}
}

/* mprotect <map> <prot> */
static void op_mprotect(const char *ms, const char *pr)
{
	struct map *m = map_of(ms);
	int prot = (int)num(pr);
	int r;

	if (!m->addr)
		return;
	errno = 0;
	r = mprotect(m->addr, m->len, prot);
	if (check(r, errno, 1, E(EACCES, EINVAL, ENOMEM)) == 0)
		m->prot = prot;
}

/* madvise <map> <advice> */
static void op_madvise(const char *ms, const char *adv)
{
	struct map *m = map_of(ms);
	int advice = (int)num(adv);
	int r;

	/* real memory failure injection: not this fuzzer's business */
	if (!m->addr || advice == MADV_HWPOISON || advice == 101)
		return;
	errno = 0;
	r = madvise(m->addr, m->len, advice);
	if (check(r, errno, 1,
		  E(EINVAL, ENOMEM, EAGAIN, EPERM, EFAULT, EIO, EBUSY,
		    EOPNOTSUPP, EHWPOISON, EACCES,
		    ENODEV /* MADV_REMOVE: no fallocate on a device */)) == 0 &&
	    (advice == MADV_DONTFORK || advice == MADV_WIPEONFORK))
		m->fork_unsure = 1;
}

/* outcome of one access: 0 done, or the signal */
static int access_at(volatile char *p, int wr)
{
	int sig;

	in_touch = 1;
	sig = sigsetjmp(touch_jmp, 1);
	if (sig == 0) {
		if (wr)
			p[0] = (char)(p[0] + 1);
		else
			(void)p[0];
	}
	in_touch = 0;
	return sig;
}

/* what an access at off of m may give: bit 0 ok, bit 1 SIGSEGV, 2 SIGBUS */
static int expected(const struct map *m, uint64_t off, int wr)
{
	int can;

	if (wr)
		can = (m->prot & PROT_WRITE) ? 1 : 0;
	else
		can = (m->prot & PROT_READ) ? 1 : (m->prot ? 2 : 0);
	if (can == 0)
		return 2;
	if (m->off + off >= m->objsize)
		return can == 2 ? 6 : 4;
	return can == 2 ? 3 : 1;
}

static int outcome_bit(int sig)
{
	return sig == 0 ? 1 : sig == SIGSEGV ? 2 : sig == SIGBUS ? 4 : 8;
}

/* touch <map> <offset> <r|w> */
static void op_touch(const char *ms, const char *offs, const char *rw)
{
	struct map *m = map_of(ms);
	uint64_t off;
	int wr = rw && rw[0] == 'w', sig, exp;

	if (!m->addr || !m->len)
		return;
	off = (uint64_t)num(offs) % m->len;
	sig = access_at(m->addr + off, wr);
	last_ok = sig == 0;
	exp = expected(m, off, wr);
	if (!(outcome_bit(sig) & exp))
		note("%s at offset %ju of a mapping (prot %d, file offset %ju, "
		     "object %ju bytes): %s", wr ? "write" : "read",
		     (uintmax_t)off, m->prot, (uintmax_t)m->off,
		     (uintmax_t)m->objsize, sig ? strsignal(sig) : "no signal");
}

/* fork <map> <offset>: a child reads and writes there */
static void op_fork(const char *ms, const char *offs)
{
	struct map *m = map_of(ms);
	uint64_t off;
	pid_t pid;
	int st, exp;

	if (!m->addr || !m->len)
		return;
	off = (uint64_t)num(offs) % m->len;
	exp = expected(m, off, 0);
	if (m->fork_unsure)
		exp |= 2;
	pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		alarm(OP_ALARM);
		(void)*(volatile char *)(m->addr + off);
		_exit(0);
	}
	if (pid < 0) {
		note("fork: %s", ename(errno));
		return;
	}
	if (waitpid(pid, &st, 0) != pid) {
		note("waitpid: %s", ename(errno));
		return;
	}
	last_ok = !WIFSIGNALED(st);
	if (!(outcome_bit(WIFSIGNALED(st) ? WTERMSIG(st) : 0) & exp))
		note("a forked child reading offset %ju of a mapping (prot %d, "
		     "file offset %ju, object %ju): %s", (uintmax_t)off, m->prot,
		     (uintmax_t)m->off, (uintmax_t)m->objsize,
		     WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "exit");
}

/* --------------------------------------------------------- interpreter */
static int split(char *line, char **a, int max)
{
	int n = 0;
	char *p = line;

	while (*p && n < max) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		a[n++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

/* the rest of line after k words */
static const char *rest(const char *line, int k)
{
	const char *p = line;

	for (int i = 0; i < k; i++) {
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
	}
	if (*p == ' ')
		p++;
	return p;
}

/* per op name: how often it ran and how often its call succeeded */
static struct stat_ent {
	char name[12];
	uint64_t runs, oks;
} stats[32];

static void count(const char *name)
{
	for (int i = 0; i < 32; i++) {
		if (!stats[i].name[0])
			snprintf(stats[i].name, sizeof(stats[i].name), "%s", name);
		if (!strcmp(stats[i].name, name)) {
			stats[i].runs++;
			stats[i].oks += last_ok;
			return;
		}
	}
}

static void op_dispatch(const char *text, char **a, int n);

static void run_op(const char *text)
{
	char line[LINE_MAX_LEN], *a[12];
	int n;

	snprintf(line, sizeof(line), "%s", text);
	n = split(line, a, 12);
	if (n == 0 || a[0][0] == '#')
		return;
	last_ok = 0;
	op_dispatch(text, a, n);
	count(a[0]);
}

static void op_dispatch(const char *text, char **a, int n)
{
#define A(i) (n > (i) ? a[i] : "0")
	if (!strcmp(a[0], "load"))
		op_load(rest(text, 1));
	else if (!strcmp(a[0], "unload"))
		op_unload();
	else if (!strcmp(a[0], "mgr"))
		op_mgr(rest(text, 1));
	else if (!strcmp(a[0], "mgrw"))
		op_mgrw(A(1), n > 2 ? a[2] : "ok");
	else if (!strcmp(a[0], "mgrread"))
		op_mgrread();
	else if (!strcmp(a[0], "mgrclose")) {
		if (mgr_fd >= 0)
			close(mgr_fd);
		mgr_fd = -1;
	} else if (!strcmp(a[0], "sysfs"))
		op_sysfs(A(1), A(2), rest(text, 3));
	else if (!strcmp(a[0], "sysread"))
		op_sysread(A(1), A(2));
	else if (!strcmp(a[0], "open"))
		op_open(A(1), A(2), A(3));
	else if (!strcmp(a[0], "close"))
		op_close(A(1));
	else if (!strcmp(a[0], "ioctl"))
		op_ioctl(a, n);
	else if (!strcmp(a[0], "export"))
		op_export(a, n);
	else if (!strcmp(a[0], "dbsync"))
		op_dbsync(A(1), A(2));
	else if (!strcmp(a[0], "dbname"))
		op_dbname(A(1), n > 2 ? a[2] : "ok", rest(text, 3));
	else if (!strcmp(a[0], "read") || !strcmp(a[0], "write") ||
		 !strcmp(a[0], "pread") || !strcmp(a[0], "pwrite"))
		op_rw(a, n);
	else if (!strcmp(a[0], "lseek"))
		op_lseek(A(1), A(2), A(3));
	else if (!strcmp(a[0], "mmap"))
		op_mmap(a, n);
	else if (!strcmp(a[0], "munmap"))
		op_munmap(A(1));
	else if (!strcmp(a[0], "mremap"))
		op_mremap(A(1), A(2), A(3));
	else if (!strcmp(a[0], "mprotect"))
		op_mprotect(A(1), A(2));
	else if (!strcmp(a[0], "madvise"))
		op_madvise(A(1), A(2));
	else if (!strcmp(a[0], "touch"))
		op_touch(A(1), A(2), A(3));
	else if (!strcmp(a[0], "fork"))
		op_fork(A(1), A(2));
	else
		note("unknown op \"%s\"", a[0]);
#undef A
}

/*
 * Run ops[0..n) from a clean module; returns the index of the op with a
 * finding (found set), or -1.
 */
static int run_batch(char **ops, int n)
{
	found = 0;
	cur_ops = ops;
	cur_i = 0;
	if (reset())
		return 0;
	kmsg_scan();
	found = 0;
	for (cur_i = 0; cur_i < n; cur_i++) {
		alarm(OP_ALARM);
		run_op(ops[cur_i]);
		alarm(0);
		kmsg_scan();
		if (found)
			return cur_i;
	}
	/* the end: everything closed, the module must unload */
	close_all();
	if (unload_clean())
		note("the module cannot be unloaded after every file and "
		     "mapping was closed (a leaked reference)");
	kmsg_scan();
	return found ? n - 1 : -1;
}

/* ---------------------------------------------------------- generator */
static const char *const names[] = {
	"udmabuf0", "udmabuf1", "fz0", "fz1", "fz2", "fz0", "fz1",
	"udmabuf2", "a!b", "a/b", ".", "..", "-", "null", "u-dma-buf-mgr",
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
	"\\x01x", "x\\xff", "fz\\x09",
};

/* names that /dev/ and sysfs paths can carry */
static const char *const path_names[] = {
	"udmabuf0", "udmabuf1", "fz0", "fz1", "fz2", "udmabuf2",
	"u-dma-buf-mgr", "null",
};

static const char *const sizes[] = {
	"4096", "65536", "12289", "1", "4095", "4097", "1048576", "4194304",
	"4194305", "16777216", "8388608", "0", "4k", "64K", "1M", "1m", "4M",
	"0x1000", "0x10001", "1G", "2G", "16E", "1T", "17179869184",
	"18446744073709551615", "18446744073709551616", "-1", "-4096", "1k1",
	"K", "0x", "99999999999999999999999", "4096 ", "+4096", "00010",
	"0x8000000000000000", "9223372036854775807", "4194304k",
};

static const char *const values[] = {
	"0", "1", "2", "3", "4", "5", "7", "8", "11", "12", "13", "31", "32",
	"33", "63", "64", "65", "255", "256", "-1", "4096", "65535", "65536",
	"0x100000000", "0x7fffffff", "4294967296", "18446744073709551615",
	"18446744073709551616", "abc", "0644", "0666", "0777", "01000", "y",
	"n", "on", "off", "page", "auto", "1M", "12288", "0x", " 1", "1 ",
	"2\\x0a", "\\x00", "3\\x00",
};

static const char *const keys[] = {
	"minor", "sync-mode", "sync-always", "sync-offset", "sync-size",
	"sync-direction", "dma-mask", "dma-coherent", "quirk-mmap", "mode",
	"auto-delete", "size", "bind", "bus", "device", "foo", "SIZE",
	"memory-region", "device-name", "sync_mode", "",
};

static const char *const binds[] = {
	"platform/none", "pci/0000:00:00.0", "pci/0000:00:1f.0", "nosuch/x",
	"x", "u-dma-buf-mgr", "platform/", "/", "pci/", "platform",
	"pci/0000:00:02.0", "virtio0", "",
};

static const char *const attrs[] = {
	"sync_mode", "sync_offset", "sync_size", "sync_direction",
	"sync_for_cpu", "sync_for_device", "sync_owner", "size", "phys_addr",
	"cpu_phys_addr", "dma_coherent", "quirk_mmap_mode", "export_count",
	"driver_version", "ioctl_version", "dev", "uevent", "nosuch",
};

static const char *const sync_attrs[] = {
	"sync_mode", "sync_offset", "sync_size", "sync_direction",
	"sync_for_cpu", "sync_for_device",
};

static uint64_t interesting(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 15, 16, 17, 4095, 4096, 4097, 8192, 12288, 12289,
		65535, 65536, 65537, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		0xfffffffffffff000ULL, 0xffffffffffffffffULL,
		0x7ffffffffffff000ULL,
	};

	switch (rn(4)) {
	case 0:
		return rnd();
	case 1:
		return rnd() & 0xffff;
	default:
		return PICK(v);
	}
}

/* a sync value of the packed form (requests 5/6, sync_for_*) */
static uint64_t sync_arg(void)
{
	if (rn(3) == 0)
		return interesting();
	return ((uint64_t)(rn(3) ? rn(70000) & ~0xfU : (unsigned int)rnd()) << 32) |
	       ((rn(2) ? rn(70000) : (unsigned int)rnd()) & 0xfffffff0U) |
	       ((uint64_t)rn(4) << 2) | rn(4);
}

static void app(char *o, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void app(char *o, size_t len, const char *fmt, ...)
{
	size_t used = strlen(o);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(o + used, len - used, fmt, ap);
	va_end(ap);
}

/* garbage over an encoded payload: raw bytes, NULs, cuts */
static void mutate(char *o, size_t len)
{
	char raw[LINE_MAX_LEN];
	size_t n = dec(raw, sizeof(raw), o);

	switch (rn(5)) {
	case 0:		/* a random byte somewhere */
		if (n)
			raw[rn((unsigned int)n)] = (char)rnd();
		break;
	case 1:		/* a cut */
		n = n ? rn((unsigned int)n) : 0;
		break;
	case 2:		/* trailing junk */
		for (int i = rn(8); i >= 0 && n + 1 < sizeof(raw); i--)
			raw[n++] = (char)rnd();
		break;
	case 3:		/* a newline inside or at the end */
		if (n + 1 < sizeof(raw))
			raw[rn(2) ? n++ : rn((unsigned int)n + 1)] = '\n';
		break;
	default:	/* a long tail */
		while (n < (rn(2) ? 1100 : 1024) && n + 1 < sizeof(raw))
			raw[n++] = "ab= "[rn(4)];
		break;
	}
	enc(o, len, raw, n);
}

static void gen_mgr(char *o, size_t len)
{
	snprintf(o, len, "mgr ");
	switch (rn(12)) {
	case 0:
		app(o, len, "delete %s", rn(3) ? PICK(path_names) : PICK(names));
		return;
	case 1:
		app(o, len, "%s", PICK(((const char *const[]){ "", "create",
			"delete", "CREATE", "list", "create fz0", "delete",
			"create  fz0\\x09 4096", "\\x0a" })));
		return;
	default:
		break;
	}
	if (rn(2)) {
		/* a create that should work, with options that do something */
		static const char *const ok_sizes[] = { "4096", "12289", "65536",
			"64K", "1M", "0x10001", "4194305", "16M", "8192" };

		app(o, len, "create fz%u %s", rn(3), PICK(ok_sizes));
		for (int i = rn(3); i > 0; i--) {
			switch (rn(10)) {
			case 0:
				app(o, len, " minor=%u", rn(256));
				break;
			case 1:
				app(o, len, " sync-mode=%u", rn(8));
				break;
			case 2:
				app(o, len, " sync-always=%u", rn(2));
				break;
			case 3:
				app(o, len, " sync-offset=%ld sync-size=%ld",
				    page * rn(3), page * rn(3));
				break;
			case 4:
				app(o, len, " sync-direction=%u", rn(3));
				break;
			case 5:
				app(o, len, " dma-mask=%u", PICK(((const unsigned int[]){
					24, 28, 32, 40, 64 })));
				break;
			case 6:
				app(o, len, " dma-coherent=%u", rn(2));
				break;
			case 7:
				app(o, len, " quirk-mmap-%s", PICK(((const char *const[]){
					"off", "on", "auto", "page" })));
				break;
			case 8:
				app(o, len, " mode=06%u%u", rn(7), rn(7));
				break;
			default:
				app(o, len, " auto-delete=%u", rn(2));
				break;
			}
		}
		return;
	}
	app(o, len, "create %s", PICK(names));
	if (rn(8))
		app(o, len, " %s", PICK(sizes));
	for (int i = rn(4) + (rn(5) == 0 ? 12 : 0); i > 0; i--) {
		const char *k = PICK(keys);

		switch (rn(6)) {
		case 0:
			app(o, len, " quirk-mmap-%s", PICK(((const char *const[]){
				"off", "on", "auto", "page", "x", "" })));
			break;
		case 1:
			app(o, len, " %s", PICK(sizes));
			break;
		default:
			if (!strcmp(k, "bind") || !strcmp(k, "bus") ||
			    !strcmp(k, "device"))
				app(o, len, " %s=%s", k, PICK(binds));
			else if (!strcmp(k, "size"))
				app(o, len, " size=%s", PICK(sizes));
			else
				app(o, len, " %s=%s", k, PICK(values));
			break;
		}
	}
	if (rn(3) == 0)
		app(o, len, "\\x0a");
	if (rn(8) == 0)
		mutate(o + 4, len - 4);
}

static void gen_load(char *o, size_t len)
{
	snprintf(o, len, "load");
	if (rn(3) == 0) {
		app(o, len, " " BASE_PARAMS);
		return;
	}
	for (int i = rn(4); i >= 0; i--) {
		switch (rn(8)) {
		case 0:
			app(o, len, " info_enable=%s", PICK(values));
			break;
		case 1:
			app(o, len, " dma_mask_bit=%s", PICK(values));
			break;
		case 2:
			app(o, len, " quirk_mmap_mode=%s", PICK(values));
			break;
		case 3:
			app(o, len, " %sbind=%s", rn(2) ? "" : "udmabuf0_",
			    PICK(binds));
			break;
		case 4:
			app(o, len, " %s", PICK(((const char *const[]){
				"udmabuf0", "udmabuf0=", "=", "udmabuf0=\"1M\"",
				"udmabuf9=4096", "udmabuf8=4096", "\"", "x=y",
				"udmabuf0=4096 udmabuf0=8192" })));
			break;
		default: {
			const char *s = PICK(sizes);

			/* nothing that may take most of the guest's memory */
			if (!strcmp(s, "1G") || !strcmp(s, "2G"))
				s = "4M";
			app(o, len, " udmabuf%u=%s", rn(9), s);
			break;
		}
		}
	}
	if (rn(10) == 0 && o[4] == ' ')
		mutate(o + 5, len - 5);
}

static void gen_sysfs(char *o, size_t len)
{
	const char *n = PICK(path_names);
	const char *a = rn(3) ? PICK(sync_attrs) : PICK(attrs);

	if (rn(5) == 0) {
		snprintf(o, len, "sysread %s %s", n, a);
		return;
	}
	snprintf(o, len, "sysfs %s %s ", n, a);
	switch (rn(4)) {
	case 0:
		app(o, len, "%s", PICK(values));
		break;
	case 1:
		app(o, len, "0x%jx", (uintmax_t)sync_arg());
		break;
	case 2:
		app(o, len, "%ju", (uintmax_t)interesting());
		break;
	default: {
		size_t at = strlen(o);

		app(o, len, "%s", PICK(values));
		mutate(o + at, len - at);
		break;
	}
	}
}

static const char *ptr_mode(void)
{
	static const char *const m[] = { "ok", "ok", "ok", "ok", "null",
					 "bad", "kern", "edge", "ro" };
	return PICK(m);
}

static void gen_ioctl(char *o, size_t len)
{
	unsigned int s = rn(NSLOTS);

	if (rn(4) == 0) {
		/* near the real numbers: other directions, sizes, types */
		static const unsigned int szs[] = { 0, 1, 4, 8, 16, 24, 28, 32,
						    36, 40, 44, 48, 64, 4096,
						    16383 };
		static const char types[] = { 'U', 'U', 'U', 'b', 'u', 0 };
		unsigned long code = _IOC(rn(4), (unsigned int)PICK(types),
					  rn(16), PICK(szs));

		if (rn(6) == 0)
			code = (unsigned long)rnd() & 0xffffffffUL;
		snprintf(o, len, "ioctl %u 0x%lx %s", s, code, ptr_mode());
	} else {
		snprintf(o, len, "ioctl %u %s %s", s, reqs[rn(NREQS)].name,
			 ptr_mode());
	}
	for (int i = 0; i < 4; i++)
		app(o, len, " 0x%jx", (uintmax_t)(i == 0 && rn(2) ?
						  sync_arg() : interesting()));
}

static int reload_next;
static char queue[4][256];
static int queued;

/* a short chain of good ops, so that random ones meet live state */
static void gen_scenario(void)
{
	unsigned int s = rn(3), m = rn(2), e = 3 + rn(3), f = rn(3);
	const char *name = rn(2) ? "udmabuf0" : "udmabuf1";
	uint64_t len = (uint64_t)page * (rn(3) + 1), off = (uint64_t)page * rn(3);

	queued = 0;
	if (rn(3) == 0) {
		snprintf(queue[queued++], 256, "mgr create fz%u %u%s", f,
			 PICK(((const unsigned int[]){ 4096, 12289, 65536, 1048576 })),
			 PICK(((const char *const[]){ "", " quirk-mmap-page",
				" sync-mode=4", " sync-always=1",
				" quirk-mmap-off", " auto-delete=1" })));
		snprintf(queue[queued++], 256, "open %u fz%u %d", s, f,
			 rn(3) ? O_RDWR : O_RDWR | O_SYNC);
	} else {
		snprintf(queue[queued++], 256, "open %u %s %d", s, name,
			 rn(3) ? O_RDWR : O_RDWR | O_SYNC);
	}
	if (rn(2)) {
		snprintf(queue[queued++], 256, "export %u %u 0x%x 0 %ju", e, s,
			 PICK(((const int[]){ O_RDWR, O_RDWR | O_CLOEXEC,
				O_RDWR | O_SYNC })), rn(2) ? (uintmax_t)off : 0);
		s = e;
		off = 0;
	}
	snprintf(queue[queued++], 256, "mmap %u %u %ju %ju 3 0x1", m, s,
		 (uintmax_t)len, (uintmax_t)off);
}

static void gen_op(char *o, size_t len)
{
	if (!queued && rn(6) == 0)
		gen_scenario();
	if (queued) {
		snprintf(o, len, "%s", queue[0]);
		memmove(queue[0], queue[1], sizeof(queue[0]) * 3);
		queued--;
		return;
	}
	/* mostly the first slots and maps, so that ops meet each other */
	unsigned int s = rn(4) ? rn(3) : rn(NSLOTS);
	unsigned int m = rn(4) ? rn(2) : rn(NMAPS);

	if (reload_next) {
		/* most hostile loads are followed by a good one */
		reload_next = 0;
		if (rn(4)) {
			snprintf(o, len, "load " BASE_PARAMS);
			return;
		}
	}
	switch (rn(40)) {
	case 0:
		if (rn(2))
			goto mgr;
		gen_load(o, len);
		reload_next = 1;
		break;
	case 1:
		snprintf(o, len, "%s", rn(2) ? "unload" : "mgrclose");
		break;
	case 2: case 3: case 4: case 5: case 6:
mgr:
		gen_mgr(o, len);
		break;
	case 7:
		snprintf(o, len, "mgrw %ju %s", (uintmax_t)(rn(2) ?
			 (uint64_t)rn(2100) : interesting()), ptr_mode());
		break;
	case 8:
		snprintf(o, len, "mgrread");
		break;
	case 9: case 10: case 11:
		gen_sysfs(o, len);
		break;
	case 12: case 13: case 14: case 15:
		snprintf(o, len, "open %u %s %d", s, rn(2) ? (rn(2) ? "udmabuf0" :
			 "udmabuf1") : PICK(path_names),
			 rn(2) ? O_RDWR : PICK(((const int[]){ O_RDWR, O_RDWR | O_SYNC,
				O_RDONLY, O_WRONLY, O_RDWR | O_NONBLOCK,
				O_RDWR | O_APPEND, 3, O_RDONLY | O_SYNC })));
		break;
	case 16:
		snprintf(o, len, "close %u", s);
		break;
	case 17: case 18: case 19: case 20:
		gen_ioctl(o, len);
		break;
	case 21: case 22:
		snprintf(o, len, "export %u %u 0x%jx %ju %ju", rn(NSLOTS), s,
			 (uintmax_t)PICK(((const uint64_t[]){ O_RDWR, O_RDWR,
				O_RDONLY, O_RDWR | O_CLOEXEC, O_RDWR | O_SYNC,
				3, O_WRONLY, 0x100000002ULL, O_RDWR | O_APPEND,
				0xffffffffULL })),
			 (uintmax_t)(rn(4) ? (uint64_t)page * rn(3) : interesting()),
			 (uintmax_t)(rn(4) ? (uint64_t)page * rn(3) : interesting()));
		break;
	case 23:
		snprintf(o, len, "dbsync %u %ju", rn(3) ? 3 + rn(3) : s, (uintmax_t)(rn(3) ?
			 (uint64_t)rn(8) : interesting()));
		break;
	case 24:
		snprintf(o, len, "dbname %u %s %s", rn(3) ? 3 + rn(3) : s, ptr_mode(),
			 PICK(((const char *const[]){ "fz", "",
			 "0123456789012345678901234567890",
			 "01234567890123456789012345678901", "a\\x0ab",
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" })));
		break;
	case 25: case 26: case 27: {
		static const char *const how[] = { "read", "write", "pread",
						   "pwrite" };
		snprintf(o, len, "%s %u %jd %ju %s", PICK(how), s,
			 (intmax_t)(rn(2) ? (int64_t)rn(70000) : (int64_t)interesting()),
			 (uintmax_t)(rn(2) ? (uint64_t)rn(70000) : interesting()),
			 rn(3) ? "ok" : ptr_mode());
		break;
	}
	case 28:
		snprintf(o, len, "lseek %u %jd %d", s,
			 (intmax_t)(rn(2) ? (int64_t)rn(70000) - 8000 :
				    (int64_t)interesting()), rn(6) ? (int)rn(3) :
			 (int)rn(8) - 1);
		break;
	case 29: case 30: case 31: case 32:
		snprintf(o, len, "mmap %u %u %ju %ju %d 0x%x", m, s,
			 (uintmax_t)(rn(4) ? (uint64_t)page * (rn(2) ? rn(4) + 1 : rn(20) + 1) -
				     (rn(4) ? 0 : rn(100)) : interesting()),
			 (uintmax_t)(rn(4) ? (uint64_t)page * (rn(2) ? rn(3) : rn(18)) :
				     interesting()),
			 rn(4) ? 3 : (int)rn(9),
			 rn(3) ? MAP_SHARED : PICK(((const int[]){ MAP_PRIVATE,
				MAP_SHARED | MAP_POPULATE, MAP_SHARED | MAP_LOCKED,
				MAP_SHARED_VALIDATE, MAP_SHARED_VALIDATE | 0x80000,
				MAP_SHARED | MAP_NORESERVE, 0, 0x7ffffff })));
		break;
	case 33:
		snprintf(o, len, "munmap %u", m);
		break;
	case 34:
		snprintf(o, len, "mremap %u %ju %d", m, (uintmax_t)(rn(3) ?
			 (uint64_t)page * (rn(24) + 1) : interesting()),
			 PICK(((const int[]){ 0, MREMAP_MAYMOVE, MREMAP_MAYMOVE,
				8, 0x40 })));
		break;
	case 35:
		snprintf(o, len, "mprotect %u %d", m, (int)rn(9));
		break;
	case 36:
		snprintf(o, len, "madvise %u %d", m, rn(3) ? PICK(((const int[]){
			MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
			MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTFORK,
			MADV_DOFORK, MADV_MERGEABLE, MADV_UNMERGEABLE,
			MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP,
			MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, 20, 21,
			22, 23, 25 })) : (int)rn(200));
		break;
	case 37:
		snprintf(o, len, "fork %u %ju", m, (uintmax_t)rn(1 << 20));
		break;
	default:
		snprintf(o, len, "touch %u %ju %c", m, (uintmax_t)rn(1 << 20),
			 rn(2) ? 'r' : 'w');
		break;
	}
}

static uint64_t batch_seed(uint64_t seed, uint64_t batch)
{
	rng_state = seed * 0x2545f4914f6cdd1dULL + batch;
	return rnd() ^ rnd();
}

static int gen_batch(uint64_t seed, uint64_t batch, char **ops, int n)
{
	char o[LINE_MAX_LEN];

	rng_state = batch_seed(seed, batch);
	reload_next = 0;
	queued = 0;
	for (int i = 0; i < n; i++) {
		o[0] = '\0';
		gen_op(o, sizeof(o));
		free(ops[i]);
		ops[i] = strdup(o);
	}
	return n;
}

/* ------------------------------------------------------ report, shrink */
static void emit_repro(const char *why, char **ops, int n)
{
	char b[LINE_MAX_LEN + 2];
	int len;

	len = snprintf(b, sizeof(b), "FUZZ-REPRO-BEGIN %s\n", why);
	if (write(1, b, (size_t)len) < 0)
		return;
	for (int i = 0; i < n; i++) {
		len = snprintf(b, sizeof(b), "%s\n", ops[i]);
		if (write(1, b, (size_t)(len < (int)sizeof(b) ? len : (int)sizeof(b) - 1)) < 0)
			return;
	}
	if (write(1, "FUZZ-REPRO-END\n", 15) < 0)
		return;
}

/* the same finding: same op text (the last) and same message */
static int reproduces(char **ops, int n, const char *last, const char *msg)
{
	int at = run_batch(ops, n);

	return at >= 0 && found && !strcmp(ops[at], last) &&
	       !strcmp(finding, msg);
}

/* drop ops before the failing one while the finding stays */
static int shrink(char **ops, int n, int budget)
{
	char msg[LINE_MAX_LEN], *last = ops[n - 1];
	char **trial = calloc((size_t)n, sizeof(char *));

	snprintf(msg, sizeof(msg), "%s", finding);
	for (int chunk = n / 2; chunk >= 1 && budget > 0; chunk /= 2) {
		for (int start = 0; start + chunk < n && budget > 0;) {
			int k = 0;

			for (int i = 0; i < n; i++)
				if (i < start || i >= start + chunk || i == n - 1)
					trial[k++] = ops[i];
			budget--;
			if (reproduces(trial, k, last, msg)) {
				memcpy(ops, trial, (size_t)k * sizeof(char *));
				n = k;
			} else {
				start += chunk;
			}
		}
	}
	free(trial);
	snprintf(finding, sizeof(finding), "%s", msg);
	found = 1;
	return n;
}

static void report(const char *label, char **ops, int at, int minimize)
{
	char msg[LINE_MAX_LEN], why[LINE_MAX_LEN + 256];
	int n = at + 1;

	snprintf(msg, sizeof(msg), "%s", finding);
	printf("FUZZ-FINDING %s: op %d \"%s\": %s\n", label, at + 1, ops[at], msg);
	fflush(stdout);
	if (minimize) {
		char **copy = calloc((size_t)n, sizeof(char *));

		memcpy(copy, ops, (size_t)n * sizeof(char *));
		n = shrink(copy, n, 150);
		snprintf(why, sizeof(why), "%s (%d ops of %d)", msg, n, at + 1);
		emit_repro(why, copy, n);
		free(copy);
	} else {
		emit_repro(msg, ops, n);
	}
	fflush(stdout);
}

/* ---------------------------------------------------------------- main */
static int replay(const char *path)
{
	static char *ops[MAXOPS];
	FILE *f = fopen(path, "r");
	char line[LINE_MAX_LEN];
	int n = 0, at, rc = 0;

	if (!f) {
		printf("FUZZ-FINDING %s: cannot open: %s\n", path, strerror(errno));
		return 1;
	}
	while (n < MAXOPS && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		ops[n++] = strdup(line);
	}
	fclose(f);
	at = run_batch(ops, n);
	if (at >= 0) {
		report(path, ops, at, 0);
		rc = 1;
	} else if (verbose) {
		printf("replayed %s: %d ops, no finding\n", path, n);
	}
	while (n > 0)
		free(ops[--n]);
	return rc;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: udmabuf-fuzz [--seed S] [--ops N | --seconds T] "
		"[--batch N] [-v]\n"
		"       udmabuf-fuzz --print --seed S --batch-no B [--batch N]\n"
		"       udmabuf-fuzz --replay FILE...\n");
	exit(2);
}

static void setup(void)
{
	struct utsname u;
	char *m;

	page = sysconf(_SC_PAGESIZE);
	scratch = mmap(NULL, SCRATCH_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m = mmap(NULL, (size_t)page * 4, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED || m == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	ro_page = m;
	edge = m + page;
	bad_page = m + 2 * page;
	memset(ro_page, 'r', (size_t)page);
	mprotect(ro_page, (size_t)page, PROT_READ);
	mprotect(bad_page, (size_t)page * 2, PROT_NONE);
	uname(&u);
	compat = sizeof(long) == 4 && (strstr(u.machine, "64") != NULL);
	signal(SIGSEGV, on_fault);
	signal(SIGBUS, on_fault);
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < NSLOTS; i++)
		slots[i].fd = -1;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, max_ops = 0, batch_no = 0;
	double seconds = 0;
	int batch = 40, print = 0, i, rc = 0;
	static char *ops[MAXOPS];

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
			max_ops = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
			batch = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--batch-no") && i + 1 < argc)
			batch_no = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--print"))
			print = 1;
		else if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "--replay"))
			break;
		else
			usage();
	}
	if (batch < 1 || batch > MAXOPS)
		usage();
	page = sysconf(_SC_PAGESIZE);
	if (print) {
		gen_batch(seed, batch_no, ops, batch);
		for (int k = 0; k < batch; k++)
			printf("%s\n", ops[k]);
		return 0;
	}
	setup();
	if (load_ko()) {
		printf("FUZZ-FINDING setup: cannot read " MODULE_PATH ": %s\n",
		       strerror(errno));
		return 1;
	}
	kmsg_open();
	if (i < argc) {
		for (i++; i < argc; i++)
			rc |= replay(argv[i]);
		close_all();
		unload_clean();
		return rc;
	}
	if (!max_ops && seconds <= 0)
		max_ops = 2000;
	{
		double t0 = now(), last = t0;
		uint64_t done = 0, b;
		int findings = 0;

		printf("FUZZ-START seed=%ju batch=%d %s%s\n", (uintmax_t)seed,
		       batch, compat ? "compat " : "", sizeof(long) == 8 ?
		       "64-bit" : "32-bit");
		for (b = 0; (!max_ops || done < max_ops) &&
		     (seconds <= 0 || now() - t0 < seconds); b++) {
			int at;

			/* the last one names the batch of a crash */
			printf("FUZZ-BATCH %ju\n", (uintmax_t)b);
			gen_batch(seed, b, ops, batch);
			at = run_batch(ops, batch);
			done += (uint64_t)(at >= 0 ? at + 1 : batch);
			if (at >= 0) {
				char label[64];

				snprintf(label, sizeof(label), "seed=%ju batch-no=%ju",
					 (uintmax_t)seed, (uintmax_t)b);
				report(label, ops, at, 1);
				findings++;
				if (findings >= 5)
					break;
			}
			if (now() - last >= 30) {
				last = now();
				printf("FUZZ-PROGRESS %ju ops in %ju batches, %.0f s\n",
				       (uintmax_t)done, (uintmax_t)b + 1, last - t0);
			}
		}
		close_all();
		unload_clean();
		printf("FUZZ-STATS op:runs/succeeded");
		for (int k = 0; k < 32 && stats[k].name[0]; k++)
			printf(" %s:%ju/%ju", stats[k].name, (uintmax_t)stats[k].runs,
			       (uintmax_t)stats[k].oks);
		printf("\n");
		printf("FUZZ-DONE seed=%ju ops=%ju batches=%ju seconds=%.1f "
		       "ops/s=%.1f findings=%d\n", (uintmax_t)seed,
		       (uintmax_t)done, (uintmax_t)b, now() - t0,
		       done / (now() - t0 > 0 ? now() - t0 : 1), findings);
		return findings ? 1 : 0;
	}
}
