// SPDX-License-Identifier: GPL-2.0
/*
 * u-dma-buf: dma-buf export of a slice of a buffer (ioctl 10, design.md
 * "dma-buf export (H1)").
 *
 * An export is a page-aligned slice [offset, offset + size) of a buffer
 * with struct pages (every source but a no-map pool).  Each importer
 * attachment gets its own sg_table of the slice's pages, mapped for the
 * importer's device only when it asks (map_dma_buf), with its direction;
 * the exporter's own DMA address is never handed out.  CPU access
 * (DMA_BUF_IOCTL_SYNC, dma_buf_begin/end_cpu_access) syncs every mapped
 * attachment and the buffer's own DMA device.  Each dma-buf holds a
 * reference to the u-dma-buf device (the memory lives as long as any
 * export) and, through dma_buf_export(), to this module.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/u-dma-buf.h>

#include "udmabuf.h"
#include "udmabuf_compat.h"

UDMABUF_IMPORT_NS_DMA_BUF();

/* the pages of an sg_table entry: at most this many bytes each */
#define UDMABUF_SG_CHUNK	SZ_1G

struct udmabuf_export {
	struct udmabuf_device *udev;	/* a reference: get_device() */
	u64 offset;			/* page aligned, in the buffer */
	size_t size;			/* whole pages */
	bool o_sync;			/* mmap with the O_SYNC cache kind */
	struct mutex lock;		/* the attachment list */
	struct list_head attachments;
};

/* a DMA segment of a mapped attachment, as the importer's device sees it */
struct udmabuf_export_seg {
	dma_addr_t addr;
	unsigned int len;
};

/*
 * While mapped, sgt belongs to the importer (the dma-buf core may even
 * scramble its page links, CONFIG_DMABUF_DEBUG): the exporter's syncs work
 * from segs, the DMA segments copied at map time.
 */
struct udmabuf_export_attach {
	struct list_head list;		/* in udmabuf_export.attachments */
	struct device *dev;		/* the importer's device */
	struct sg_table sgt;
	enum dma_data_direction dir;
	bool mapped;			/* sgt is mapped for dev */
	struct udmabuf_export_seg *segs;	/* while mapped */
	unsigned int nsegs;
};

static unsigned long udmabuf_export_first(const struct udmabuf_export *exp)
{
	return exp->offset >> PAGE_SHIFT;
}

/* the slice's pages, in entries of at most UDMABUF_SG_CHUNK bytes */
static int udmabuf_export_fill_sgt(struct udmabuf_export *exp,
				   struct sg_table *sgt)
{
	struct udmabuf_buffer *buf = &exp->udev->buf;
	unsigned int n = DIV_ROUND_UP(exp->size, UDMABUF_SG_CHUNK);
	unsigned long page = udmabuf_export_first(exp);
	size_t left = exp->size;
	struct scatterlist *sg;
	unsigned int i;
	int ret;

	ret = sg_alloc_table(sgt, n, GFP_KERNEL);
	if (ret)
		return ret;
	for_each_sgtable_sg(sgt, sg, i) {
		size_t len = min_t(size_t, left, UDMABUF_SG_CHUNK);

		sg_set_page(sg, udmabuf_buffer_page(buf, page), len, 0);
		page += len >> PAGE_SHIFT;
		left -= len;
	}
	return 0;
}

static int udmabuf_export_attach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct udmabuf_export *exp = dmabuf->priv;
	struct udmabuf_export_attach *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	ret = udmabuf_export_fill_sgt(exp, &a->sgt);
	if (ret) {
		kfree(a);
		return ret;
	}
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&exp->lock);
	list_add(&a->list, &exp->attachments);
	mutex_unlock(&exp->lock);
	return 0;
}

static void udmabuf_export_detach(struct dma_buf *dmabuf,
				  struct dma_buf_attachment *attach)
{
	struct udmabuf_export *exp = dmabuf->priv;
	struct udmabuf_export_attach *a = attach->priv;

	mutex_lock(&exp->lock);
	list_del(&a->list);
	mutex_unlock(&exp->lock);
	if (a->mapped) {	/* an importer that did not unmap first */
		dma_unmap_sgtable(a->dev, &a->sgt, a->dir,
				  DMA_ATTR_SKIP_CPU_SYNC);
		kfree(a->segs);
	}
	sg_free_table(&a->sgt);
	kfree(a);
}

