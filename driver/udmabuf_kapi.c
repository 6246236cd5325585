// SPDX-License-Identifier: GPL-2.0
/*
 * u-dma-buf: the in-kernel API for other kernel modules, with the names and
 * arguments of the established driver's (include/linux/u-dma-buf-kapi.h,
 * docs/design.md "In-kernel API").  Buffers are made by the one creation
 * path udmabuf_device_create() and synced by udmabuf_sync_range(), as for
 * every other way of asking.
 *
 * A struct device pointer handed in is looked up among the live buffers
 * (compared, never followed) and the buffer is held by a reference for the
 * length of the call, so a stale or foreign pointer is refused instead of
 * followed into freed memory.
 */
#include <linux/device.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/string.h>
#include <linux/u-dma-buf.h>
#include <linux/u-dma-buf-kapi.h>
#if IS_ENABLED(CONFIG_PCI)
#include <linux/pci.h>
#endif
#if IS_ENABLED(CONFIG_ARM_AMBA)
#include <linux/amba/bus.h>
#endif

#include "udmabuf.h"

#define UDMABUF_KAPI_OPTION_KNOWN						\
	((U_DMA_BUF_OPTION_DMA_MASK_MASK << U_DMA_BUF_OPTION_DMA_MASK_SHIFT) |	\
	 (U_DMA_BUF_OPTION_MMAP_MODE_MASK << U_DMA_BUF_OPTION_MMAP_MODE_SHIFT))

/* the live buffer behind a handle, with a reference; NULL (logged) if none */
static struct udmabuf_device *udmabuf_kapi_get(struct device *dev,
					       const char *func)
{
	struct udmabuf_device *udev;

	if (!dev) {
		pr_err(UDMABUF_DRIVER_NAME ": %s: the device is NULL\n", func);
		return NULL;
	}
	udev = udmabuf_device_get(dev, NULL, -1);
	if (!udev)
		pr_err(UDMABUF_DRIVER_NAME ": %s: %p is not a u-dma-buf device (removed?)\n",
		       func, dev);
	return udev;
}

/**
 * u_dma_buf_device_search() - find a buffer by name or by minor number
 * @name: the buffer's name, or NULL to search by @id alone
 * @id: its minor number, or < 0 to search by @name alone
 *
 * Return: the buffer's class device (no reference is taken: see
 * docs/design.md), ERR_PTR(-ENODEV) if no buffer matches both keys given,
 * ERR_PTR(-EINVAL) if neither is given or @id is out of range.
 */
struct device *u_dma_buf_device_search(const char *name, int id)
{
	struct udmabuf_device *udev;
	struct device *dev;

	if (!name && id < 0) {
		pr_err(UDMABUF_DRIVER_NAME ": search: give a name or a minor number\n");
		return ERR_PTR(-EINVAL);
	}
	if (id >= UDMABUF_MINORS) {
		pr_err(UDMABUF_DRIVER_NAME ": search: minor number %d is out of range (0..%d)\n",
		       id, UDMABUF_MINORS - 1);
		return ERR_PTR(-EINVAL);
	}
	udev = udmabuf_device_get(NULL, name, id);
	if (!udev)
		return ERR_PTR(-ENODEV);
	dev = &udev->dev;
	put_device(dev);
	return dev;
}
EXPORT_SYMBOL(u_dma_buf_device_search);

/* name, minor and option into cfg; -EINVAL (logged) for a bad one */
static int udmabuf_kapi_config(struct udmabuf_config *cfg, const char *name,
			       int id, size_t size, u64 option,
			       struct device *parent)
{
	unsigned int bits = (option >> U_DMA_BUF_OPTION_DMA_MASK_SHIFT) &
			    U_DMA_BUF_OPTION_DMA_MASK_MASK;
	unsigned int mode = (option >> U_DMA_BUF_OPTION_MMAP_MODE_SHIFT) &
			    U_DMA_BUF_OPTION_MMAP_MODE_MASK;
	int ret;

	udmabuf_config_init(cfg);
	cfg->origin = UDMABUF_ORIGIN_KAPI;
	cfg->size = size;
	if (id >= UDMABUF_MINORS) {
		pr_err(UDMABUF_DRIVER_NAME ": create: minor number %d is out of range (0..%d, < 0: any)\n",
		       id, UDMABUF_MINORS - 1);
		return -EINVAL;
	}
	cfg->minor = id < 0 ? -1 : id;
	if (name) {
		if (strnlen(name, UDMABUF_NAME_MAX + 1) > UDMABUF_NAME_MAX) {
			pr_err(UDMABUF_DRIVER_NAME ": create: name longer than %d characters\n",
			       UDMABUF_NAME_MAX);
			return -EINVAL;
		}
		strscpy(cfg->name, name, sizeof(cfg->name));
	} else if (id >= 0) {
		snprintf(cfg->name, sizeof(cfg->name), "udmabuf%d", id);
	} else {
		pr_err(UDMABUF_DRIVER_NAME ": create: give a name or a minor number\n");
		return -EINVAL;
	}
	if (option & ~UDMABUF_KAPI_OPTION_KNOWN) {
		pr_err(UDMABUF_DRIVER_NAME ": create %s: unknown option bits 0x%llx\n",
		       cfg->name, option & ~UDMABUF_KAPI_OPTION_KNOWN);
		return -EINVAL;
	}
	if (bits && parent) {
		pr_err(UDMABUF_DRIVER_NAME ": create %s: a DMA mask (option bits 7:0) cannot be given with a parent device: %s's own mask applies\n",
		       cfg->name, dev_name(parent));
		return -EINVAL;
	}
	if (bits) {
		ret = udmabuf_config_set_u64(cfg, "dma-mask", bits, NULL);
		if (ret)
			return ret;
	}
	if (mode)
		return udmabuf_config_set_u64(cfg, "quirk-mmap", mode, NULL);
	return 0;
}

