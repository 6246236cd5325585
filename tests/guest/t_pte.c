// SPDX-License-Identifier: GPL-2.0
/*
 * F2 / C3: the page protection the kernel really installed in the user page
 * table for every sync_mode x O_SYNC, read back through the test-only helper
 * module (tests/kmod), not taken from the driver's own report.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "ut.h"
#include "tu_helpers.h"

/*
 * What design.md promises per architecture (C3, F2): the seeds' noncached
 * is strongly ordered (Device-nGnRnE on arm64, strongly ordered on arm),
 * write-combine and a non-coherent device's dma-coherent are Normal
 * non-cacheable (bufferable on arm); x86 gives uncached (UC-) and
 * write-combining (WC) through PAT, and write-back for dma-coherent (DMA
 * is coherent there), design.md "x86 memory types".
 */
static const char *expected_kind(const char *cache, int coherent)
{
	int cached = !strcmp(cache, "cached") ||
		     (!strcmp(cache, "dma-coherent") && coherent);
	int noncached = !strcmp(cache, "uncached");

	if (tu_is_arch("x86_64"))
		return noncached ? "uc-" :
		       !strcmp(cache, "write-combine") ? "wc" : "wb";
	if (tu_is_arch("i686"))
		return "wb";
	if (tu_is_arch("aarch64"))
		return cached ? "normal" :
		       noncached ? "device-nGnRnE" : "normal-nc";
	/*
	 * riscv64 (QEMU's CPU with Svpbmt): "io" for pgprot_noncached, "nc"
	 * for pgprot_writecombine and pgprot_dmacoherent
	 */
	if (tu_is_arch("riscv64"))
		return cached ? "pma" : noncached ? "io" : "nc";
	/* 32-bit arm (ARMv7 SMP): write-back write-allocate, or bufferable */
	return cached ? "writealloc" : noncached ? "uncached" : "bufferable";
}

static const char *mode_cache(int mode, int o_sync, int always)
{
	static const char *const kind[4] = {
		"cached", "uncached", "write-combine", "dma-coherent"
	};

	if (mode >= 4 || o_sync || always)
		return kind[mode & 3];
	return "cached";
}

static void check_all_modes(const char *dev)
{
	int coherent = ut_sysfs_u64(dev, "dma_coherent");
	int always = 0;
	char m[8], kind[32];

	tu_helper_load_x();
	for (int mode = 0; mode < 8; mode++) {
		snprintf(m, sizeof(m), "%d", mode);
		UT_OK(ut_sysfs_write(dev, "sync_mode", m));
		for (int o_sync = 0; o_sync < 2; o_sync++) {
			int fd = ut_open_dev(dev, O_RDWR | (o_sync ? O_SYNC : 0));
			unsigned char *p = tu_mmap(fd, 4096, 0,
						   PROT_READ | PROT_WRITE,
						   MAP_SHARED);
			const char *cache = mode_cache(mode, o_sync, always);
			const char *want = expected_kind(cache, coherent);

			UT_ASSERT(p != NULL);
			p[0] = 1;
			tu_pte_kind_x(p, kind, sizeof(kind));
			if (strcmp(kind, want))
				UT_FAIL("%s sync_mode %d %s (%s, coherent %d): expected a \"%s\" pte, saw \"%s\"",
					dev, mode, o_sync ? "O_SYNC" : "no O_SYNC",
					cache, coherent, want, kind);
			/* x86: the kernel's own mapping has the same type */
			if (tu_is_arch("x86_64")) {
				tu_kpte_kind_x(ut_sysfs_u64(dev, "cpu_phys_addr"),
					       kind, sizeof(kind));
				if (strcmp(kind, want))
					UT_FAIL("%s sync_mode %d %s: expected the linear map \"%s\", saw \"%s\"",
						dev, mode, o_sync ? "O_SYNC" : "no O_SYNC",
						want, kind);
			}
			munmap(p, 4096);
			close(fd);
		}
	}
}

UT_TEST(F2_pte_per_sync_mode_param_buffer, "udmabuf0=0x10000")
{
	check_all_modes("udmabuf0");
}

UT_TEST(F2_pte_per_sync_mode_coherent_option, "")
{
	if (tu_is_arch("x86_64"))
		UT_SKIP("x86: every device is coherent (covered by the other F2 test)");
	tu_mgr_create_x("ptecoh", "0x10000", "dma-coherent=1");
	check_all_modes("ptecoh");
}

UT_TEST_BOOT(F2_dt_pte_noncoherent_node, "", "dt")
{
	check_all_modes("udmabuf-noncoherent");
}

UT_TEST_BOOT(F2_dt_pte_coherent_node, "", "dt")
{
	check_all_modes("udmabuf-coherent");
}

/* sync-always: mode 2 without O_SYNC is already write-combine */
UT_TEST_BOOT(C3_dt_sync_always_pte, "", "dt")
{
	int fd = ut_open_dev("udmabuf-sync", O_RDWR);
	unsigned char *p = tu_mmap(fd, 4096, 0, PROT_READ | PROT_WRITE,
				   MAP_SHARED);
	char kind[32];

	tu_helper_load_x();
	UT_ASSERT(p != NULL);
	p[0] = 1;
	tu_pte_kind_x(p, kind, sizeof(kind));
	UT_STREQ(kind, expected_kind("write-combine", 0));
	munmap(p, 4096);
	close(fd);
}
