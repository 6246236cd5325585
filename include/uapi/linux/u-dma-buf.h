/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * u-dma-buf: user space mappable DMA buffers - ioctl interface.
 *
 * Binary compatible with the ioctl interface version 2 of the established
 * u-dma-buf driver (v4.7 and later).  Issue the requests on /dev/<name>.
 * Only fixed-width types are used; the layout is identical for 32-bit and
 * 64-bit user space except struct u_dma_buf_ioctl_export_args (see there).
 */
#ifndef _UAPI_LINUX_U_DMA_BUF_H
#define _UAPI_LINUX_U_DMA_BUF_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define U_DMA_BUF_IOCTL_VERSION		2

/* struct u_dma_buf_ioctl_drv_info: driver information (request 1). */
struct u_dma_buf_ioctl_drv_info {
	__u64 flags;
	char version[16];
};

#define U_DMA_BUF_DRV_INFO_IOCTL_VERSION_SHIFT	0
#define U_DMA_BUF_DRV_INFO_IOCTL_VERSION_MASK	0xffULL
#define U_DMA_BUF_DRV_INFO_IN_KERNEL_FUNC	(1ULL << 8)
#define U_DMA_BUF_DRV_INFO_USE_OF_DMA_CONFIG	(1ULL << 12)
#define U_DMA_BUF_DRV_INFO_USE_OF_RESERVED_MEM	(1ULL << 13)
#define U_DMA_BUF_DRV_INFO_USE_QUIRK_MMAP	(1ULL << 16)
#define U_DMA_BUF_DRV_INFO_USE_QUIRK_MMAP_PAGE	(1ULL << 17)

/* struct u_dma_buf_ioctl_dev_info: buffer information (request 7). */
struct u_dma_buf_ioctl_dev_info {
	__u64 flags;
	__u64 size;
	__u64 addr;
};

#define U_DMA_BUF_DEV_INFO_DMA_MASK_SHIFT	0
#define U_DMA_BUF_DEV_INFO_DMA_MASK_MASK	0xffULL
#define U_DMA_BUF_DEV_INFO_DMA_COHERENT		(1ULL << 9)
#define U_DMA_BUF_DEV_INFO_MMAP_MODE_SHIFT	10
#define U_DMA_BUF_DEV_INFO_MMAP_MODE_MASK	0x7ULL

/* mmap modes (quirk_mmap_mode parameter, sysfs, dev_info bits 10-12) */
#define U_DMA_BUF_MMAP_MODE_UNDEFINED	0
#define U_DMA_BUF_MMAP_MODE_OFF		1
#define U_DMA_BUF_MMAP_MODE_ON		2
#define U_DMA_BUF_MMAP_MODE_AUTO	3
#define U_DMA_BUF_MMAP_MODE_PAGE	4

/* struct u_dma_buf_ioctl_sync_args: sync settings (requests 8 and 9). */
struct u_dma_buf_ioctl_sync_args {
	__u64 flags;
	__u64 size;
	__u64 offset;
};

#define U_DMA_BUF_SYNC_CMD_SHIFT	0
#define U_DMA_BUF_SYNC_CMD_MASK		0x3ULL
#define U_DMA_BUF_SYNC_CMD_NONE		0
#define U_DMA_BUF_SYNC_CMD_FOR_CPU	1
#define U_DMA_BUF_SYNC_CMD_FOR_DEVICE	3
#define U_DMA_BUF_SYNC_DIR_SHIFT	2
#define U_DMA_BUF_SYNC_DIR_MASK		0x3ULL
#define U_DMA_BUF_SYNC_MODE_SHIFT	8
#define U_DMA_BUF_SYNC_MODE_MASK	0xffULL
#define U_DMA_BUF_SYNC_OWNER		(1ULL << 16)

/* DMA directions used by sync_direction and the sync arguments */
#define U_DMA_BUF_DIR_BIDIRECTIONAL	0
#define U_DMA_BUF_DIR_TO_DEVICE		1
#define U_DMA_BUF_DIR_FROM_DEVICE	2

/*
 * struct u_dma_buf_ioctl_export_args: export a range as a dma-buf
 * (request 10).  The trailing int makes this 40 bytes on LP64 and 36 bytes
 * on i386, so the request code differs between 64-bit and 32-bit programs;
 * a 64-bit kernel accepts both.
 */
