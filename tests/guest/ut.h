/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ut: the in-guest test framework of u-dma-buf.
 *
 * Every test is a function registered with UT_TEST(id, params).  The id starts
 * with the FEATURES.md number it proves ("C1_mmap_window").  The runner
 * (ut.c) loads the module with the test's parameters, runs the test in a
 * child process (so a crash, SIGBUS or failed assertion ends only that test
 * and the kernel reclaims its files and mappings), unloads the module (a
 * refused unload is a failure: something leaked a reference), and fails the
 * test if the kernel log of that test holds WARNING, BUG, Oops, a call
 * trace or the driver's "is still referenced ... leaking".  A test the
 * runner cannot start (no pipe, no fork, no kernel log to watch) fails, a
 * failure message fails the test whatever its exit status, and a skip
 * needs a reason.  Output, one line per test:
 *     PASS <id>
 *     FAIL <id>: <file>:<line>: <what was expected and what was seen>
 *     SKIP <id>: <reason>
 * and last "N passed, M failed, K skipped".
 */
#ifndef UT_H
#define UT_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include <inttypes.h>
#include <string.h>
#include <errno.h>

struct ut_test {
	const char *id;		/* FEATURES id + name, e.g. "C1_mmap_window" */
	const char *params;	/* insmod parameters, or UT_NOLOAD */
	const char *boot;	/* boot configuration needed ("default" if NULL) */
	void (*fn)(void);
};

/* params value: the runner does not load the module; the test does. */
#define UT_NOLOAD ((const char *)1)

#define UT_TEST_BOOT(name, prms, bootcfg)				\
	static void ut_fn_##name(void);					\
	static const struct ut_test ut_desc_##name = {			\
		.id = #name, .params = (prms), .boot = (bootcfg),	\
		.fn = ut_fn_##name,					\
	};								\
	static const struct ut_test *const ut_ptr_##name		\
	__attribute__((used, section("ut_tests"))) = &ut_desc_##name;	\
	static void ut_fn_##name(void)

#define UT_TEST(name, prms) UT_TEST_BOOT(name, prms, NULL)

/* ---- assertions: each failing one prints expected/seen and ends the test */
void ut_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
/*
 * Skip only for what the target cannot have (its architecture or emulated
 * machine), and say which: a missing facility of the test environment
 * (kprobes, tracefs, the helper module) is a failure.
 */
void ut_skip(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

#define UT_FAIL(...) ut_fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define UT_SKIP(...) ut_skip(__VA_ARGS__)

#define UT_ASSERT(cond) do {						\
	if (!(cond))							\
		UT_FAIL("expected %s", #cond);				\
} while (0)

/* integers, compared as signed 64-bit (errno values, return codes) */
#define UT_EQ(seen, expected) do {					\
	long long ut_s_ = (long long)(seen);				\
	long long ut_e_ = (long long)(expected);			\
	if (ut_s_ != ut_e_)						\
		UT_FAIL("%s: expected %lld (0x%llx), saw %lld (0x%llx)",\
			#seen, ut_e_, (unsigned long long)ut_e_, ut_s_,	\
			(unsigned long long)ut_s_);			\
} while (0)

/* integers, compared as unsigned 64-bit (sizes, addresses) */
#define UT_EQU(seen, expected) do {					\
	unsigned long long ut_s_ = (unsigned long long)(seen);		\
	unsigned long long ut_e_ = (unsigned long long)(expected);	\
	if (ut_s_ != ut_e_)						\
		UT_FAIL("%s: expected %llu (0x%llx), saw %llu (0x%llx)",\
			#seen, ut_e_, ut_e_, ut_s_, ut_s_);		\
} while (0)

#define UT_STREQ(seen, expected) do {					\
	const char *ut_s_ = (seen), *ut_e_ = (expected);		\
	if (!ut_s_ || strcmp(ut_s_, ut_e_) != 0)			\
		UT_FAIL("%s: expected \"%s\", saw \"%s\"", #seen,	\
			ut_e_, ut_s_ ? ut_s_ : "(null)");		\
} while (0)