/* every DMA segment of a mapped attachment synced for the CPU or device */
/*
 * Sync a mapped attachment for its device or for the CPU, always in the
 * direction it was mapped with (a->dir): the DMA API allows no other (a
 * DMA_TO_DEVICE mapping synced DMA_BIDIRECTIONAL is an error that
 * DMA-API debugging reports), and that direction is what the importer's
 * device does with the memory, so it is also the maintenance needed.
 */
static void udmabuf_export_sync_attach(struct udmabuf_export_attach *a,
				       bool for_device)
{
	unsigned int i;

	for (i = 0; i < a->nsegs; i++) {
		if (for_device)
			dma_sync_single_for_device(a->dev, a->segs[i].addr,
						   a->segs[i].len, a->dir);
		else
			dma_sync_single_for_cpu(a->dev, a->segs[i].addr,
						a->segs[i].len, a->dir);
	}
}

/*
 * Mapped for the importer's device, in the direction it asks for.  The
 * pages are also mapped for the buffer's own device (for its whole life),
 * so the importer's mapping overlaps that one: as the kernel's own PRIME
 * helpers do, it is made with DMA_ATTR_SKIP_CPU_SYNC (DMA-API debugging
 * reports overlapping mappings made without it) and the cache maintenance
 * that dma_map_sgtable() would do is done explicitly right after, so the
 * importer sees what the CPU wrote, as before.  Unmap likewise.
 */
static struct sg_table *
udmabuf_export_map(struct dma_buf_attachment *attach,
		   enum dma_data_direction dir)
{
	struct udmabuf_export *exp = attach->dmabuf->priv;
	struct udmabuf_export_attach *a = attach->priv;
	struct scatterlist *sg;
	unsigned int i;
	int ret;

