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
 * An empty range (size 0, offset at most the buffer size) calls no cache
 * maintenance at all; the owner changes all the same.
 * -ENODEV once the buffer's DMA device is gone (unbind, remove).
 */
int udmabuf_sync_range(struct udmabuf_device *udev, u64 offset, u64 size,
		       unsigned int dir, bool for_device)
{
	u64 bsize = udev->buf.size;
	int ret;

	if (dir > UDMABUF_DIR_MAX) {
		dev_err_ratelimited(&udev->dev, "sync: direction %u is not 0, 1 or 2\n",
				    dir);
		return -EINVAL;
	}
	if (offset > bsize || size > bsize - offset) {
		dev_err_ratelimited(&udev->dev,
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
	if (ret)
		dev_err_ratelimited(&udev->dev,
				    "sync: the DMA device of this buffer is gone (unbound)\n");
	return ret;
}

/* the fields of the packed argument (any value but 0 and 1) */
#define UDMABUF_ARG_OFFSET_SHIFT	32
#define UDMABUF_ARG_SIZE_MASK		0xfffffff0ULL
#define UDMABUF_ARG_DIR_SHIFT		2
#define UDMABUF_ARG_DIR_MASK		0x3ULL
#define UDMABUF_ARG_SIZE_STEP		16

/*
 * The packed argument (design.md "Manual sync"): 0 does nothing, 1 uses the
 * stored settings; any other value names offset (bits 32-63), size (the
 * value & 0xfffffff0) and direction (bits 2-3) for this call only, and
 * bits 0 and 1 carry no meaning.  A size of 0 is an empty range.  As the
 * size can only be a multiple of 16, a range that passes the end of the
 * buffer by fewer than 16 bytes ends at the end of the buffer (a tail whose
 * size was rounded up); a sync never covers more than was named.
 */
int udmabuf_sync_packed(struct udmabuf_device *udev, u64 arg, bool for_device)
{
	u64 offset, size, bsize = udev->buf.size;
	unsigned int dir;

	if (arg == 0)
		return 0;
	if (arg == 1) {
		mutex_lock(&udev->lock);
		offset = udev->sync.offset;
		size = udev->sync.size;
		dir = udev->sync.direction;
		mutex_unlock(&udev->lock);
	} else {
		offset = arg >> UDMABUF_ARG_OFFSET_SHIFT;
		size = arg & UDMABUF_ARG_SIZE_MASK;
		dir = (arg >> UDMABUF_ARG_DIR_SHIFT) & UDMABUF_ARG_DIR_MASK;
		if (size && offset < bsize && size > bsize - offset &&
		    size - (bsize - offset) < UDMABUF_ARG_SIZE_STEP)
			size = bsize - offset;
	}
	return udmabuf_sync_range(udev, offset, size, dir, for_device);
}
