// SPDX-License-Identifier: GPL-2.0
/*
 * u-dma-buf: the buffer object.  Where the memory comes from, its DMA
 * address, cache maintenance, release, and the kernel-side copy used by
 * read()/write().  docs/design.md "Allocation" is the contract.
 *
 * Every buffer but a no-map pool buffer is a run of struct pages in the
 * kernel's linear map, cacheable, and reaches its DMA device through a
 * streaming mapping (or, for buffers of the class device itself, through
 * dma_alloc_pages()): cached user mappings plus dma_sync_single_for_*() are
 * then legal under the DMA API on every architecture.  The pages come, in
 * this order of preference, from
 *   - the buddy allocator (UDMABUF_SRC_BUDDY), and beyond its largest block
 *     a range of an ordinary zone (UDMABUF_SRC_CONTIG): outside CMA and
 *     ZONE_MOVABLE, so that long-term pins (io_uring, VFIO, RDMA) of a
 *     mapping work;
 *   - CMA (UDMABUF_SRC_CMA), through dma_alloc_pages() on the class device:
 *     the default CMA area, or a reusable memory-region bound to it.  CMA
 *     pages cannot be long-term pinned (the kernel would retry migrating
 *     them forever), so they are mapped by pfn unless quirk-mmap=page;
 *   - the pages of a plain reserved memory-region (UDMABUF_SRC_REGION).
 * A no-map memory-region (UDMABUF_SRC_POOL) has no struct pages in the
 * linear map: it is the class device's coherent pool.
 */
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/page_ref.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/u-dma-buf.h>
#ifdef CONFIG_X86
#include <asm/set_memory.h>
#endif

#include "udmabuf.h"
#include "udmabuf_compat.h"

/* cache maintenance and copies are cut into steps this large */
#define UDMABUF_STEP	SZ_4M

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

/* ------------------------------------------------- plain reserved regions */

/* a plain region serves one buffer at a time: the ones in use */
static LIST_HEAD(udmabuf_plain_claims);
static DEFINE_MUTEX(udmabuf_plain_lock);

struct udmabuf_plain_claim {
	struct list_head list;
	phys_addr_t base;
};

static int udmabuf_plain_claim(phys_addr_t base)
{
	struct udmabuf_plain_claim *c;
	int ret = 0;

	mutex_lock(&udmabuf_plain_lock);
	list_for_each_entry(c, &udmabuf_plain_claims, list) {
		if (c->base == base) {
			ret = -EBUSY;
			goto out;
		}
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c) {
		ret = -ENOMEM;
		goto out;
	}
	c->base = base;
	list_add(&c->list, &udmabuf_plain_claims);
out:
	mutex_unlock(&udmabuf_plain_lock);
	return ret;
}

static void udmabuf_plain_unclaim(phys_addr_t base)
{
	struct udmabuf_plain_claim *c;

	mutex_lock(&udmabuf_plain_lock);
	list_for_each_entry(c, &udmabuf_plain_claims, list) {
		if (c->base == base) {
			list_del(&c->list);
			kfree(c);
			break;
		}
	}
	mutex_unlock(&udmabuf_plain_lock);
}

/*
 * The pages of a plain "shared-dma-pool" region (neither no-map nor
 * reusable): RAM that the kernel set aside at boot, with struct pages in the
 * linear map.  They are used as they are, only if every one of them is
 * still reserved (32-bit ARM gives such a region back to the page allocator
 * at boot: then it is not ours to use).
 */
static int udmabuf_buffer_get_plain(struct udmabuf_buffer *buf,
				    const struct udmabuf_config *cfg,
				    struct device *log_dev)
{
	unsigned long pfn = PHYS_PFN(cfg->region_base), i;
	int ret;

	if (!PAGE_ALIGNED(cfg->region_base)) {
		dev_err(log_dev,
			"%s: memory-region %s at %pa is not page aligned\n",
			cfg->name, cfg->region_name, &cfg->region_base);
		return -EINVAL;
	}
	for (i = 0; i < udmabuf_buffer_pages(buf); i++) {
		if (!pfn_valid(pfn + i) || !PageReserved(pfn_to_page(pfn + i))) {
			dev_err(log_dev,
				"%s: memory-region %s is not reserved RAM: the kernel gave it back at boot (32-bit ARM keeps a shared-dma-pool only with no-map or reusable)\n",
				cfg->name, cfg->region_name);
			return -EINVAL;
		}
	}
	ret = udmabuf_plain_claim(cfg->region_base);
	if (ret) {
		dev_err(log_dev,
			"%s: memory-region %s is already used by another buffer\n",
			cfg->name, cfg->region_name);
		return ret;
	}
	buf->pages = pfn_to_page(pfn);
	return 0;
}

