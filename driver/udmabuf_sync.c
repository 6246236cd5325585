// SPDX-License-Identifier: GPL-2.0
/*
 * u-dma-buf: manual cache management as user space sees it: the stored
 * sync_offset/sync_size/sync_direction, the packed 64-bit argument of the
 * sysfs files sync_for_cpu/sync_for_device and of ioctls 5 and 6, the sync
 * owner, and the cache kind a sync_mode gives to a mapping.
 */
#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/u-dma-buf.h>

#include "udmabuf.h"

/* design.md "Cache modes": sync_mode x O_SYNC x sync-always */
enum udmabuf_cache udmabuf_cache_kind(unsigned int mode, bool always,
				      bool o_sync)
{
	static const enum udmabuf_cache kind[4] = {
		UDMABUF_CACHE_CACHED, UDMABUF_CACHE_UNCACHED,
		UDMABUF_CACHE_WRITECOMBINE, UDMABUF_CACHE_DMACOHERENT,
	};

	if (mode >= 4 || always || o_sync)
		return kind[mode & 3];
	return UDMABUF_CACHE_CACHED;
}

static const enum dma_data_direction udmabuf_dirs[] = {
	[U_DMA_BUF_DIR_BIDIRECTIONAL] = DMA_BIDIRECTIONAL,
	[U_DMA_BUF_DIR_TO_DEVICE] = DMA_TO_DEVICE,
	[U_DMA_BUF_DIR_FROM_DEVICE] = DMA_FROM_DEVICE,
};

/*
 * Sync [offset, offset + size) in direction dir (0..2) and hand the buffer
 * to the CPU or the device.  Everything is checked before anything is done.
 * -ENODEV once the buffer's DMA device is gone (unbind, remove).
 */
int udmabuf_sync_range(struct udmabuf_device *udev, u64 offset, u64 size,
		       unsigned int dir, bool for_device)
{
	u64 bsize = udev->buf.size;
	int ret;

	if (dir > UDMABUF_DIR_MAX) {
		dev_err(&udev->dev, "sync: direction %u is not 0, 1 or 2\n",
			dir);
		return -EINVAL;
	}
	if (offset >= bsize || size > bsize - offset) {
		dev_err(&udev->dev,
			"sync: offset %llu + size %llu exceed the buffer size %llu\n",
			offset, size, bsize);
		return -EINVAL;
	}
	mutex_lock(&udev->lock);
	ret = udmabuf_buffer_sync(&udev->buf, offset, size, udmabuf_dirs[dir],
				  for_device);
	if (!ret)
		udev->sync.owner_device = for_device;
	mutex_unlock(&udev->lock);
	return ret;
}

/*
 * The packed argument (ioctl-abi.md): 0 does nothing, 1 uses the stored
 * settings, otherwise bit 0 must be set, bit 1 clear, and bits 2-3, 4-31 and
 * 32-63 give direction, size and offset for this call only.  A packed size
 * of 0 means "up to the end of the buffer".
 */
int udmabuf_sync_packed(struct udmabuf_device *udev, u64 arg, bool for_device)
{
	u64 offset, size;
	unsigned int dir;

	if (arg == 0)
		return 0;
	if (!(arg & 1) || (arg & 2)) {
		dev_err(&udev->dev,
			"sync: 0x%llx is not a valid sync argument (bit 0 must be 1, bit 1 must be 0)\n",
			arg);
		return -EINVAL;
	}
	if (arg == 1) {
		mutex_lock(&udev->lock);
		offset = udev->sync.offset;
		size = udev->sync.size;
		dir = udev->sync.direction;
		mutex_unlock(&udev->lock);
	} else {
		offset = arg >> 32;
		size = arg & 0xfffffff0ULL;
		dir = (arg >> 2) & 3;
		if (size == 0 && offset < udev->buf.size)
			size = udev->buf.size - offset;
	}
	return udmabuf_sync_range(udev, offset, size, dir, for_device);
}
