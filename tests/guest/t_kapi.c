// SPDX-License-Identifier: GPL-2.0
/*
 * K1: the in-kernel API of the established driver (u_dma_buf_device_*,
 * docs/design.md "In-kernel API"), called from the test-only module
 * tests/kmod/udmabuf_kapi_test.c through its debugfs command file, with
 * every result checked against what sysfs, ioctl and the device file show.
 *
 * Each test loads the module after u-dma-buf (it links against u-dma-buf's
 * exports) and runs its body in a child, so that the module is unloaded
 * again however the body ends and u-dma-buf can be unloaded after it.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/u-dma-buf.h>
#include "ut.h"
#include "tu_helpers.h"

#define KAPI_KO		"/lib/modules/udmabuf_kapi_test.ko"
#define KAPI_MOD	"udmabuf_kapi_test"
#define KAPI_CMD	"/sys/kernel/debug/udmabuf-kapi/cmd"
#define KAPI_PARENT	"udmabuf-kapi-parent"
#define PCI_DEV		"0000:00:00.0"

static int kapi_unload(void)
{
	if (syscall(SYS_delete_module, KAPI_MOD, O_NONBLOCK))
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

static void kapi_load_x(void)
{
	int fd = open(KAPI_KO, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		UT_SKIP("no %s in this guest", KAPI_KO);
	if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
		UT_FAIL("loading %s after u-dma-buf: %s", KAPI_KO,
			strerror(errno));
	close(fd);
	if (access(KAPI_CMD, F_OK))
		UT_FAIL("%s missing after loading %s", KAPI_CMD, KAPI_MOD);
}

/* load the module, run body in a child, unload the module whatever happened */
static void kapi_run(void (*body)(void))
{
	int st = 0, r;
	pid_t pid;

	kapi_load_x();
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		UT_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		body();
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	r = kapi_unload();
	if (WIFSIGNALED(st))
		UT_FAIL("the test body was killed by signal %d (%s)",
			WTERMSIG(st), strsignal(WTERMSIG(st)));
	if (WEXITSTATUS(st))
		_exit(WEXITSTATUS(st));	/* its message is out already */
	if (r)
		UT_FAIL("unloading %s after the test: %s", KAPI_MOD,
			strerror(-r));
}

