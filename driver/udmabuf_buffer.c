// SPDX-License-Identifier: GPL-2.0
/*
 * u-dma-buf: the buffer object.  Allocation, release, cache maintenance and
 * the kernel-side copy used by read()/write().
 *
 * Memory comes from dma_alloc_pages(): physically contiguous, page-backed
 * and cacheable in the kernel, which makes cached user mappings plus
 * dma_sync_single_for_{cpu,device}() legal under the DMA API on every
 * architecture (coherent or not, with or without an IOMMU).
 */
#include <linux/dma-mapping.h>
#include <linux/dma-map-ops.h>
#include <linux/mm.h>
#include <linux/page_ref.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

#include "udmabuf.h"
#include "udmabuf_compat.h"

static unsigned long udmabuf_buffer_pages(const struct udmabuf_buffer *buf)
{
	return buf->alloc_size >> PAGE_SHIFT;
}

/*
 * Page i of the buffer.  Through the pfn: struct pages of a contiguous range
 * need not be contiguous themselves (SPARSEMEM without VMEMMAP).
 */
struct page *udmabuf_buffer_page(const struct udmabuf_buffer *buf,
				 unsigned long i)
{
	return pfn_to_page(page_to_pfn(buf->pages) + i);
}

/*
 * Explain a failed allocation in terms a user can act on: the size, the
 * DMA mask, and where the memory would have come from.
 */
static void udmabuf_buffer_alloc_failed(struct device *dma_dev, u64 size,
					struct device *log_dev)
{
	u64 mask = dma_get_mask(dma_dev);
	unsigned long long largest = PAGE_SIZE << UDMABUF_MAX_BUDDY_ORDER;

	if (IS_ENABLED(CONFIG_DMA_CMA))
		dev_err(log_dev,
			"cannot allocate %llu bytes of contiguous DMA memory (dma mask 0x%llx): the CMA area is too small or fragmented; enlarge it with cma=<size> on the kernel command line, or use a device-tree memory-region\n",
			size, mask);
	else
		dev_err(log_dev,
			"cannot allocate %llu bytes of contiguous DMA memory (dma mask 0x%llx): this kernel has no CMA (CONFIG_DMA_CMA), so at most %llu bytes can be allocated at once, and only if that much is free and unfragmented\n",
			size, mask, largest);
}

static int udmabuf_buffer_alloc_pool(struct udmabuf_buffer *buf,
				     struct device *log_dev)
{
	buf->vaddr = dma_alloc_coherent(buf->dma_dev, buf->alloc_size,
					&buf->dma_addr, GFP_KERNEL);
	if (buf->vaddr) {
		memset(buf->vaddr, 0, buf->alloc_size);
		return 0;
	}
	dev_err(log_dev,
		"cannot allocate %llu bytes from the device's no-map memory-region: it is smaller than that or already in use\n",
		buf->size);
	return -ENOMEM;
}

int udmabuf_buffer_alloc(struct udmabuf_buffer *buf, struct device *dma_dev,
			 u64 size, bool from_pool, struct device *log_dev)
{
	unsigned long i, n;

	if (size == 0 || size > (u64)SIZE_MAX - PAGE_SIZE)
		return -EINVAL;

	buf->dma_dev = dma_dev;
	buf->size = size;
	buf->alloc_size = PAGE_ALIGN((size_t)size);
	buf->coherent = dev_is_dma_coherent(dma_dev);
	if (from_pool)
		return udmabuf_buffer_alloc_pool(buf, log_dev);
	buf->pages = dma_alloc_pages(dma_dev, buf->alloc_size, &buf->dma_addr,
				     DMA_BIDIRECTIONAL,
				     GFP_KERNEL | __GFP_NOWARN);
	if (!buf->pages) {
		udmabuf_buffer_alloc_failed(dma_dev, size, log_dev);
		return -ENOMEM;
	}
	/* tells DMA-API debug (5.10..6.1 track this as a mapping) it was checked */
	if (dma_mapping_error(dma_dev, buf->dma_addr)) {
		dev_err(log_dev, "the DMA address of the new buffer is invalid\n");
		dma_free_pages(dma_dev, buf->alloc_size, buf->pages,
			       buf->dma_addr, DMA_BIDIRECTIONAL);
		buf->pages = NULL;
		return -ENOMEM;
	}

	/*
	 * User mappings take and drop page references.  Tail pages of a
	 * (non-compound) buddy allocation have a count of 0, CMA pages 1:
	 * give every page one more reference, owned by the buffer, so that
	 * no unmap can ever free a page of ours.
	 */
	n = udmabuf_buffer_pages(buf);
	buf->head_ref_base = page_ref_count(buf->pages);
	buf->tail_ref_base = n > 1 ?
		page_ref_count(udmabuf_buffer_page(buf, 1)) : 0;
	for (i = 0; i < n; i++)
		page_ref_inc(udmabuf_buffer_page(buf, i));

	/* dma_alloc_pages() zeroed it through the cache: push that to RAM */
	if (!buf->coherent)
		dma_sync_single_for_device(dma_dev, buf->dma_addr,
					   buf->alloc_size, DMA_BIDIRECTIONAL);
	return 0;
}