/* a parent must be a device the DMA API works for, and not a buffer */
static int udmabuf_kapi_check_parent(struct device *parent, const char *name)
{
	struct udmabuf_device *udev;

	if (!parent)
		return 0;
	udev = udmabuf_device_get(parent, NULL, -1);
	if (udev) {
		put_device(&udev->dev);
		pr_err(UDMABUF_DRIVER_NAME ": create %s: the parent %s is a u-dma-buf device itself\n",
		       name, dev_name(parent));
		return -EINVAL;
	}
	if (!parent->dma_mask) {
		pr_err(UDMABUF_DRIVER_NAME ": create %s: the parent %s has no DMA mask: not a device that does DMA\n",
		       name, dev_name(parent));
		return -EINVAL;
	}
	return 0;
}

/**
 * u_dma_buf_device_create() - create a buffer
 * @name: its name (/dev/<name>), or NULL for "udmabuf<id>"
 * @id: its minor number, or < 0 for the lowest free one
 * @size: its size in bytes
 * @option: bits 7:0 DMA mask bits (0: default), 12:10 quirk-mmap mode
 * @parent: the device the buffer is for (its DMA mask and IOMMU apply), or
 *	    NULL; the buffer holds a reference to it
 *
 * Return: the buffer's class device, valid until u_dma_buf_device_remove(),
 * or an ERR_PTR: -EINVAL (bad argument), -EEXIST (name in use), -EBUSY
 * (minor in use), -ENOMEM.
 */
struct device *u_dma_buf_device_create(const char *name, int id, size_t size,
				       u64 option, struct device *parent)
{
	struct udmabuf_config cfg;
	struct udmabuf_device *udev;
	int ret;

	ret = udmabuf_kapi_config(&cfg, name, id, size, option, parent);
	if (!ret)
		ret = udmabuf_kapi_check_parent(parent, cfg.name);
	if (ret)
		return ERR_PTR(ret);
	udev = udmabuf_device_create(&cfg, parent, NULL);
	if (IS_ERR(udev))
		return ERR_CAST(udev);
	return &udev->dev;
}
EXPORT_SYMBOL(u_dma_buf_device_create);

/**
 * u_dma_buf_device_remove() - remove a buffer made by u_dma_buf_device_create()
 * @dev: its class device
 *
 * Name, node and minor go at once; the memory when the last open file or
 * mapping of it goes.  A buffer with a parent device stops being mapped for
 * it now.
 *
 * Return: 0, -ENODEV (not a buffer), -EPERM (made by a module parameter,
 * /dev/u-dma-buf-mgr or the device tree).
 */
int u_dma_buf_device_remove(struct device *dev)
{
	struct udmabuf_device *udev = udmabuf_kapi_get(dev, "remove");
	int ret;

	if (!udev)
		return dev ? -ENODEV : -EINVAL;
	ret = udmabuf_device_delete_owned(dev, NULL, UDMABUF_ORIGIN_KAPI, NULL);
	put_device(&udev->dev);
	return ret == -ENOENT ? -ENODEV : ret;
}
EXPORT_SYMBOL(u_dma_buf_device_remove);

/*
 * The kernel address of the buffer: the pool's, or the linear map's if
 * every page is in it (a contiguous range: its first and last page say).
 */
static void *udmabuf_kapi_vaddr(const struct udmabuf_buffer *buf)
{
	struct page *last;

	if (buf->vaddr || !buf->pages)
		return buf->vaddr;
	last = udmabuf_buffer_page(buf, (buf->alloc_size >> PAGE_SHIFT) - 1);
	if (PageHighMem(buf->pages) || PageHighMem(last))
		return NULL;
	return page_address(buf->pages);
}

/**
 * u_dma_buf_device_getmap() - size and addresses of a buffer
 * @dev: its class device
 * @size: gets its size in bytes, or NULL
 * @virt_addr: gets its kernel address (cached; NULL if it has no linear
 *	       kernel address, e.g. highmem on 32-bit ARM), or NULL
 * @phys_addr: gets its DMA address (sysfs phys_addr), or NULL
 *
 * Return: 0, -EINVAL (@dev NULL), -ENODEV (not a buffer).
 */