/* ------------------------------------------------------------- allocation */

/*
 * Zone modifiers that keep buddy pages within the device's DMA mask; an
 * IOMMU maps any page.
 */
static gfp_t udmabuf_gfp_zone(struct device *dma_dev)
{
	u64 mask = min_not_zero(dma_get_mask(dma_dev),
				dma_dev->bus_dma_limit);

	if (device_iommu_mapped(dma_dev) ||
	    mask >= dma_get_required_mask(dma_dev))
		return 0;
	if (IS_ENABLED(CONFIG_ZONE_DMA32) && mask >= DMA_BIT_MASK(32))
		return GFP_DMA32;
	return IS_ENABLED(CONFIG_ZONE_DMA) ? GFP_DMA : 0;
}

/*
 * Buddy pages (at most the largest buddy order), split so that every page
 * has a reference of its own.  GFP_KERNEL never takes CMA or ZONE_MOVABLE
 * pages, which is what makes them long-term pinnable.
 */
static int udmabuf_buffer_get_buddy(struct udmabuf_buffer *buf)
{
	void *vaddr;

	if (buf->alloc_size > (PAGE_SIZE << UDMABUF_MAX_BUDDY_ORDER))
		return -E2BIG;
	vaddr = alloc_pages_exact(buf->alloc_size,
				  GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN |
				  udmabuf_gfp_zone(buf->dma_dev));
	if (!vaddr)
		return -ENOMEM;
	buf->pages = virt_to_page(vaddr);
	buf->source = UDMABUF_SRC_BUDDY;
	return 0;
}

/*
 * Where [pfn, pfn + n) of zone stops being a candidate: the index of the
 * first page that is offline, of another zone, a hole or reserved (the
 * kernel image, memblock allocations), or n if there is none.
 */
static unsigned long udmabuf_contig_bad_page(struct zone *zone,
					     unsigned long pfn,
					     unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		struct page *page = pfn_to_online_page(pfn + i);

		if (!page || page_zone(page) != zone || PageReserved(page))
			return i;
	}
	return n;
}

/*
 * Larger than the buddy allocator gives: a range of an ordinary zone
 * (never ZONE_MOVABLE; CMA pageblocks make alloc_contig_range() fail, so
 * they are never taken either), its movable pages migrated away.  Such
 * pages are long-term pinnable.  Ranges start at a multiple of the size
 * rounded up to a power of two, at most of the largest buddy block (4 MiB
 * on x86_64 and arm64): a reserved page (the kernel image, wherever KASLR
 * put it) only moves the search past itself.  Zones whose memory lies
 * beyond the DMA mask are left out (the mapping check has the last word).
 */
static int udmabuf_buffer_get_contig(struct udmabuf_buffer *buf)
{
	unsigned long n = udmabuf_buffer_pages(buf);
	unsigned long step = max_t(unsigned long, pageblock_nr_pages,
				   min_t(unsigned long, roundup_pow_of_two(n),
					 1UL << UDMABUF_MAX_BUDDY_ORDER));
	u64 limit = ~0ULL;
	int nid;

	if (!device_iommu_mapped(buf->dma_dev))
		limit = min_not_zero(dma_get_mask(buf->dma_dev),
				     buf->dma_dev->bus_dma_limit);
	for_each_online_node(nid) {
		struct zone *zones = NODE_DATA(nid)->node_zones;
		int z;

		for (z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &zones[z];
			unsigned long pfn = ALIGN(zone->zone_start_pfn, step);

			if (!populated_zone(zone) || zone_idx(zone) == ZONE_MOVABLE)
				continue;
			while (pfn + n <= zone_end_pfn(zone)) {
				unsigned long bad;

				if (PFN_PHYS(pfn + n) - 1 > limit)
					break;
				if (fatal_signal_pending(current))
					return -EINTR;
				bad = udmabuf_contig_bad_page(zone, pfn, n);
				if (bad < n) {
					pfn = ALIGN(pfn + bad + 1, step);
					continue;
				}
				if (!udmabuf_alloc_contig_range(pfn, pfn + n,
								GFP_KERNEL |
								__GFP_NOWARN)) {
					buf->pages = pfn_to_page(pfn);
					buf->source = UDMABUF_SRC_CONTIG;
					return 0;
				}
				pfn += step;
				cond_resched();
			}
		}
	}
	return -ENOMEM;
}