	mutex_lock(&exp->lock);
	if (a->mapped) {
		ret = -EBUSY;
		goto out;
	}
	ret = dma_map_sgtable(a->dev, &a->sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto out;
	a->segs = kmalloc_array(a->sgt.nents, sizeof(*a->segs), GFP_KERNEL);
	if (!a->segs) {
		dma_unmap_sgtable(a->dev, &a->sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
		ret = -ENOMEM;
		goto out;
	}
	a->nsegs = 0;
	for_each_sgtable_dma_sg(&a->sgt, sg, i) {
		a->segs[i].addr = sg_dma_address(sg);
		a->segs[i].len = sg_dma_len(sg);
		a->nsegs++;
	}
	a->dir = dir;
	udmabuf_export_sync_attach(a, true);
	a->mapped = true;
out:
	mutex_unlock(&exp->lock);
	return ret ? ERR_PTR(ret) : &a->sgt;
}

static void udmabuf_export_unmap(struct dma_buf_attachment *attach,
				 struct sg_table *sgt,
				 enum dma_data_direction dir)
{
	struct udmabuf_export *exp = attach->dmabuf->priv;
	struct udmabuf_export_attach *a = attach->priv;

	mutex_lock(&exp->lock);
	if (a->mapped && sgt == &a->sgt) {
		udmabuf_export_sync_attach(a, false);
		dma_unmap_sgtable(a->dev, &a->sgt, a->dir,
				  DMA_ATTR_SKIP_CPU_SYNC);
		kfree(a->segs);
		a->segs = NULL;
		a->nsegs = 0;
		a->mapped = false;
	}
	mutex_unlock(&exp->lock);
}

/*
 * The CPU takes the slice (for_device false) or gives it back: every
 * mapped attachment is synced for its device in its own mapping's
 * direction (nothing on a coherent one), and the buffer for its own DMA
 * device in the CPU's direction dir (that mapping is bidirectional),
 * unless that device is gone (udmabuf_buffer_sync() then does nothing:
 * -ENODEV, ignored here).
 */
static int udmabuf_export_cpu(struct dma_buf *dmabuf,
			      enum dma_data_direction dir, bool for_device)
{
	struct udmabuf_export *exp = dmabuf->priv;
	struct udmabuf_export_attach *a;

	mutex_lock(&exp->lock);
	list_for_each_entry(a, &exp->attachments, list) {
		if (a->mapped)
			udmabuf_export_sync_attach(a, for_device);
	}
	mutex_unlock(&exp->lock);
	udmabuf_buffer_sync(&exp->udev->buf, exp->offset, exp->size, dir,
			    for_device);
	return 0;
}

static int udmabuf_export_begin_cpu(struct dma_buf *dmabuf,
				    enum dma_data_direction dir)
{
	return udmabuf_export_cpu(dmabuf, dir, false);
}

static int udmabuf_export_end_cpu(struct dma_buf *dmabuf,
				  enum dma_data_direction dir)
{
	return udmabuf_export_cpu(dmabuf, dir, true);
}

/*
 * mmap of the dma-buf fd: exactly the slice (the dma-buf core checked the
 * range against the slice), filled like /dev/<name> (page-backed or by
 * pfn as udmabuf_buffer_page_backed() decides).  A dma-buf fd has no
 * O_SYNC: cached, unless the buffer's sync_mode has the "always" bit (the
 * mode's kind then, as for /dev/<name>) or the export asked O_SYNC.
 */
static int udmabuf_export_mmap(struct dma_buf *dmabuf,
			       struct vm_area_struct *vma)
{
	struct udmabuf_export *exp = dmabuf->priv;
	struct udmabuf_device *udev = exp->udev;
	enum udmabuf_cache kind;

	if (!(vma->vm_flags & VM_MAYSHARE)) {
		dev_err_ratelimited(&udev->dev,
				    "dma-buf mmap: only MAP_SHARED mappings are supported\n");
		return -EINVAL;
	}
	if (vma->vm_pgoff >= exp->size >> PAGE_SHIFT ||
	    vma_pages(vma) > (exp->size >> PAGE_SHIFT) - vma->vm_pgoff)
		return -EINVAL;
	kind = udmabuf_cache_kind(READ_ONCE(udev->sync.mode),
				  READ_ONCE(udev->sync.always), exp->o_sync);
	/* from now on vm_pgoff counts buffer pages, as for /dev/<name> */
	vma->vm_pgoff += udmabuf_export_first(exp);
	return udmabuf_mmap_buffer(udev, vma, kind);
}

/* a cached kernel mapping of the slice's pages */
static void *udmabuf_export_vmap_pages(struct udmabuf_export *exp)
{
	unsigned long i, n = exp->size >> PAGE_SHIFT;
	struct page **pages;
	void *vaddr;

	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	for (i = 0; i < n; i++)
		pages[i] = udmabuf_buffer_page(&exp->udev->buf,
					       udmabuf_export_first(exp) + i);
	vaddr = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	kvfree(pages);
	return vaddr;
}

#ifdef UDMABUF_DMABUF_VMAP_RETURNS_ADDR
static void *udmabuf_export_vmap(struct dma_buf *dmabuf)
{
	return udmabuf_export_vmap_pages(dmabuf->priv);
}

static void udmabuf_export_vunmap(struct dma_buf *dmabuf, void *vaddr)
{
	vunmap(vaddr);
}
#else
static int udmabuf_export_vmap(struct dma_buf *dmabuf,
			       struct udmabuf_vmap_map *map)
{
	void *vaddr = udmabuf_export_vmap_pages(dmabuf->priv);

	if (!vaddr)
		return -ENOMEM;
	udmabuf_vmap_map_set(map, vaddr);
	return 0;
}

static void udmabuf_export_vunmap(struct dma_buf *dmabuf,
				  struct udmabuf_vmap_map *map)
{
	vunmap(map->vaddr);
}
#endif

/* the last reference to the dma-buf: the buffer may go now */
static void udmabuf_export_release(struct dma_buf *dmabuf)
{
	struct udmabuf_export *exp = dmabuf->priv;
	struct udmabuf_device *udev = exp->udev;

	atomic_dec(&udev->exports);
	udmabuf_buffer_unhold(&udev->buf);
	mutex_destroy(&exp->lock);
	kfree(exp);
	put_device(&udev->dev);
}

static const struct dma_buf_ops udmabuf_export_ops = {
	.attach = udmabuf_export_attach,
	.detach = udmabuf_export_detach,
	.map_dma_buf = udmabuf_export_map,
	.unmap_dma_buf = udmabuf_export_unmap,
	.begin_cpu_access = udmabuf_export_begin_cpu,
	.end_cpu_access = udmabuf_export_end_cpu,
	.mmap = udmabuf_export_mmap,
	.vmap = udmabuf_export_vmap,
	.vunmap = udmabuf_export_vunmap,
	.release = udmabuf_export_release,
};

/*
 * Check the request: the fd flags (bits 0-31 of flags) may hold O_CLOEXEC,
 * an access mode and O_SYNC; offset page aligned and inside the buffer;
 * size 0 (to the end), or page aligned, or reaching the end of the
 * buffer.  The slice in whole pages goes to *offset and *size.  A
 * dma-buf grants no more than the exporting file was opened for: it can
 * always be read (FMODE_READ), and a writable one needs FMODE_WRITE.
 */
static int udmabuf_export_check(struct udmabuf_device *udev, fmode_t f_mode,
				const struct u_dma_buf_ioctl_export_args *args,
				u64 *offset, size_t *size)
{
	u64 fl = args->flags & U_DMA_BUF_EXPORT_FD_FLAGS_MASK;
	u64 bsize = udev->buf.size, len;

	if ((fl & ~(u64)(O_CLOEXEC | O_ACCMODE | O_SYNC)) ||
	    (fl & O_ACCMODE) == O_ACCMODE ||
	    ((fl & O_SYNC) && (fl & O_SYNC) != O_SYNC)) {
		dev_err_ratelimited(&udev->dev,
				    "EXPORT: invalid fd flags 0x%llx (O_CLOEXEC, O_RDONLY/O_WRONLY/O_RDWR and O_SYNC only)\n",
				    fl);
		return -EINVAL;
	}
	if (!(f_mode & FMODE_READ) ||
	    ((fl & O_ACCMODE) != O_RDONLY && !(f_mode & FMODE_WRITE))) {
		dev_err_ratelimited(&udev->dev,
				    "EXPORT: a %s dma-buf from a file opened %s\n",
				    (fl & O_ACCMODE) == O_RDONLY ? "read-only" :
				    "writable", f_mode & FMODE_READ ?
				    "read-only" : "write-only");
		return -EACCES;
	}
	if (args->offset >= bsize || !PAGE_ALIGNED(args->offset) ||
	    args->size > bsize - args->offset) {
		dev_err_ratelimited(&udev->dev,
				    "EXPORT: offset %llu + size %llu: offset must be page aligned and the slice inside the buffer of %llu bytes\n",
				    args->offset, args->size, bsize);
		return -EINVAL;
	}
	len = args->size ? args->size : bsize - args->offset;
	if (!PAGE_ALIGNED(len) && args->offset + len != bsize) {
		dev_err_ratelimited(&udev->dev,
				    "EXPORT: size %llu is not page aligned and does not reach the end of the buffer\n",
				    len);
		return -EINVAL;
	}
	if (udev->buf.source == UDMABUF_SRC_POOL) {
		dev_err_ratelimited(&udev->dev,
				    "EXPORT: a no-map memory-region buffer has no struct pages and cannot be exported as a dma-buf\n");
		return -EOPNOTSUPP;
	}
	*offset = args->offset;
	*size = PAGE_ALIGN(len);
	return 0;
}

/*
 * ioctl 10.  args holds what user space passed (usize bytes at uarg); on
 * success args->fd is a new dma-buf fd and args->addr the DMA address of
 * the slice for the buffer's own device, both copied back.  The fd is
 * installed only once the copy succeeded, so a failed copy leaks nothing.
 */
int udmabuf_dmabuf_export(struct udmabuf_device *udev, fmode_t f_mode,
			  struct u_dma_buf_ioctl_export_args *args,
			  void __user *uarg, size_t usize)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	unsigned int fl = args->flags & U_DMA_BUF_EXPORT_FD_FLAGS_MASK;
	struct udmabuf_export *exp;
	struct dma_buf *dmabuf;
	int ret, fd;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return -ENOMEM;
	ret = udmabuf_export_check(udev, f_mode, args, &exp->offset,
				   &exp->size);
	if (!ret)
		ret = udmabuf_buffer_hold_wb(&udev->buf, &udev->dev);
	if (ret) {
		kfree(exp);
		return ret;
	}
	exp->udev = udev;
	exp->o_sync = fl & O_SYNC;
	mutex_init(&exp->lock);
	INIT_LIST_HEAD(&exp->attachments);

	info.owner = THIS_MODULE;	/* rmmod is refused while it lives */
	info.ops = &udmabuf_export_ops;
	info.size = exp->size;
	info.flags = fl & O_ACCMODE;
	info.priv = exp;
	get_device(&udev->dev);		/* dropped by release */
	atomic_inc(&udev->exports);
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		atomic_dec(&udev->exports);
		udmabuf_buffer_unhold(&udev->buf);
		put_device(&udev->dev);
		mutex_destroy(&exp->lock);
		kfree(exp);
		return PTR_ERR(dmabuf);
	}

	fd = get_unused_fd_flags(fl & O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	args->fd = fd;
	args->addr = udev->buf.dma_addr + exp->offset;
	if (copy_to_user(uarg, args, usize)) {
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return -EFAULT;
	}
	fd_install(fd, dmabuf->file);
	return 0;
}