struct u_dma_buf_ioctl_export_args {
	__u64 flags;
	__u64 size;
	__u64 offset;
	__u64 addr;
	__s32 fd;
};

#define U_DMA_BUF_EXPORT_FD_FLAGS_MASK	0xffffffffULL

/*
 * The packed 64-bit sync argument of requests 5 and 6 and of the sysfs files
 * sync_for_cpu and sync_for_device:
 *   0          nothing is done
 *   1          a sync of the stored sync_offset/sync_size/sync_direction
 *   any other value names the range for this call only:
 *   bits 2-3   direction (U_DMA_BUF_DIR_*; 3 is refused)
 *   bits 4-31  size (the value & 0xfffffff0); 0 is an empty range: no cache
 *              maintenance, the owner changes
 *   bits 32-63 offset
 *   bits 0-1   no meaning (U_DMA_BUF_SYNC_ARG sets both, so that the value
 *              is never 0 nor 1; the established driver reads it the same)
 * A range that passes the end of the buffer by fewer than 16 bytes ends at
 * the end of the buffer; by 16 bytes or more, it is refused.
 *
 * U_DMA_BUF_SYNC_ARG rounds the size UP to a multiple of 16, so the range
 * covers at least what was named (an 8-byte status word gives 16 bytes).
 * Not representable: sizes above 0xfffffff0 and offsets of 2^32 or more
 * (they wrap); use SET_SYNC (request 9) for those.  U_DMA_BUF_SYNC_ARG(0,
 * 0, 0) is an empty range at offset 0.
 */
#define U_DMA_BUF_SYNC_ARG(offset, size, dir) \
	((((__u64)(offset)) << 32) | \
	 ((((__u64)(size)) + 15) & 0xfffffff0ULL) | \
	 ((((__u64)(dir)) & 0x3ULL) << 2) | 3ULL)

#define U_DMA_BUF_IOCTL_MAGIC		'U'
#define U_DMA_BUF_IOCTL_GET_DRV_INFO \
	_IOR(U_DMA_BUF_IOCTL_MAGIC, 1, struct u_dma_buf_ioctl_drv_info)
#define U_DMA_BUF_IOCTL_GET_SIZE \
	_IOR(U_DMA_BUF_IOCTL_MAGIC, 2, __u64)
#define U_DMA_BUF_IOCTL_GET_DMA_ADDR \
	_IOR(U_DMA_BUF_IOCTL_MAGIC, 3, __u64)
#define U_DMA_BUF_IOCTL_GET_SYNC_OWNER \
	_IOR(U_DMA_BUF_IOCTL_MAGIC, 4, __u32)
#define U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU \
	_IOW(U_DMA_BUF_IOCTL_MAGIC, 5, __u64)
#define U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE \
	_IOW(U_DMA_BUF_IOCTL_MAGIC, 6, __u64)
#define U_DMA_BUF_IOCTL_GET_DEV_INFO \
	_IOR(U_DMA_BUF_IOCTL_MAGIC, 7, struct u_dma_buf_ioctl_dev_info)
#define U_DMA_BUF_IOCTL_GET_SYNC \
	_IOR(U_DMA_BUF_IOCTL_MAGIC, 8, struct u_dma_buf_ioctl_sync_args)
#define U_DMA_BUF_IOCTL_SET_SYNC \
	_IOW(U_DMA_BUF_IOCTL_MAGIC, 9, struct u_dma_buf_ioctl_sync_args)
#define U_DMA_BUF_IOCTL_EXPORT \
	_IOWR(U_DMA_BUF_IOCTL_MAGIC, 10, struct u_dma_buf_ioctl_export_args)
/*
 * Not in the established driver: the CPU physical address of the buffer.
 * It differs from the DMA address (request 3, sysfs phys_addr) behind an
 * IOMMU or a bus address offset; a device is always given the DMA address.
 */
#define U_DMA_BUF_IOCTL_GET_CPU_PHYS_ADDR \
	_IOR(U_DMA_BUF_IOCTL_MAGIC, 11, __u64)

#endif /* _UAPI_LINUX_U_DMA_BUF_H */
