/* SPDX-License-Identifier: GPL-2.0 */
/*
 * u-dma-buf: the in-kernel API, for other kernel modules.
 *
 * The names, arguments and meaning of the established u-dma-buf driver's
 * in-kernel functions (the prototypes its users copy into their sources or
 * into a "u-dma-buf-funcs.h" they generate from its u-dma-buf.c), exported
 * with EXPORT_SYMBOL by u-dma-buf.ko.  A module that uses them depends on
 * u-dma-buf.ko, so u-dma-buf cannot be unloaded while that module is
 * loaded.  docs/design.md "In-kernel API" is the contract; in short:
 *
 * u_dma_buf_device_create()  a buffer /dev/<name> of size bytes; name NULL
 *     means "udmabuf<id>"; id is the minor number (< 0: the lowest free);
 *     option bits 7:0 the DMA mask bits (0: the dma_mask_bit parameter;
 *     must be 0 with a parent), bits 12:10 the quirk-mmap mode (0: the
 *     quirk_mmap_mode parameter); parent the device the buffer is for (its
 *     DMA mask and IOMMU apply, phys_addr is its DMA address) or NULL.
 *     Returns the buffer's class device, valid until it is removed: only
 *     u_dma_buf_device_remove() removes such a buffer.
 * u_dma_buf_device_search()  by name, or by minor number (name NULL);
 *     ERR_PTR(-ENODEV) if there is none.  No reference is taken.
 * u_dma_buf_device_remove()  removes a buffer made by
 *     u_dma_buf_device_create(); others: -EPERM.
 * u_dma_buf_device_getmap()  size, kernel address (NULL where the buffer has
 *     no linear kernel address, e.g. highmem) and DMA address; any of the
 *     three pointers may be NULL.  The kernel address is cached: sync.
 * u_dma_buf_device_sync()    stores direction (0..2; other values keep it),
 *     offset and size (if > 0) as the buffer's sync settings, then runs
 *     command (0 none, 1 for the CPU, 2 for the device).
 * u_dma_buf_find_available_bus_type()  "platform", "pci" or "amba" (those
 *     this kernel has) by name and length, for bus_find_device_by_name();
 *     NULL otherwise.
 *
 * A struct device pointer given to these functions is only compared with
 * the live buffers, never followed: one that is not (or no longer) a
 * buffer gets -ENODEV.  Errors are negative errno values, each logged.
 */
#ifndef _LINUX_U_DMA_BUF_KAPI_H
#define _LINUX_U_DMA_BUF_KAPI_H

#include <linux/types.h>

struct bus_type;
struct device;

/* u_dma_buf_device_create() option */
#define U_DMA_BUF_OPTION_DMA_MASK_SHIFT		0
#define U_DMA_BUF_OPTION_DMA_MASK_MASK		0xffULL
#define U_DMA_BUF_OPTION_MMAP_MODE_SHIFT	10
#define U_DMA_BUF_OPTION_MMAP_MODE_MASK		0x7ULL

/* u_dma_buf_device_sync() command */
#define U_DMA_BUF_KAPI_SYNC_NONE		0
#define U_DMA_BUF_KAPI_SYNC_FOR_CPU		1
#define U_DMA_BUF_KAPI_SYNC_FOR_DEVICE		2

struct device *u_dma_buf_device_search(const char *name, int id);
struct device *u_dma_buf_device_create(const char *name, int id, size_t size,
				       u64 option, struct device *parent);
int u_dma_buf_device_remove(struct device *dev);
int u_dma_buf_device_getmap(struct device *dev, size_t *size,
			    void **virt_addr, dma_addr_t *phys_addr);
int u_dma_buf_device_sync(struct device *dev, int command, int direction,
			  u64 offset, ssize_t size);
struct bus_type *u_dma_buf_find_available_bus_type(char *name, int name_len);

#endif /* _LINUX_U_DMA_BUF_KAPI_H */