/* the CPU physical address of the first byte */
phys_addr_t udmabuf_buffer_phys(const struct udmabuf_buffer *buf)
{
	/* pool memory: the pool's device address is its physical address */
	return buf->pages ? page_to_phys(buf->pages) : buf->dma_addr;
}

void udmabuf_buffer_free(struct udmabuf_buffer *buf, struct device *log_dev)
{
	unsigned long i, n = udmabuf_buffer_pages(buf);

	if (buf->vaddr) {
		dma_free_coherent(buf->dma_dev, buf->alloc_size, buf->vaddr,
				  buf->dma_addr);
		buf->vaddr = NULL;
		return;
	}
	if (!buf->pages)
		return;
	for (i = 0; i < n; i++) {
		int want = 1 + (i ? buf->tail_ref_base : buf->head_ref_base);
		struct page *page = udmabuf_buffer_page(buf, i);

		if (page_ref_count(page) != want) {
			/*
			 * Someone (a long-term pin, a leaked get_user_pages)
			 * still holds a page: leaking the memory is the only
			 * choice that cannot corrupt somebody else's data.
			 */
			dev_err(log_dev,
				"page %lu of the buffer is still referenced (count %d, expected %d): leaking %zu bytes at %pad\n",
				i, page_ref_count(page), want,
				buf->alloc_size, &buf->dma_addr);
			buf->pages = NULL;
			return;
		}
	}
	for (i = 0; i < n; i++)
		page_ref_dec(udmabuf_buffer_page(buf, i));
	dma_free_pages(buf->dma_dev, buf->alloc_size, buf->pages, buf->dma_addr,
		       DMA_BIDIRECTIONAL);
	buf->pages = NULL;
}

/*
 * Cache maintenance for [offset, offset + size), already checked against the
 * buffer.  On a DMA-coherent device there is nothing to do.
 */
void udmabuf_buffer_sync(struct udmabuf_buffer *buf, u64 offset, u64 size,
			 enum dma_data_direction dir, bool for_device)
{
	if (buf->vaddr) {
		/* no cacheable alias exists: only order the accesses */
		mb();
		return;
	}
	if (buf->coherent || size == 0)
		return;
	if (for_device)
		dma_sync_single_for_device(buf->dma_dev, buf->dma_addr + offset,
					   size, dir);
	else
		dma_sync_single_for_cpu(buf->dma_dev, buf->dma_addr + offset,
					size, dir);
}

/*
 * Copy between the buffer and user memory.  Without highmem the buffer is
 * contiguous in the kernel's linear map and is copied in 1 MiB steps;
 * with highmem page by page through a temporary mapping.
 * Returns the bytes copied, or -EFAULT if none could be.
 */
ssize_t udmabuf_buffer_copy(struct udmabuf_buffer *buf, u64 offset,
			    void __user *ubuf, size_t len, bool to_user)
{
	size_t done = 0;

	if (buf->vaddr) {
		unsigned long left;

		if (to_user)
			left = copy_to_user(ubuf, buf->vaddr + offset, len);
		else
			left = copy_from_user(buf->vaddr + offset, ubuf, len);
		return left == len ? -EFAULT : (ssize_t)(len - left);
	}
	while (done < len) {
		u64 pos = offset + done;
		struct page *page = udmabuf_buffer_page(buf, pos >> PAGE_SHIFT);
		size_t in_page = pos & ~PAGE_MASK;
		size_t chunk;
		unsigned long left;
		void *kaddr;

		if (IS_ENABLED(CONFIG_HIGHMEM)) {
			chunk = min_t(size_t, len - done, PAGE_SIZE - in_page);
			kaddr = udmabuf_kmap(page);
		} else {
			chunk = min_t(size_t, len - done, SZ_1M);
			kaddr = page_address(page);	/* lowmem: contiguous */
		}
		if (to_user)
			left = copy_to_user(ubuf + done, kaddr + in_page, chunk);
		else
			left = copy_from_user(kaddr + in_page, ubuf + done,
					      chunk);
		if (IS_ENABLED(CONFIG_HIGHMEM))
			udmabuf_kunmap(page, kaddr);
		done += chunk - left;
		if (left || fatal_signal_pending(current))
			break;
		cond_resched();
	}
	return done ? (ssize_t)done : -EFAULT;
}