/* a call that must succeed (>= 0); prints errno otherwise */
#define UT_OK(call) ({							\
	long long ut_r_ = (long long)(call);				\
	if (ut_r_ < 0)							\
		UT_FAIL("%s: expected success, saw %lld (errno %d: %s)",\
			#call, ut_r_, errno, strerror(errno));		\
	ut_r_;								\
})

/* a libc call that must fail with errno == err (returns -1, sets errno) */
#define UT_ERRNO(call, err) do {					\
	errno = 0;							\
	long long ut_r_ = (long long)(call);				\
	if (ut_r_ != -1 || errno != (err))				\
		UT_FAIL("%s: expected -1 with errno %d (%s), saw %lld "	\
			"with errno %d (%s)", #call, (err),		\
			strerror(err), ut_r_, errno, strerror(errno));	\
} while (0)

/* the kernel log written since this test started contains the text */
#define UT_LOG_HAS(text) do {						\
	if (!ut_log_contains(text))					\
		UT_FAIL("kernel log: expected a line containing \"%s\"; "\
			"log since test start:\n%s", (text), ut_log());	\
} while (0)

/* (absence shown only by a whole log: a cut or overrun one fails) */
#define UT_LOG_LACKS(text) do {						\
	if (!ut_log_complete())						\
		UT_FAIL("kernel log: cannot show that it lacks \"%s\": "	\
			"the test's copy of it is incomplete (overrun or "\
			"longer than the copy)", (text));		\
	if (ut_log_contains(text))					\
		UT_FAIL("kernel log: expected no line containing "	\
			"\"%s\"; log since test start:\n%s", (text),	\
			ut_log());					\
} while (0)

/* ---- helpers (ut.c) ---- */
/* module: path of the .ko in the guest is /lib/modules/u-dma-buf.ko */
int ut_load(const char *params);	/* 0 or -errno */
int ut_unload(void);			/* 0 or -errno */
int ut_module_loaded(void);

/* kernel log since the test started ("" if nothing) */
const char *ut_log(void);
/* 1 when ut_log() holds every record since the test started */
int ut_log_complete(void);
/*
 * this test may make one of the two reports that are no fault of the
 * driver's (ut.c; docs/testing.md "The allowed reports"): DMA-API
 * debugging's overlapping-mapping report for the virtio disk's mapping of
 * a buffer, or 6.1's duplicate sysfs link after a failed allocation in
 * module_add_driver()
 */
void ut_allow_disk_dma_overlap(void);
void ut_allow_module_add_driver_dup(void);
/* DMA-API debugging's error_count, or -1 without it (not a debug kernel) */
long ut_dma_api_errors(void);
int ut_log_contains(const char *text);

/* sysfs /sys/class/u-dma-buf/<dev>/<attr>; read returns length or -errno */
int ut_sysfs_read(const char *dev, const char *attr, char *buf, size_t len);
int ut_sysfs_write(const char *dev, const char *attr, const char *val);
uint64_t ut_sysfs_u64(const char *dev, const char *attr); /* fails test */
int ut_sysfs_exists(const char *dev, const char *attr);

/* one command written to /dev/u-dma-buf-mgr: 0 or -errno */
int ut_mgr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* any file: whole content into buf (NUL-terminated); length or -errno */
int ut_read_file(const char *path, char *buf, size_t len);
int ut_write_file(const char *path, const char *val); /* 0 or -errno */

/* open /dev/<dev>; fails the test if it cannot */
int ut_open_dev(const char *dev, int flags);

/* run a shell command line (busybox sh -c), return its exit status */
int ut_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* machine name as uname -m reports it in this process ("x86_64", ...) */
const char *ut_arch(void);
/* 1 when this binary is 32-bit running on a 64-bit kernel */
int ut_compat(void);

/*
 * A word of the kernel command line (scripts/run-target.sh puts the
 * harness's ut.* words there): for "key=value" the value, for the bare
 * word "key" "", NULL when absent.  The value stays valid.
 */
const char *ut_cmdline(const char *key);

#endif /* UT_H */