/* pages from the page allocator are not zeroed: zero them, in steps */
static void udmabuf_buffer_clear(struct udmabuf_buffer *buf)
{
	unsigned long i;

	for (i = 0; i < udmabuf_buffer_pages(buf); i++) {
		clear_highpage(udmabuf_buffer_page(buf, i));
		if (!(i & 255))
			cond_resched();
	}
}

static void udmabuf_buffer_put_pages(struct udmabuf_buffer *buf)
{
	switch (buf->source) {
	case UDMABUF_SRC_BUDDY:
		free_pages_exact(page_address(buf->pages), buf->alloc_size);
		break;
	case UDMABUF_SRC_CONTIG:
		free_contig_range(page_to_pfn(buf->pages),
				  udmabuf_buffer_pages(buf));
		break;
	case UDMABUF_SRC_CMA:
		dma_free_pages(buf->alloc_dev, buf->alloc_size, buf->pages,
			       buf->alloc_dma_addr, DMA_BIDIRECTIONAL);
		break;
	case UDMABUF_SRC_REGION:
		udmabuf_plain_unclaim(page_to_phys(buf->pages));
		break;
	default:
		break;
	}
	buf->pages = NULL;
	buf->source = UDMABUF_SRC_NONE;
}

/*
 * CMA pages through the DMA API of the class device (dma-direct: the
 * default CMA area, or the reusable region bound to it).  dma_alloc_pages()
 * zeroes them.  The class device has the DMA device's mask and bus limit
 * (udmabuf_main.c), which are bus addresses: for the allocation it also
 * borrows the DMA device's dma-ranges, so that behind a bus with a DMA
 * offset the pages are checked as that device sees them.  The ranges
 * belong to the DMA device (they go when it unbinds): borrowed for this
 * call only.
 */
static int udmabuf_buffer_get_cma(struct udmabuf_buffer *buf)
{
	struct device *dev = buf->alloc_dev;
	bool borrowed = false;

	if (dev != buf->dma_dev && !dev->dma_range_map &&
	    !device_iommu_mapped(buf->dma_dev)) {
		dev->dma_range_map = buf->dma_dev->dma_range_map;
		borrowed = true;
	}
	buf->pages = dma_alloc_pages(dev, buf->alloc_size, &buf->alloc_dma_addr,
				     DMA_BIDIRECTIONAL,
				     GFP_KERNEL | __GFP_NOWARN);
	if (borrowed)
		dev->dma_range_map = NULL;
	if (!buf->pages)
		return -ENOMEM;
	/* DMA-API debug (5.10..6.1) tracks this as a mapping: checked */
	if (dma_mapping_error(buf->alloc_dev, buf->alloc_dma_addr)) {
		dma_free_pages(buf->alloc_dev, buf->alloc_size, buf->pages,
			       buf->alloc_dma_addr, DMA_BIDIRECTIONAL);
		buf->pages = NULL;
		return -ENOMEM;
	}
	buf->source = UDMABUF_SRC_CMA;
	return 0;
}

/*
 * The DMA address of the pages for the DMA device.  For the class device
 * itself that is what dma_alloc_pages() returned (CMA) or a streaming
 * mapping; for a parent device always a streaming mapping, which also
 * pushes the zeroes to RAM on a non-coherent device.  A mapping that the
 * DMA layer could only make through a bounce buffer is useless here (the
 * device would not see the buffer): refused.  So are pages that the device
 * cannot reach at all without an IOMMU (outside its dma-ranges, e.g. RAM
 * below a bus's DMA window, or above its mask with no bounce buffers):
 * checked first, as dma_map_page() would warn and fail.
 */
