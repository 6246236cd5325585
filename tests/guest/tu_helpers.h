/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tu_helpers: helpers shared by the driver-core tests (t_*.c) on top of the
 * ut framework.  Every function whose name ends in _x fails the test (via
 * UT_FAIL) instead of returning an error.
 */
#ifndef TU_HELPERS_H
#define TU_HELPERS_H

#include <stdint.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include "ut.h"

#define TU_CLASS_DIR	"/sys/class/u-dma-buf"
#define TU_MGR_PATH	"/dev/u-dma-buf-mgr"

#define TU_KIB		1024ULL
#define TU_MIB		(1024ULL * 1024ULL)
#define TU_GIB		(1024ULL * 1024ULL * 1024ULL)

size_t tu_page_size(void);
/* the largest block the buddy allocator gives (/proc/buddyinfo) */
size_t tu_buddy_max_bytes(void);
int tu_is_arch(const char *machine);	/* ut_arch() equals machine */
/*
 * skips unless the guest's own devices are DMA-non-coherent, so that the
 * kernel calls arch_sync_dma_* for them (QEMU's arm virt machines)
 */
void tu_need_noncoherent_guest(void);
int tu_is_64bit_user(void);		/* sizeof(void *) == 8 */

/* ---- sysfs ---- */
/* attribute text without the trailing newline; fails the test on error */
void tu_sysfs_str_x(const char *dev, const char *attr, char *buf, size_t len);
int tu_dev_exists(const char *name);		/* /dev/<name> exists */
int tu_class_exists(const char *name);		/* sysfs dir exists */
/* names under /sys/class/u-dma-buf, sorted, space separated */
void tu_class_list(char *buf, size_t len);

/* ---- device nodes ---- */
/* st_rdev of /dev/<name>; fails unless it is a character device */
dev_t tu_rdev_x(const char *name);
unsigned int tu_minor_x(const char *name);
unsigned int tu_major_x(const char *name);

/* ---- data ---- */
void tu_pattern(void *buf, size_t len, uint64_t seed);
/* first offset where a and b differ, or -1 */
long long tu_first_diff(const void *a, const void *b, size_t len);
/* first offset that is not byte c, or -1 */
long long tu_first_not(const void *p, size_t len, unsigned char c);
void *tu_xmalloc(size_t len);

/* pread/pwrite that loop over short counts; return bytes done or -errno */
long long tu_pread_all(int fd, void *buf, size_t len, uint64_t off);
long long tu_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

/* mmap returning NULL on failure (errno set) */
void *tu_mmap(int fd, size_t len, uint64_t off, int prot, int flags);
/* an address range of len bytes that is certainly not mapped */
void *tu_unmapped_addr(size_t len);
/* NULL, hidden from the compiler's nonnull checks */
void *tu_nullptr(void);

/* ---- ioctl ---- */
/* 0 or -errno */
int tu_ioctl(int fd, unsigned long req, void *arg);
/* ioctl that must succeed; message names the request */
#define TU_IOCTL_X(fd, req, arg) do {					\
	int tu_r_ = tu_ioctl((fd), (req), (arg));			\
	if (tu_r_)							\
		UT_FAIL("ioctl(%s): expected success, saw %s", #req,	\
			strerror(-tu_r_));				\
} while (0)

/* ---- kernel log ---- */
/* current length of ut_log(): a mark for tu_log_after() */
size_t tu_log_mark(void);
/* the part of ut_log() written after mark */
const char *tu_log_after(size_t mark);
/* the number after "u-dma-buf <dev>: <key> = " in log; fails if absent */
uint64_t tu_log_value(const char *log, const char *dev, const char *key,
		      int base);

/* ---- manager ---- */
/* write exactly len bytes as one write(2) to the manager: 0 or -errno */
int tu_mgr_raw(const void *cmd, size_t len);
/* manager create that must succeed */
void tu_mgr_create_x(const char *name, const char *size, const char *opts);
void tu_mgr_delete_x(const char *name);

