/* SPDX-License-Identifier: GPL-2.0 */
/*
 * u-dma-buf: every kernel-version difference of the driver, and nothing else.
 * Floor: 5.10.  docs/kernel-compat notes in the specification list why.
 */
#ifndef UDMABUF_COMPAT_H
#define UDMABUF_COMPAT_H

#include <linux/version.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/gfp.h>
#include <linux/device.h>
#include <linux/u-dma-buf.h>

#include "udmabuf.h"

/* 6.3: vma->vm_flags became read-only behind vm_flags_set()/clear() */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void udmabuf_vm_flags_set(struct vm_area_struct *vma,
					unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void udmabuf_vm_flags_clear(struct vm_area_struct *vma,
					  unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#else
#define udmabuf_vm_flags_set(vma, flags)	vm_flags_set(vma, flags)
#define udmabuf_vm_flags_clear(vma, flags)	vm_flags_clear(vma, flags)
#endif

/* 5.11: kmap_local_page(); before it kmap() (copy_*_user may sleep) */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
#define udmabuf_kmap(page)		kmap(page)
#define udmabuf_kunmap(page, addr)	kunmap(page)
#else
#define udmabuf_kmap(page)		kmap_local_page(page)
#define udmabuf_kunmap(page, addr)	kunmap_local(addr)
#endif

/*
 * The largest order the buddy allocator serves: MAX_ORDER was exclusive
 * before 6.4, inclusive from 6.4, and renamed MAX_PAGE_ORDER in 6.8.
 */
#if defined(MAX_PAGE_ORDER)
#define UDMABUF_MAX_BUDDY_ORDER	MAX_PAGE_ORDER
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define UDMABUF_MAX_BUDDY_ORDER	MAX_ORDER
#else
#define UDMABUF_MAX_BUDDY_ORDER	(MAX_ORDER - 1)
#endif

/*
 * A page protection whose ptes are writable and dirty from the start, for
 * the pages a shared writable mapping gets at mmap() time: CPUs without a
 * hardware dirty bit (ARMv8.0, 32-bit ARM) then take no fault on the first
 * write.  The pages are never written back anywhere, so nothing needs to
 * learn of that first write.  Only the arm page-table formats need it (x86
 * and ARMv8.1+ set the bit in hardware); the bits are the architectures'
 * own, unchanged from 5.10 to 7.3.  Read-only protections are returned
 * unchanged.
 */
static inline pgprot_t udmabuf_pgprot_dirty(pgprot_t prot)
{
#if defined(CONFIG_ARM64)
	if (pgprot_val(prot) & PTE_WRITE)
		return __pgprot((pgprot_val(prot) & ~PTE_RDONLY) | PTE_DIRTY);
#elif defined(CONFIG_ARM) && !defined(CONFIG_ARM_LPAE)
	if (!(pgprot_val(prot) & L_PTE_RDONLY))
		return __pgprot(pgprot_val(prot) | L_PTE_DIRTY);
#endif
	return prot;
}

/*
 * alloc_contig_range(): the migratetype argument became acr_flags_t in 6.16
 * (ACR_FLAGS_NONE for an ordinary request).
 */
#ifdef ACR_FLAGS_NONE
#define udmabuf_alloc_contig_range(start, end, gfp) \
	alloc_contig_range(start, end, ACR_FLAGS_NONE, gfp)
#else
#define udmabuf_alloc_contig_range(start, end, gfp) \
	alloc_contig_range(start, end, MIGRATE_MOVABLE, gfp)
#endif

/* 6.11: platform_driver.remove returns void */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define UDMABUF_PLATFORM_REMOVE_VOID	1
#endif

/*
 * struct device has a dma_coherent field only where the architecture does
 * cache maintenance for DMA; elsewhere every device is coherent.
 */
#if defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU_ALL)
#define UDMABUF_HAS_DEV_DMA_COHERENT	1
/* 7.x: the bit fields of struct device became flags with accessors */
#ifdef __create_dev_flag_accessors
#define udmabuf_set_dma_coherent(dev, val) dev_assign_dma_coherent(dev, val)
#else
#define udmabuf_set_dma_coherent(dev, val) ((dev)->dma_coherent = (val))
#endif
#endif

/*
 * dma-buf export (udmabuf_dmabuf.c).  Without CONFIG_DMA_SHARED_BUFFER (a
 * bool) the exporter is compiled out and EXPORT answers EOPNOTSUPP.
 */
#ifdef CONFIG_DMA_SHARED_BUFFER
int udmabuf_dmabuf_export(struct udmabuf_device *udev, fmode_t f_mode,
			  struct u_dma_buf_ioctl_export_args *args,
			  void __user *uarg, size_t usize);
#else
static inline int udmabuf_dmabuf_export(struct udmabuf_device *udev,
					fmode_t f_mode,
					struct u_dma_buf_ioctl_export_args *args,
					void __user *uarg, size_t usize)
{
	dev_err_ratelimited(&udev->dev,
			    "EXPORT: this kernel has no dma-buf support (CONFIG_DMA_SHARED_BUFFER)\n");
	return -EOPNOTSUPP;
}
#endif

/*
 * dma_buf_ops.vmap: 5.10 returns the address; 5.11 to 5.17 fill a struct
 * dma_buf_map, 5.18 and later a struct iosys_map (both have .vaddr).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
#define UDMABUF_DMABUF_VMAP_RETURNS_ADDR	1
#elif LINUX_VERSION_CODE < KERNEL_VERSION(5, 18, 0)
#define udmabuf_vmap_map			dma_buf_map
#define udmabuf_vmap_map_set(map, vaddr)	dma_buf_map_set_vaddr(map, vaddr)
#else
#define udmabuf_vmap_map			iosys_map
#define udmabuf_vmap_map_set(map, vaddr)	iosys_map_set_vaddr(map, vaddr)
#endif

/*
 * The dma-buf symbols live in the DMA_BUF namespace from 5.16; from 6.13
 * MODULE_IMPORT_NS() takes the name as a string.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define UDMABUF_IMPORT_NS_DMA_BUF()	MODULE_IMPORT_NS("DMA_BUF")
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(5, 16, 0)
#define UDMABUF_IMPORT_NS_DMA_BUF()	MODULE_IMPORT_NS(DMA_BUF)
#else
#define UDMABUF_IMPORT_NS_DMA_BUF()	static_assert(1)
#endif

/* 6.4: the driver core takes const struct bus_type (6.6..6.12: the buses) */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define UDMABUF_BUS_CONST	const
#else
#define UDMABUF_BUS_CONST
#endif

/* 6.2: device_type.devnode() takes a const struct device */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define UDMABUF_DEV_CONST	const
#else
#define UDMABUF_DEV_CONST
#endif

#endif /* UDMABUF_COMPAT_H */