static int udmabuf_buffer_map(struct udmabuf_buffer *buf)
{
	struct device *dev = buf->dma_dev;
	phys_addr_t phys = page_to_phys(buf->pages);

	if (buf->source == UDMABUF_SRC_CMA && dev == buf->alloc_dev) {
		buf->dma_addr = buf->alloc_dma_addr;
		udmabuf_buffer_sync(buf, 0, buf->alloc_size,
				    DMA_BIDIRECTIONAL, true);
		return 0;
	}
	if (!device_iommu_mapped(dev)) {
		dma_addr_t first = phys_to_dma(dev, phys);
		u64 limit = min_not_zero(dma_get_mask(dev), dev->bus_dma_limit);

		if (first == DMA_MAPPING_ERROR ||
		    buf->alloc_size - 1 > limit ||
		    first > limit - (buf->alloc_size - 1))
			return -ERANGE;
	}
	buf->dma_addr = dma_map_page_attrs(dev, buf->pages, 0, buf->alloc_size,
					   DMA_BIDIRECTIONAL,
					   DMA_ATTR_SKIP_CPU_SYNC);
	if (dma_mapping_error(dev, buf->dma_addr))
		return -ENOMEM;
	if (!device_iommu_mapped(dev) &&
	    buf->dma_addr != phys_to_dma(dev, phys)) {
		dma_unmap_page_attrs(dev, buf->dma_addr, buf->alloc_size,
				     DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
		return -ERANGE;
	}
	/*
	 * Made without the CPU sync and synced here instead: the same cache
	 * maintenance, but CMA pages for a device-tree node are already
	 * tracked by DMA-API debugging as the class device's allocation, and
	 * a second mapping of them is reported unless it skips the sync.
	 */
	dma_sync_single_for_device(dev, buf->dma_addr, buf->alloc_size,
				   DMA_BIDIRECTIONAL);
	buf->streaming = true;
	return 0;
}

static void udmabuf_buffer_alloc_failed(struct udmabuf_buffer *buf,
					const struct udmabuf_config *cfg,
					int err, struct device *log_dev)
{
	u64 mask = dma_get_mask(buf->dma_dev);
	unsigned long long largest = PAGE_SIZE << UDMABUF_MAX_BUDDY_ORDER;

	if (err == -ERANGE)
		dev_err(log_dev,
			"%s: the memory found for %llu bytes is out of reach of %s (dma mask 0x%llx) and would need a bounce buffer\n",
			cfg->name, cfg->size, dev_name(buf->dma_dev), mask);
	else if (cfg->region_kind == UDMABUF_REGION_CMA)
		dev_err(log_dev,
			"%s: memory-region %s could not hold %llu bytes (its %llu bytes are too few or in use)\n",
			cfg->name, cfg->region_name, cfg->size,
			cfg->region_size);
	else if (IS_ENABLED(CONFIG_DMA_CMA))
		dev_err(log_dev,
			"%s: cannot allocate %llu bytes of contiguous DMA memory (dma mask 0x%llx): no free range of that size without unmovable pages below the mask, and the CMA area is too small or fragmented; enlarge it with cma=<size> on the kernel command line, or use a device-tree memory-region\n",
			cfg->name, cfg->size, mask);
	else
		dev_err(log_dev,
			"%s: cannot allocate %llu bytes of contiguous DMA memory (dma mask 0x%llx): no free range of that size without unmovable pages below the mask, and this kernel has no CMA (CONFIG_DMA_CMA); ranges up to %llu bytes are the easiest to find\n",
			cfg->name, cfg->size, mask, largest);
}

/* a reusable region must really have served the buffer */
static bool udmabuf_buffer_in_region(struct udmabuf_buffer *buf,
				     const struct udmabuf_config *cfg)
{
	phys_addr_t phys = page_to_phys(buf->pages);

	return phys >= cfg->region_base &&
	       phys - cfg->region_base + buf->alloc_size <= cfg->region_size;
}

/* the pages, from the first source that can give them */
static int udmabuf_buffer_get_pages(struct udmabuf_buffer *buf,
				    const struct udmabuf_config *cfg,
				    struct device *log_dev)
{
	int ret;

	if (cfg->region_kind == UDMABUF_REGION_PLAIN) {
		ret = udmabuf_buffer_get_plain(buf, cfg, log_dev);
		if (!ret) {
			buf->source = UDMABUF_SRC_REGION;
			udmabuf_buffer_clear(buf);
		}
		return ret;
	}
	if (cfg->region_kind == UDMABUF_REGION_NONE) {
		ret = udmabuf_buffer_get_buddy(buf);
		if (ret) {
			ret = udmabuf_buffer_get_contig(buf);
			if (!ret)
				udmabuf_buffer_clear(buf);
		}
		if (!ret || ret == -EINTR)
			return ret;
	}
	ret = udmabuf_buffer_get_cma(buf);
	if (ret)
		return ret;
	if (cfg->region_kind == UDMABUF_REGION_CMA &&
	    !udmabuf_buffer_in_region(buf, cfg)) {
		/* the DMA layer fell back to the buddy allocator */
		udmabuf_buffer_put_pages(buf);
		return -ENOMEM;
	}
	return 0;
}

/*
 * User mappings take and drop page references.  Tail pages of a
 * non-compound buddy allocation (what dma_alloc_pages() falls back to
 * without CMA) have a count of 0: give every page one more reference,
 * owned by the buffer, so that no unmap can ever free a page of ours.
 */
static void udmabuf_buffer_ref_pages(struct udmabuf_buffer *buf)
{
	unsigned long i, n = udmabuf_buffer_pages(buf);

	buf->head_ref_base = page_ref_count(buf->pages);
	buf->tail_ref_base = n > 1 ?
		page_ref_count(udmabuf_buffer_page(buf, 1)) : 0;
	for (i = 0; i < n; i++)
		page_ref_inc(udmabuf_buffer_page(buf, i));
}

/* the count of page i when nobody but the buffer holds it */
static int udmabuf_buffer_own_ref(const struct udmabuf_buffer *buf,
				  unsigned long i)
{
	return 1 + (i ? buf->tail_ref_base : buf->head_ref_base);
}

/*
 * A page reference that I/O takes (O_DIRECT, io_uring) is dropped when the
 * bio completes, which can come a moment after the request was reported
 * complete to user space: give such references this long to go.
 */
#define UDMABUF_UNREF_WAIT_MS	1000

/* false: someone (a pin) still holds a page; nothing was changed */
static bool udmabuf_buffer_unref_pages(struct udmabuf_buffer *buf,
				       struct device *log_dev)
{
	unsigned long i, n = udmabuf_buffer_pages(buf);
	unsigned int waited = 0;

	for (i = 0; i < n; i++) {
		int want = udmabuf_buffer_own_ref(buf, i);
		struct page *page = udmabuf_buffer_page(buf, i);

		while (page_ref_count(page) != want &&
		       waited < UDMABUF_UNREF_WAIT_MS) {
			msleep(20);
			waited += 20;
		}
		if (page_ref_count(page) != want) {
			dev_err(log_dev,
				"page %lu of the buffer is still referenced (count %d, expected %d): leaking %zu bytes at %pa\n",
				i, page_ref_count(page), want, buf->alloc_size,
				&buf->phys);
			return false;
		}
	}
	for (i = 0; i < n; i++)
		page_ref_dec(udmabuf_buffer_page(buf, i));
	return true;
}

static int udmabuf_buffer_alloc_pool(struct udmabuf_buffer *buf,
				     const struct udmabuf_config *cfg,
				     struct device *log_dev)
{
	buf->vaddr = dma_alloc_coherent(buf->alloc_dev, buf->alloc_size,
					&buf->dma_addr, GFP_KERNEL);
	/* a pool allocation fails without a word: say which pool and why */
	if (!buf->vaddr) {
		dev_err(log_dev,
			"%s: cannot allocate %llu bytes from the no-map memory-region %s: it is smaller than that or already in use\n",
			cfg->name, cfg->size, cfg->region_name);
		return -ENOMEM;
	}
	memset(buf->vaddr, 0, buf->alloc_size);
	buf->source = UDMABUF_SRC_POOL;
	buf->phys = buf->dma_addr;
	return 0;
}

/*
 * A reusable or no-map region serves the class device: bound to it here,
 * released with it, so the region outlives any unbind of the parent.
 */
static int udmabuf_buffer_bind_region(struct udmabuf_buffer *buf,
				      const struct udmabuf_config *cfg,
				      struct device *log_dev)
{
	int ret;

	if (cfg->region_kind != UDMABUF_REGION_CMA &&
	    cfg->region_kind != UDMABUF_REGION_POOL)
		return 0;
	ret = of_reserved_mem_device_init_by_idx(buf->alloc_dev,
						 cfg->region_np, 0);
	if (ret) {
		dev_err(log_dev, "%s: memory-region %s cannot be bound (%d)\n",
			cfg->name, cfg->region_name, ret);
		return ret;
	}
	buf->region_bound = true;
	return 0;
}

/*
 * alloc_dev is the buffer's class device, dma_dev the device whose DMA
 * address is reported (the class device itself, or a parent).  Both have
 * their DMA masks set.  On failure nothing is left allocated.
 */
int udmabuf_buffer_alloc(struct udmabuf_buffer *buf, struct device *alloc_dev,
			 struct device *dma_dev,
			 const struct udmabuf_config *cfg,
			 struct device *log_dev)
{
	int ret;

	if (cfg->size == 0 || cfg->size > (u64)SIZE_MAX - PAGE_SIZE)
		return -EINVAL;
	init_rwsem(&buf->dma_lock);
	mutex_init(&buf->memtype_lock);
	buf->memtype = UDMABUF_CACHE_CACHED;
	buf->alloc_dev = alloc_dev;
	buf->dma_dev = dma_dev;
	buf->size = cfg->size;
	buf->alloc_size = PAGE_ALIGN((size_t)cfg->size);
	buf->coherent = dev_is_dma_coherent(dma_dev);
	ret = udmabuf_buffer_bind_region(buf, cfg, log_dev);
	if (ret)
		return ret;
	if (cfg->region_kind == UDMABUF_REGION_POOL) {
		ret = udmabuf_buffer_alloc_pool(buf, cfg, log_dev);
		if (ret)
			goto err_region;
		return 0;
	}

	ret = udmabuf_buffer_get_pages(buf, cfg, log_dev);
	if (!ret) {
		ret = udmabuf_buffer_map(buf);
		if (ret == -ERANGE && buf->source != UDMABUF_SRC_CMA &&
		    buf->source != UDMABUF_SRC_REGION) {
			/* pages out of reach: try CMA, which honours the mask */
			udmabuf_buffer_put_pages(buf);
			ret = udmabuf_buffer_get_cma(buf);
			if (!ret)
				ret = udmabuf_buffer_map(buf);
		}
		if (ret)
			udmabuf_buffer_put_pages(buf);
	}
	if (ret) {
		if (cfg->region_kind != UDMABUF_REGION_PLAIN)
			udmabuf_buffer_alloc_failed(buf, cfg, ret, log_dev);
		ret = ret == -EBUSY || ret == -EINVAL ? ret : -ENOMEM;
		goto err_region;
	}
	buf->phys = page_to_phys(buf->pages);
	udmabuf_buffer_ref_pages(buf);
	return 0;

err_region:
	if (buf->region_bound)
		of_reserved_mem_device_release(alloc_dev);
	buf->region_bound = false;
	return ret;
}

/*
 * The DMA device goes away (platform unbind) while the buffer may live on
 * in files and mappings: end its streaming mapping now, while the device's
 * DMA setup (IOMMU domain, dma-ranges) still exists.  No device may use the
 * buffer from now on, so the CPU's view is the only one; later explicit
 * syncs fail with ENODEV.
 */
void udmabuf_buffer_detach(struct udmabuf_buffer *buf)
{
	down_write(&buf->dma_lock);
	if (buf->streaming)
		dma_unmap_page_attrs(buf->dma_dev, buf->dma_addr,
				     buf->alloc_size, DMA_BIDIRECTIONAL,
				     DMA_ATTR_SKIP_CPU_SYNC);
	buf->streaming = false;
	buf->detached = true;
	up_write(&buf->dma_lock);
}

/* where the memory came from, for the load lines and messages */
const char *udmabuf_buffer_source_name(const struct udmabuf_buffer *buf)
{
	static const char *const names[] = {
		[UDMABUF_SRC_NONE] = "none",
		[UDMABUF_SRC_BUDDY] = "buddy allocator",
		[UDMABUF_SRC_CONTIG] = "contiguous range (alloc_contig_range)",
		[UDMABUF_SRC_CMA] = "CMA",
		[UDMABUF_SRC_REGION] = "reserved memory-region",
		[UDMABUF_SRC_POOL] = "no-map memory-region pool",
	};

	return names[buf->source];
}

/* ------------------------------------------------------- x86 memory types */

#ifdef CONFIG_X86_64
static const char *const udmabuf_memtype_names[] = {
	[UDMABUF_CACHE_CACHED] = "write-back",
	[UDMABUF_CACHE_UNCACHED] = "uncached",
	[UDMABUF_CACHE_WRITECOMBINE] = "write-combined",
	[UDMABUF_CACHE_DMACOHERENT] = "write-back",
};

/*
 * x86 (PAT): a user mapping that is not write-back gets that type for
 * real, and the kernel's linear mapping of the pages is switched to the
 * same type first, so that no page ever has a cached and an uncached
 * mapping at once (the CPU's rule).  DMA is cache-coherent on x86 in every
 * type: the type is about the CPU's speed and ordering only, which is why
 * a mapping that cannot have its type is given the buffer's current one.
 */
static enum udmabuf_cache udmabuf_memtype_of(enum udmabuf_cache kind)
{
	return kind == UDMABUF_CACHE_DMACOHERENT ? UDMABUF_CACHE_CACHED : kind;
}

/* the linear mapping of every page to type (memtype_lock or last user) */
static int udmabuf_buffer_set_memtype(struct udmabuf_buffer *buf,
				      enum udmabuf_cache type)
{
	unsigned long addr, n = udmabuf_buffer_pages(buf);
	int ret = 0;

	if (buf->memtype == type || !buf->pages)
		return 0;
	addr = (unsigned long)page_address(buf->pages);
	if (buf->memtype != UDMABUF_CACHE_CACHED) {
		ret = set_memory_wb(addr, n);
		if (ret)
			return ret;
		buf->memtype = UDMABUF_CACHE_CACHED;
	}
	if (type == UDMABUF_CACHE_UNCACHED)
		ret = set_memory_uc(addr, n);
	else if (type == UDMABUF_CACHE_WRITECOMBINE)
		ret = set_memory_wc(addr, n);
	if (!ret)
		buf->memtype = type;
	return ret;
}

/* no reference but the buffer's own: nobody pins or does I/O on a page */
static bool udmabuf_buffer_idle(struct udmabuf_buffer *buf)
{
	unsigned long i, n = udmabuf_buffer_pages(buf);

	for (i = 0; i < n; i++)
		if (page_ref_count(udmabuf_buffer_page(buf, i)) !=
		    udmabuf_buffer_own_ref(buf, i))
			return false;
	return true;
}

/*
 * The type of a new mapping asking for kind.  The buffer's type changes
 * only when nothing can see the old one: no other mapping, no export, no
 * page reference beyond the buffer's own (pins, I/O in flight).
 * Otherwise the mapping gets the current type, with a log line.
 */
enum udmabuf_cache udmabuf_buffer_map_get(struct udmabuf_buffer *buf,
					  enum udmabuf_cache kind,
					  struct device *log_dev)
{
	enum udmabuf_cache want = udmabuf_memtype_of(kind);
	int ret = 0;

	if (buf->source == UDMABUF_SRC_POOL)
		return kind;
	mutex_lock(&buf->memtype_lock);
	if (want != buf->memtype) {
		if (buf->maps || buf->holds || !udmabuf_buffer_idle(buf))
			ret = -EBUSY;
		else
			ret = udmabuf_buffer_set_memtype(buf, want);
		if (ret)
			dev_notice_ratelimited(log_dev,
					       "mmap: %s asked for, but the buffer stays %s (%s): this mapping is %s too; DMA is coherent either way\n",
					       udmabuf_memtype_names[want],
					       udmabuf_memtype_names[buf->memtype],
					       ret == -EBUSY ? "in use" : "PAT refused",
					       udmabuf_memtype_names[buf->memtype]);
	}
	buf->maps++;
	kind = buf->memtype;
	mutex_unlock(&buf->memtype_lock);
	return kind;
}

void udmabuf_buffer_map_dup(struct udmabuf_buffer *buf)
{
	mutex_lock(&buf->memtype_lock);
	buf->maps++;
	mutex_unlock(&buf->memtype_lock);
}

void udmabuf_buffer_map_put(struct udmabuf_buffer *buf)
{
	mutex_lock(&buf->memtype_lock);
	buf->maps--;
	mutex_unlock(&buf->memtype_lock);
}

/*
 * Importers map and vmap the pages write-back: an export needs the buffer
 * write-back and keeps it so.  A buffer left uncached or write-combined by
 * mappings that are gone goes back to write-back here.
 */
int udmabuf_buffer_hold_wb(struct udmabuf_buffer *buf, struct device *log_dev)
{
	int ret = 0;

	mutex_lock(&buf->memtype_lock);
	if (buf->memtype != UDMABUF_CACHE_CACHED) {
		if (buf->maps || !udmabuf_buffer_idle(buf))
			ret = -EBUSY;
		else
			ret = udmabuf_buffer_set_memtype(buf,
							 UDMABUF_CACHE_CACHED);
		if (ret)
			dev_err_ratelimited(log_dev,
					    "export: the buffer is %s for its O_SYNC mappings; importers need write-back memory: unmap them first\n",
					    udmabuf_memtype_names[buf->memtype]);
	}
	if (!ret)
		buf->holds++;
	mutex_unlock(&buf->memtype_lock);
	return ret ? -EBUSY : 0;
}

void udmabuf_buffer_unhold(struct udmabuf_buffer *buf)
{
	mutex_lock(&buf->memtype_lock);
	buf->holds--;
	mutex_unlock(&buf->memtype_lock);
}
#else
/* elsewhere the mapping's protection alone gives the kind (design.md) */
static int udmabuf_buffer_set_memtype(struct udmabuf_buffer *buf,
				      enum udmabuf_cache type)
{
	return 0;
}

enum udmabuf_cache udmabuf_buffer_map_get(struct udmabuf_buffer *buf,
					  enum udmabuf_cache kind,
					  struct device *log_dev)
{
	/* 32-bit x86: always write-back, as DMA is coherent */
	return IS_ENABLED(CONFIG_X86) ? UDMABUF_CACHE_CACHED : kind;
}

void udmabuf_buffer_map_dup(struct udmabuf_buffer *buf)
{
}

void udmabuf_buffer_map_put(struct udmabuf_buffer *buf)
{
}

int udmabuf_buffer_hold_wb(struct udmabuf_buffer *buf, struct device *log_dev)
{
	return 0;
}

void udmabuf_buffer_unhold(struct udmabuf_buffer *buf)
{
}
#endif

void udmabuf_buffer_free(struct udmabuf_buffer *buf, struct device *log_dev)
{
	if (buf->source == UDMABUF_SRC_NONE)
		goto out;
	udmabuf_buffer_detach(buf);
	if (buf->source == UDMABUF_SRC_POOL) {
		dma_free_coherent(buf->alloc_dev, buf->alloc_size, buf->vaddr,
				  buf->dma_addr);
		buf->vaddr = NULL;
	} else if (udmabuf_buffer_unref_pages(buf, log_dev)) {
		/* pages go back to the system write-back, or not at all */
		if (!udmabuf_buffer_set_memtype(buf, UDMABUF_CACHE_CACHED))
			udmabuf_buffer_put_pages(buf);
		else
			dev_err(log_dev,
				"cannot make the buffer write-back again: leaking %zu bytes at %pa\n",
				buf->alloc_size, &buf->phys);
	}
	/* else: leaking is the only choice that cannot corrupt others' data */
	buf->source = UDMABUF_SRC_NONE;
out:
	if (buf->region_bound)
		of_reserved_mem_device_release(buf->alloc_dev);
	buf->region_bound = false;
}

/*
 * Page-backed user mappings (struct pages, get_user_pages works: O_DIRECT,
 * vmsplice, io_uring) for every buffer whose pages can also be long-term
 * pinned.  CMA pages cannot: a long-term pin of them would make the kernel
 * retry migrating them for ever, so they are mapped by pfn (get_user_pages
 * fails at once) unless quirk-mmap=page asks for page-backed mappings
 * knowing that.  Pool memory has no struct pages.
 */
bool udmabuf_buffer_page_backed(const struct udmabuf_buffer *buf,
				unsigned int mmap_mode)
{
	switch (buf->source) {
	case UDMABUF_SRC_BUDDY:
	case UDMABUF_SRC_CONTIG:
	case UDMABUF_SRC_REGION:
		return true;
	case UDMABUF_SRC_CMA:
		return mmap_mode == U_DMA_BUF_MMAP_MODE_PAGE;
	default:
		return false;
	}
}

/* ---------------------------------------------------------------- syncs */

static void udmabuf_buffer_sync_locked(struct udmabuf_buffer *buf, u64 offset,
				       u64 size, enum dma_data_direction dir,
				       bool for_device)
{
	while (size) {
		size_t step = min_t(u64, size, UDMABUF_STEP);

		if (for_device)
			dma_sync_single_for_device(buf->dma_dev,
						   buf->dma_addr + offset,
						   step, dir);
		else
			dma_sync_single_for_cpu(buf->dma_dev,
						buf->dma_addr + offset,
						step, dir);
		offset += step;
		size -= step;
		if (size)
			cond_resched();
	}
}

/*
 * Cache maintenance for [offset, offset + size), already checked against
 * the buffer.  On a DMA-coherent device and for a pool buffer (no
 * cacheable alias) a full barrier orders the CPU's accesses instead.
 * -ENODEV once the DMA device is gone.
 */
int udmabuf_buffer_sync(struct udmabuf_buffer *buf, u64 offset, u64 size,
			enum dma_data_direction dir, bool for_device)
{
	int ret = 0;

	down_read(&buf->dma_lock);
	if (buf->detached)
		ret = -ENODEV;
	else if (buf->source == UDMABUF_SRC_POOL || buf->coherent)
		/*
		 * nothing to clean or invalidate: order the CPU's accesses
		 * (drains write-combining buffers), so that a sync is the
		 * barrier before the device is started on any device
		 */
		mb();
	else
		udmabuf_buffer_sync_locked(buf, offset, size, dir, for_device);
	up_read(&buf->dma_lock);
	return ret;
}

/* ---------------------------------------------------------------- copies */

/*
 * Copy between the buffer and user memory.  Without highmem the buffer is
 * contiguous in the kernel's linear map and is copied in steps; with
 * highmem page by page through a temporary mapping.
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
			chunk = min_t(size_t, len - done, UDMABUF_STEP);
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