/* ---- signals ---- */
/* report a SIGBUS/SIGSEGV as a test failure naming what was being done */
void tu_catch_faults(void);
void tu_doing(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- kprobe tracing of arch_sync_dma_for_cpu/_for_device ---- */
struct tu_sync_call {
	int to_device;		/* 0: arch_sync_dma_for_cpu, 1: _for_device */
	uint64_t paddr;
	uint64_t size;
	int dir;
};

/*
 * Define and enable the kprobe events udmabuf/cpu and udmabuf/dev.  Fails
 * the test when the kernel has no kprobe events or the probes cannot be
 * placed (never a skip: they are the only proof of cache maintenance).
 */
void tu_kp_setup_x(void);
void tu_kp_clear(void);		/* empty the trace buffer */
/*
 * Parse the trace: store up to max calls whose paddr lies in [lo, hi) and
 * return how many such calls there were.
 */
int tu_kp_collect(struct tu_sync_call *calls, int max, uint64_t lo,
		  uint64_t hi);
void tu_kp_stop(void);		/* disable the events */
/* n calls (at most max of them stored in c) as text for a failure message */
const char *tu_kp_calls_text(const struct tu_sync_call *c, int n, int max);

/* ---- the page-table helper module (tests/kmod) ---- */
/* load it if needed; fails the test when it is missing from the guest */
void tu_helper_load_x(void);
/*
 * The pte that maps addr in this process, as the kernel installed it: kind
 * (the memory type, see tests/kmod/udmabuf_test_helper.c) into kind, the
 * page frame number into *pfn (either may be NULL).  Returns 1, or 0 when
 * no pte is present (kind "none").  Touch the page first: mappings may be
 * populated lazily.
 */
int tu_pte_x(const void *addr, char *kind, size_t len, uint64_t *pfn);
/* the memory kind of the pte of addr; fails the test when none is there */
void tu_pte_kind_x(const void *addr, char *kind, size_t len);
/*
 * x86: the memory type of the kernel's linear mapping of physical address
 * phys ("wb", "wc", "uc-", "uc", or "none"), after tu_helper_load_x().
 */
void tu_kpte_kind_x(uint64_t phys, char *kind, size_t len);

/* ---- free memory (/proc/meminfo), see tu_helpers.c ---- */
uint64_t tu_mem_total_bytes(void);	/* MemTotal; fails the test if unread */
/* the PCI device <bdf> is QEMU's edu (1234:11e8) */
int tu_pci_is_edu(const char *bdf);
/*
 * Rescan the PCI bus (fails the test if it cannot): a device an earlier
 * test removed and, failing, did not bring back is there again, so that
 * one failure does not fail every later test of the device.
 */
void tu_pci_rescan_x(void);

struct tu_meminfo {
	long long memfree, cmafree, slab;	/* KiB; cmafree -1: no CMA */
	long long pcp, shmem;			/* KiB */
	long long anon, ptables;	/* AnonPages, PageTables: KiB */
	long long dm4k, dm2m;	/* x86 DirectMap4k/2M, KiB; -1 elsewhere */
};

/*
 * Drop the page cache and reclaimable slab, let RCU frees happen, read.
 * On a debug kernel (ut.debug) every slab cache is shrunk first, as below.
 */
struct tu_meminfo tu_mem_settled_x(void);
/*
 * The same after every slab cache was shrunk (/sys/kernel/slab/<c>/shrink:
 * empty slabs go, and a KASAN kernel's quarantine of freed objects,
 * hundreds of KiB after a test and up to 1/32 of memory in all, is
 * flushed), on every kernel.
 */
struct tu_meminfo tu_mem_settled_shrunk_x(void);
/*
 * Memory not taken by the kernel, KiB: MemFree + the per-CPU lists + what
 * went where it can be seen (Shmem, AnonPages, PageTables: the guest's
 * tmpfs log copy, the processes' heaps, the runner's copy of the log)
 */
long long tu_mem_free_kib(const struct tu_meminfo *m);
/*
 * Fail unless tu_mem_free_kib(), CmaFree and
 * Slab of b are back to a's within the tolerances; the figures go to the
 * kernel log either way.  On x86, MemFree may also lack the page tables of
 * linear-map splits made meanwhile (DirectMap4k/2M grew): set_memory_uc/wc
 * for UC-/WC mappings split large pages of the linear map, and the kernel
 * keeps the split (one 4 KiB table per 2 MiB or 1 GiB page split).
 */
void tu_mem_expect_back_x(const char *what, const struct tu_meminfo *a,
			  const struct tu_meminfo *b);

/* ---- the dma-buf uapi (linux/dma-buf.h), written out for old headers ---- */
struct t_dma_buf_sync {
	uint64_t flags;
};

#define T_DMA_BUF_SYNC_READ	1
#define T_DMA_BUF_SYNC_WRITE	2
#define T_DMA_BUF_SYNC_RW	3
#define T_DMA_BUF_SYNC_START	0
#define T_DMA_BUF_SYNC_END	4
#define T_DMA_BUF_IOCTL_SYNC	_IOW('b', 0, struct t_dma_buf_sync)

#endif /* TU_HELPERS_H */