int u_dma_buf_device_getmap(struct device *dev, size_t *size,
			    void **virt_addr, dma_addr_t *phys_addr)
{
	struct udmabuf_device *udev = udmabuf_kapi_get(dev, "getmap");

	if (!udev)
		return dev ? -ENODEV : -EINVAL;
	if (size)
		*size = udev->buf.size;
	if (virt_addr)
		*virt_addr = udmabuf_kapi_vaddr(&udev->buf);
	if (phys_addr)
		*phys_addr = udev->buf.dma_addr;
	put_device(&udev->dev);
	return 0;
}
EXPORT_SYMBOL(u_dma_buf_device_getmap);

/**
 * u_dma_buf_device_sync() - set the sync settings of a buffer, then sync
 * @dev: its class device
 * @command: 0 none, 1 sync for the CPU, 2 sync for the device
 * @direction: 0 bidirectional, 1 to the device, 2 from the device; any
 *	       other value keeps the stored one
 * @offset: the new sync_offset, < size
 * @size: the new sync_size, <= size; 0 or less keeps the stored one
 *
 * Each value is checked as sysfs checks it, and for a command 1 or 2 their
 * combination too (offset + size within the buffer), before anything is
 * stored: a bad one is -EINVAL and changes nothing.
 *
 * Return: 0, -EINVAL, -ENODEV (not a buffer).
 */
int u_dma_buf_device_sync(struct device *dev, int command, int direction,
			  u64 offset, ssize_t size)
{
	struct udmabuf_device *udev = udmabuf_kapi_get(dev, "sync");
	u64 bsize, sync_size;
	unsigned int dir;
	int ret = 0;

	if (!udev)
		return dev ? -ENODEV : -EINVAL;
	bsize = udev->buf.size;
	if (command < U_DMA_BUF_KAPI_SYNC_NONE ||
	    command > U_DMA_BUF_KAPI_SYNC_FOR_DEVICE) {
		dev_err(&udev->dev, "sync: command %d is not 0, 1 or 2\n",
			command);
		ret = -EINVAL;
	} else if (offset >= bsize || (size > 0 && (u64)size > bsize)) {
		dev_err(&udev->dev,
			"sync: offset %llu must be below and size %zd at most the buffer size %llu\n",
			offset, size, bsize);
		ret = -EINVAL;
	}
	if (ret)
		goto out;

	mutex_lock(&udev->lock);
	dir = direction >= 0 && direction <= UDMABUF_DIR_MAX ?
	      direction : udev->sync.direction;
	sync_size = size > 0 ? size : udev->sync.size;
	if (command != U_DMA_BUF_KAPI_SYNC_NONE &&
	    sync_size > bsize - offset) {
		mutex_unlock(&udev->lock);
		dev_err(&udev->dev,
			"sync: offset %llu + size %llu exceed the buffer size %llu\n",
			offset, sync_size, bsize);
		ret = -EINVAL;
		goto out;
	}
	udev->sync.direction = dir;
	udev->sync.offset = offset;
	udev->sync.size = sync_size;
	mutex_unlock(&udev->lock);

	if (command != U_DMA_BUF_KAPI_SYNC_NONE)
		ret = udmabuf_sync_range(udev, offset, sync_size, dir,
					 command == U_DMA_BUF_KAPI_SYNC_FOR_DEVICE);
out:
	put_device(&udev->dev);
	return ret;
}
EXPORT_SYMBOL(u_dma_buf_device_sync);

/* the buses a parent may be found on (bus_find_device_by_name()) */
static const struct bus_type *const udmabuf_kapi_buses[] = {
	&platform_bus_type,
#if IS_ENABLED(CONFIG_PCI)
	&pci_bus_type,
#endif
#if IS_ENABLED(CONFIG_ARM_AMBA)
	&amba_bustype,
#endif
};

/**
 * u_dma_buf_find_available_bus_type() - a bus by name
 * @name: the bus name, not necessarily NUL-terminated
 * @name_len: the length of @name
 *
 * Return: the platform, PCI or AMBA bus (those this kernel has) whose name
 * is exactly these @name_len characters, or NULL.  The bus is the kernel's:
 * only read it (pass it to bus_find_device_by_name()).
 */
struct bus_type *u_dma_buf_find_available_bus_type(char *name, int name_len)
{
	size_t i;

	if (!name || name_len <= 0) {
		pr_err(UDMABUF_DRIVER_NAME ": find_available_bus_type: no name (length %d)\n",
		       name_len);
		return NULL;
	}
	for (i = 0; i < ARRAY_SIZE(udmabuf_kapi_buses); i++) {
		const char *bus = udmabuf_kapi_buses[i]->name;

		if (strlen(bus) == (size_t)name_len &&
		    !memcmp(name, bus, name_len))
			return (struct bus_type *)udmabuf_kapi_buses[i];
	}
	return NULL;
}
EXPORT_SYMBOL(u_dma_buf_find_available_bus_type);