#define KAPI_TEST_BOOT(name, params, boot)				\
	static void kt_body_##name(void);				\
	UT_TEST_BOOT(name, params, boot)				\
	{								\
		kapi_run(kt_body_##name);				\
	}								\
	static void kt_body_##name(void)

#define KAPI_TEST(name, params) KAPI_TEST_BOOT(name, params, NULL)

/* one command to the module; its result line without the newline */
static const char *kapi_v(char *cmd, size_t len, const char *fmt, va_list ap)
{
	static char res[512];
	ssize_t n;
	int fd;

	vsnprintf(cmd, len, fmt, ap);
	fd = open(KAPI_CMD, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		UT_FAIL("open %s: %s", KAPI_CMD, strerror(errno));
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		UT_FAIL("command \"%s\": %s", cmd, strerror(errno));
	n = read(fd, res, sizeof(res) - 1);
	close(fd);
	if (n <= 0)
		UT_FAIL("command \"%s\": no result (%s)", cmd,
			n < 0 ? strerror(errno) : "empty");
	res[n] = '\0';
	res[strcspn(res, "\n")] = '\0';
	return res;
}

/* a command whose API call must succeed: what follows "ok " */
static const char *__attribute__((format(printf, 1, 2)))
kapi_ok(const char *fmt, ...)
{
	char cmd[256];
	const char *res;
	va_list ap;

	va_start(ap, fmt);
	res = kapi_v(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (strncmp(res, "ok", 2) || (res[2] && res[2] != ' '))
		UT_FAIL("\"%s\": expected ok, saw \"%s\"", cmd, res);
	return res[2] ? res + 3 : "";
}

/* a command whose API call must fail with -err */
static void __attribute__((format(printf, 2, 3)))
kapi_err(int err, const char *fmt, ...)
{
	char cmd[256], want[32];
	const char *res;
	va_list ap;

	va_start(ap, fmt);
	res = kapi_v(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(want, sizeof(want), "err %d", -err);
	if (strcmp(res, want))
		UT_FAIL("\"%s\": expected \"%s\" (%s), saw \"%s\"", cmd, want,
			strerror(err), res);
}

struct kmap {
	unsigned long long size, phys;
	int virt;
};

static struct kmap getmap_x(int slot)
{
	struct kmap m = { 0, 0, -1 };
	const char *r = kapi_ok("getmap %d 7", slot);

	if (sscanf(r, "size=%llu virt=%d phys=%llx", &m.size, &m.virt,
		   &m.phys) != 3)
		UT_FAIL("getmap %d: unexpected result \"%s\"", slot, r);
	return m;
}

struct ksync {
	uint64_t dir, off, size, owner;
};

static struct ksync sync_state(const char *dev)
{
	struct ksync s = {
		ut_sysfs_u64(dev, "sync_direction"),
		ut_sysfs_u64(dev, "sync_offset"),
		ut_sysfs_u64(dev, "sync_size"),
		ut_sysfs_u64(dev, "sync_owner"),
	};
	return s;
}

static void expect_sync(const char *dev, const char *what, uint64_t dir,
			uint64_t off, uint64_t size, uint64_t owner)
{
	struct ksync s = sync_state(dev);

	if (s.dir != dir || s.off != off || s.size != size ||
	    s.owner != owner)
		UT_FAIL("%s: expected sync_direction %llu sync_offset 0x%llx "
			"sync_size 0x%llx sync_owner %llu, saw %llu 0x%llx "
			"0x%llx %llu", what, (unsigned long long)dir,
			(unsigned long long)off, (unsigned long long)size,
			(unsigned long long)owner, (unsigned long long)s.dir,
			(unsigned long long)s.off, (unsigned long long)s.size,
			(unsigned long long)s.owner);
}

static void expect_no_buffers(const char *what)
{
	char list[1024];

	tu_class_list(list, sizeof(list));
	if (list[0])
		UT_FAIL("%s: expected no buffer, saw \"%s\"", what, list);
}

/* ---------------------------------------------------------------- tests */

KAPI_TEST(K1_create_search_getmap_remove, "")
{
	struct u_dma_buf_ioctl_drv_info drv;
	struct u_dma_buf_ioctl_dev_info info;
	unsigned int minor;
	uint64_t phys;
	struct kmap m;
	int fd;

	UT_STREQ(kapi_ok("create 0 kapi0 -1 65536 0 -"), "kapi0");
	UT_ASSERT(tu_dev_exists("kapi0") && tu_class_exists("kapi0"));
	UT_EQU(ut_sysfs_u64("kapi0", "size"), 65536);
	UT_LOG_HAS("u-dma-buf kapi0: driver installed");
	minor = tu_minor_x("kapi0");

	/* search by name, by minor, by both: the pointer create returned */
	UT_STREQ(kapi_ok("search 1 kapi0 -1"), "kapi0");
	UT_STREQ(kapi_ok("same 0 1"), "1");
	UT_STREQ(kapi_ok("search 2 - %u", minor), "kapi0");
	UT_STREQ(kapi_ok("same 0 2"), "1");
	UT_STREQ(kapi_ok("search 3 kapi0 %u", minor), "kapi0");
	kapi_err(ENODEV, "search 3 kapi0 %u", minor + 1);
	kapi_err(ENODEV, "search 3 nosuch -1");
	kapi_err(EINVAL, "search 3 - -1");
	UT_LOG_HAS("search: give a name or a minor number");
	kapi_err(EINVAL, "search 3 - 256");

	/* getmap: what sysfs and ioctl say; NULL outputs are fine */
	phys = ut_sysfs_u64("kapi0", "phys_addr");
	m = getmap_x(0);
	UT_EQU(m.size, 65536);
	UT_EQ(m.virt, 1);
	UT_EQU(m.phys, phys);
	UT_STREQ(kapi_ok("getmap 0 0"), "size=- virt=- phys=-");
	UT_STREQ(kapi_ok("getmap 0 1"), "size=65536 virt=- phys=-");
	fd = ut_open_dev("kapi0", O_RDWR);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
	UT_EQU(info.addr, m.phys);
	UT_EQU(info.size, m.size);
	/* drv_info announces the in-kernel functions (bit 8) */
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DRV_INFO, &drv);
	UT_EQU(drv.flags & U_DMA_BUF_DRV_INFO_IN_KERNEL_FUNC,
	       U_DMA_BUF_DRV_INFO_IN_KERNEL_FUNC);
	close(fd);

	UT_STREQ(kapi_ok("remove 0"), "");
	UT_ASSERT(!tu_dev_exists("kapi0") && !tu_class_exists("kapi0"));
	UT_LOG_HAS("u-dma-buf kapi0: driver uninstalled");
	/* the pointer of the removed buffer is refused, never followed */
	kapi_err(ENODEV, "getmap 0 7");
	kapi_err(ENODEV, "sync 0 1 0 0 0");
	kapi_err(ENODEV, "remove 0");
	UT_LOG_HAS("is not a u-dma-buf device");
	kapi_err(ENODEV, "search 1 kapi0 -1");
	kapi_err(ENODEV, "search 1 - %u", minor);
}

KAPI_TEST(K1_names_and_minors, "")
{
	/* no name: udmabuf<id> */
	UT_STREQ(kapi_ok("create 0 - 7 4096 0 -"), "udmabuf7");
	UT_EQ(tu_minor_x("udmabuf7"), 7);
	kapi_err(EINVAL, "create 1 - -1 4096 0 -");
	UT_LOG_HAS("create: give a name or a minor number");
	kapi_err(EBUSY, "create 1 other 7 4096 0 -");
	kapi_err(EEXIST, "create 1 udmabuf7 -1 4096 0 -");
	UT_ASSERT(!tu_dev_exists("other"));
	/* any negative id is "the lowest free minor" (-2: PLATFORM_DEVID_AUTO) */
	UT_STREQ(kapi_ok("create 1 kauto -2 4096 0 -"), "kauto");
	UT_EQ(tu_minor_x("kauto"), 0);
	UT_STREQ(kapi_ok("remove 0"), "");
	UT_STREQ(kapi_ok("remove 1"), "");
	expect_no_buffers("after removing both");
}

KAPI_TEST(K1_create_bad_arguments, "")
{
	static const struct {
		const char *args, *log;
	} bad[] = {
		{ "kb -1 0 0 -", "buffer size 0 is not allowed" },
		{ "kb -1 0x7ffff000 0 -", "is larger than the RAM" },
		{ "a/b -1 4096 0 -", "forbidden character" },
		{ "kb 256 4096 0 -", "minor number 256 is out of range" },
		{ "kb -1 4096 0x100 -", "unknown option bits 0x100" },
		{ "kb -1 4096 0x8000 -", "unknown option bits 0x8000" },
		{ "kb -1 4096 5 -", "dma-mask=5 is out of range (12..64)" },
		{ "kb -1 4096 65 -", "dma-mask=65 is out of range (12..64)" },
		{ "kb -1 4096 0x1400 -", "quirk-mmap=5 is out of range" },
		{ "kb -1 4096 32 own", "cannot be given with a parent" },
		{ "kb -1 4096 0 slot1", "is a u-dma-buf device itself" },
	};
	char name[80];

	UT_STREQ(kapi_ok("create 1 kparent -1 4096 0 -"), "kparent");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t mark = tu_log_mark();

		kapi_err(EINVAL, "create 0 %s", bad[i].args);
		if (!strstr(tu_log_after(mark), bad[i].log))
			UT_FAIL("create %s: expected a log line with \"%s\", "
				"saw:\n%s", bad[i].args, bad[i].log,
				tu_log_after(mark));
	}
	memset(name, 'n', 64);
	name[64] = '\0';
	kapi_err(EINVAL, "create 0 %s -1 4096 0 -", name);
	UT_LOG_HAS("create: name longer than 63 characters");
	UT_STREQ(kapi_ok("remove 1"), "");
	expect_no_buffers("after the refused creates");
}

/* option 0 means the module parameters; bits 7:0 and 12:10 otherwise */
KAPI_TEST(K1_create_options, "dma_mask_bit=36 quirk_mmap_mode=1")
{
	struct u_dma_buf_ioctl_dev_info info;
	int fd;

	UT_STREQ(kapi_ok("create 0 kdef -1 4096 0 -"), "kdef");
	UT_EQU(ut_sysfs_u64("kdef", "quirk_mmap_mode"), 1);
	fd = ut_open_dev("kdef", O_RDWR);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
	close(fd);
	UT_EQU(info.flags & U_DMA_BUF_DEV_INFO_DMA_MASK_MASK, 36);

	UT_STREQ(kapi_ok("create 1 kopt -1 4096 0x%x -", 40 | (4 << 10)),
		 "kopt");
	UT_EQU(ut_sysfs_u64("kopt", "quirk_mmap_mode"), 4);
	fd = ut_open_dev("kopt", O_RDWR);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
	close(fd);
	UT_EQU(info.flags & U_DMA_BUF_DEV_INFO_DMA_MASK_MASK, 40);
	UT_EQU((info.flags >> U_DMA_BUF_DEV_INFO_MMAP_MODE_SHIFT) &
	       U_DMA_BUF_DEV_INFO_MMAP_MODE_MASK, 4);
}

/* the kernel address is the buffer that read(), write() and mmap() see */
KAPI_TEST(K1_virt_addr_is_the_buffer, "")
{
	const size_t sz = 16384;
	unsigned char *buf = tu_xmalloc(sz), pat[64], *map;
	char hex[160];
	int fd;

	UT_STREQ(kapi_ok("create 0 kdata -1 %zu 0 -", sz), "kdata");
	UT_STREQ(kapi_ok("fill 0 100 50 0xa5"), "");
	fd = ut_open_dev("kdata", O_RDWR);
	UT_EQ(tu_pread_all(fd, buf, sz, 0), (long long)sz);
	UT_EQ(tu_first_not(buf, 100, 0), -1);
	UT_EQ(tu_first_not(buf + 100, 50, 0xa5), -1);
	UT_EQ(tu_first_not(buf + 150, sz - 150, 0), -1);

	/* user space writes, the kernel address reads */
	map = tu_mmap(fd, sz, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	UT_ASSERT(map != NULL);
	tu_pattern(pat, sizeof(pat), 7);
	memcpy(map + 8192, pat, sizeof(pat));
	for (size_t i = 0; i < sizeof(pat); i++)
		snprintf(hex + 2 * i, 3, "%02x", pat[i]);
	UT_STREQ(kapi_ok("peek 0 8192 64"), hex);
	tu_pattern(pat, 16, 8);
	UT_EQ(tu_pwrite_all(fd, pat, 16, sz - 16), 16);
	for (size_t i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", pat[i]);
	UT_STREQ(kapi_ok("peek 0 %zu 16", sz - 16), hex);
	/* and the kernel's writes show in the mapping */
	UT_STREQ(kapi_ok("fill 0 4096 4096 0x3c"), "");
	UT_EQ(tu_first_not(map + 4096, 4096, 0x3c), -1);
	munmap(map, sz);
	close(fd);
	free(buf);
}

/* sync stores its settings like sysfs, then runs the command */
KAPI_TEST(K1_sync_settings, "")
{
	const char *d = "ksync";
	struct u_dma_buf_ioctl_sync_args s;
	int fd;

	UT_STREQ(kapi_ok("create 0 ksync -1 0x10000 0 -"), "ksync");
	expect_sync(d, "defaults", 0, 0, 0x10000, 0);
	UT_STREQ(kapi_ok("sync 0 0 1 0x1000 0x2000"), "");
	expect_sync(d, "command 0, direction 1, 0x1000 + 0x2000", 1, 0x1000,
		    0x2000, 0);
	fd = ut_open_dev(d, O_RDWR);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_SYNC, &s);
	close(fd);
	UT_EQU((s.flags >> U_DMA_BUF_SYNC_DIR_SHIFT) & U_DMA_BUF_SYNC_DIR_MASK,
	       1);
	UT_EQU(s.offset, 0x1000);
	UT_EQU(s.size, 0x2000);
	UT_STREQ(kapi_ok("sync 0 2 -1 0x3000 0"), "");
	expect_sync(d, "for device, direction -1 and size 0 keep", 1, 0x3000,
		    0x2000, 1);
	UT_STREQ(kapi_ok("sync 0 1 2 0 -1"), "");
	expect_sync(d, "for cpu, direction 2, size -1 keeps", 2, 0, 0x2000,
		    0);
	UT_STREQ(kapi_ok("sync 0 2 7 0 0x10000"), "");
	expect_sync(d, "for device, direction 7 keeps", 2, 0, 0x10000, 1);

	/* refused, and nothing changes */
	kapi_err(EINVAL, "sync 0 3 0 0 0");
	UT_LOG_HAS("ksync: sync: command 3 is not 0, 1 or 2");
	kapi_err(EINVAL, "sync 0 -1 0 0 0");
	kapi_err(EINVAL, "sync 0 0 0 0x10000 0");
	kapi_err(EINVAL, "sync 0 0 0 0 0x10001");
	kapi_err(EINVAL, "sync 0 1 0 0x8000 0x10000");
	UT_LOG_HAS("sync: offset 32768 + size 65536 exceed the buffer size");
	kapi_err(EINVAL, "sync 0 2 0 0x8000 0");
	expect_sync(d, "after refused syncs", 2, 0, 0x10000, 1);
	/* command 0 stores values one by one, as sysfs does */
	UT_STREQ(kapi_ok("sync 0 0 0 0x8000 0x10000"), "");
	expect_sync(d, "command 0 with offset + size beyond", 0, 0x8000,
		    0x10000, 1);
	UT_EQ(ut_sysfs_write(d, "sync_for_cpu", "1"), -EINVAL);

	/* not a buffer */
	UT_STREQ(kapi_ok("set 1 null"), "");
	kapi_err(EINVAL, "sync 1 1 0 0 0");
	kapi_err(EINVAL, "getmap 1 7");
	UT_STREQ(kapi_ok("set 1 own"), "");
	kapi_err(ENODEV, "sync 1 1 0 0 0");
	kapi_err(ENODEV, "getmap 1 7");
}

/* exactly one arch_sync_dma_* call in the 64 KiB at phys, with these values */
static void expect_one_call(const char *what, uint64_t phys, int to_device,
			    uint64_t paddr, uint64_t size, int dir)
{
	struct tu_sync_call c[8];
	int n = tu_kp_collect(c, 8, phys, phys + 0x10000);

	if (n != 1 || c[0].to_device != to_device || c[0].paddr != paddr ||
	    c[0].size != size || c[0].dir != dir)
		UT_FAIL("%s: expected one call, saw:%s", what,
			tu_kp_calls_text(c, n, 8));
}

/* arm: the syncs reach the DMA API with the range and direction given */
KAPI_TEST(K1_sync_reaches_the_dma_api, "")
{
	struct tu_sync_call c[8];
	uint64_t phys;

	tu_need_noncoherent_guest();
	UT_STREQ(kapi_ok("create 0 kprobe -1 0x10000 0 -"), "kprobe");
	UT_EQU(ut_sysfs_u64("kprobe", "dma_coherent"), 0);
	phys = ut_sysfs_u64("kprobe", "phys_addr");
	tu_kp_setup_x();
	UT_STREQ(kapi_ok("sync 0 2 1 0x1000 0x3000"), "");
	expect_one_call("sync for device 0x1000 + 0x3000 direction 1", phys,
			1, phys + 0x1000, 0x3000, 1);
	tu_kp_clear();
	UT_STREQ(kapi_ok("sync 0 1 2 0x2000 0"), "");
	expect_one_call("sync for cpu 0x2000 + 0x3000 direction 2", phys,
			0, phys + 0x2000, 0x3000, 2);
	tu_kp_clear();
	kapi_err(EINVAL, "sync 0 1 0 0x8000 0x10000");
	UT_EQ(tu_kp_collect(c, 8, phys, phys + 0x10000), 0);
	tu_kp_stop();
}

/* remove deletes only what create made; the manager not what create made */
KAPI_TEST(K1_remove_only_own_buffers, "udmabuf3=4096")
{
	tu_mgr_create_x("kmgr", "4096", NULL);
	UT_STREQ(kapi_ok("search 0 kmgr -1"), "kmgr");
	kapi_err(EPERM, "remove 0");
	UT_LOG_HAS("kmgr was created by a module parameter or "
		   "/dev/u-dma-buf-mgr");
	UT_ASSERT(tu_dev_exists("kmgr"));
	UT_STREQ(kapi_ok("search 1 udmabuf3 -1"), "udmabuf3");
	kapi_err(EPERM, "remove 1");
	UT_ASSERT(tu_dev_exists("udmabuf3"));

	UT_STREQ(kapi_ok("create 2 kown -1 4096 0 -"), "kown");
	UT_EQ(ut_mgr("delete kown"), -EPERM);
	UT_LOG_HAS("kown was created by a kernel module");
	UT_ASSERT(tu_dev_exists("kown"));
	UT_STREQ(kapi_ok("remove 2"), "");
	UT_ASSERT(!tu_dev_exists("kown"));

	UT_STREQ(kapi_ok("set 3 null"), "");
	kapi_err(EINVAL, "remove 3");
	UT_STREQ(kapi_ok("set 3 own"), "");
	kapi_err(ENODEV, "remove 3");
	tu_mgr_delete_x("kmgr");
}

/* a parent device: the buffer is its child, mapped for it, detached at remove */
KAPI_TEST(K1_parent_platform_device, "")
{
	unsigned char b[64];
	uint64_t arg = 1;
	struct kmap m;
	int fd;

	UT_STREQ(kapi_ok("create 0 kpar -1 65536 0 own"), "kpar");
	UT_LOG_HAS("u-dma-buf kpar: dma device     = " KAPI_PARENT);
	if (access("/sys/devices/platform/" KAPI_PARENT "/u-dma-buf/kpar",
		   F_OK))
		UT_FAIL("expected the buffer under its parent in sysfs");
	m = getmap_x(0);
	UT_EQU(m.phys, ut_sysfs_u64("kpar", "phys_addr"));
	UT_EQU(m.size, 65536);
	UT_EQ(m.virt, 1);
	UT_STREQ(kapi_ok("fill 0 0 64 0x5a"), "");
	UT_STREQ(kapi_ok("sync 0 2 0 0 0"), "");
	UT_EQU(ut_sysfs_u64("kpar", "sync_owner"), 1);

	fd = ut_open_dev("kpar", O_RDWR);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &arg);
	UT_STREQ(kapi_ok("remove 0"), "");
	UT_ASSERT(!tu_dev_exists("kpar"));
	/* no device may use it now: syncs fail, the memory stays readable */
	UT_EQ(tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &arg),
	      -ENODEV);
	UT_EQ(tu_pread_all(fd, b, sizeof(b), 0), (long long)sizeof(b));
	UT_EQ(tu_first_not(b, sizeof(b), 0x5a), -1);
	close(fd);
}

KAPI_TEST(K1_parent_pci_device, "")
{
	struct kmap m;

	if (!strcmp(kapi_ok("bus pci 3"), "null"))
		UT_SKIP("no PCI bus in this kernel");
	if (access("/sys/bus/pci/devices/" PCI_DEV, F_OK))
		UT_SKIP("no PCI device " PCI_DEV " in this guest");
	UT_STREQ(kapi_ok("create 0 kpci -1 65536 0 pci:" PCI_DEV), "kpci");
	UT_LOG_HAS("u-dma-buf kpci: dma device     = " PCI_DEV);
	if (access("/sys/bus/pci/devices/" PCI_DEV "/u-dma-buf/kpci", F_OK))
		UT_FAIL("expected the buffer under " PCI_DEV " in sysfs");
	m = getmap_x(0);
	UT_EQU(m.phys, ut_sysfs_u64("kpci", "phys_addr"));
	UT_STREQ(kapi_ok("sync 0 2 0 0 0"), "");
	UT_STREQ(kapi_ok("remove 0"), "");
	UT_ASSERT(!tu_dev_exists("kpci"));
}

KAPI_TEST(K1_find_available_bus_type, "")
{
	UT_STREQ(kapi_ok("bus platform 8"), "platform");
	UT_STREQ(kapi_ok("bus platformX 8"), "platform");
	UT_STREQ(kapi_ok("bus platform 7"), "null");
	UT_STREQ(kapi_ok("bus nosuch 6"), "null");
	UT_STREQ(kapi_ok("bus - 3"), "null");
	UT_LOG_HAS("find_available_bus_type: no name");
	UT_STREQ(kapi_ok("bus platform 0"), "null");
	if (access("/sys/bus/pci", F_OK) == 0)
		UT_STREQ(kapi_ok("bus pci/0000:00:00.0 3"), "pci");
	if (access("/sys/bus/amba", F_OK) == 0)
		UT_STREQ(kapi_ok("bus amba 4"), "amba");
}

/* the user module pins u-dma-buf; unloading it removes what it made */
KAPI_TEST(K1_module_dependency, "")
{
	UT_STREQ(kapi_ok("create 0 kleft -1 4096 0 -"), "kleft");
	UT_EQ(ut_unload(), -EAGAIN);
	UT_ASSERT(ut_module_loaded());
	UT_ASSERT(tu_dev_exists("kleft"));
	UT_EQ(kapi_unload(), 0);
	UT_ASSERT(!tu_dev_exists("kleft"));
	UT_LOG_HAS("u-dma-buf kleft: driver uninstalled");
}

/* device-tree buffers belong to their platform device */
KAPI_TEST_BOOT(K1_remove_refuses_device_tree, "", "dt")
{
	UT_STREQ(kapi_ok("search 0 udmabuf-dt0 -1"), "udmabuf-dt0");
	kapi_err(EPERM, "remove 0");
	UT_LOG_HAS("udmabuf-dt0 belongs to a device-tree node");
	UT_ASSERT(tu_dev_exists("udmabuf-dt0"));
	UT_EQU(getmap_x(0).phys, ut_sysfs_u64("udmabuf-dt0", "phys_addr"));
}

