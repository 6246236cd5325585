// SPDX-License-Identifier: GPL-2.0
/*
 * u-dma-buf: the file operations of /dev/<name>: open/release,
 * read/write/llseek/fsync, mmap and the ioctl interface (native and compat).
 */
#include <linux/compat.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/u-dma-buf.h>

#include "udmabuf.h"
#include "udmabuf_compat.h"

static int udmabuf_open(struct inode *inode, struct file *file)
{
	struct udmabuf_device *udev =
		container_of(inode->i_cdev, struct udmabuf_device, cdev);

	/* a stale inode may still point at a deleted buffer */
	if (!READ_ONCE(udev->registered))
		return -ENODEV;
	get_device(&udev->dev);
	file->private_data = udev;
	return 0;
}

static int udmabuf_release(struct inode *inode, struct file *file)
{
	struct udmabuf_device *udev = file->private_data;

	put_device(&udev->dev);
	return 0;
}

static enum udmabuf_cache udmabuf_file_cache(struct file *file,
					     struct udmabuf_device *udev)
{
	return udmabuf_cache_kind(READ_ONCE(udev->sync.mode),
				  READ_ONCE(udev->sync.always),
				  file->f_flags & O_SYNC);
}

/* ------------------------------------------------------------ read/write */

/*
 * read()/write() maintain the caches as the established driver does: when
 * the file is O_SYNC or the sync_mode has the "always" bit (4..7, or the
 * sync-always option), whatever kind of mapping that gives.
 */
static bool udmabuf_rw_sync(struct file *file, struct udmabuf_device *udev)
{
	return (file->f_flags & O_SYNC) || READ_ONCE(udev->sync.mode) >= 4 ||
	       READ_ONCE(udev->sync.always);
}

static ssize_t udmabuf_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct udmabuf_device *udev = file->private_data;
	struct udmabuf_buffer *buf = &udev->buf;
	loff_t pos = *ppos;
	ssize_t ret;
	bool sync;

	if (pos < 0)
		return -EINVAL;
	if ((u64)pos >= buf->size || count == 0)
		return 0;
	count = min_t(u64, count, buf->size - pos);
	sync = udmabuf_rw_sync(file, udev);
	if (sync)
		udmabuf_buffer_sync(buf, pos, count, DMA_FROM_DEVICE, false);
	ret = udmabuf_buffer_copy(buf, pos, ubuf, count, true);
	if (sync)
		udmabuf_buffer_sync(buf, pos, count, DMA_FROM_DEVICE, true);
	if (ret > 0)
		*ppos = pos + ret;
	return ret;
}

static ssize_t udmabuf_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct udmabuf_device *udev = file->private_data;
	struct udmabuf_buffer *buf = &udev->buf;
	loff_t pos = *ppos;
	ssize_t ret;
	bool sync;

	if (pos < 0)
		return -EINVAL;
	if (count == 0)
		return 0;
	if ((u64)pos >= buf->size)
		return -ENOSPC;
	count = min_t(u64, count, buf->size - pos);
	sync = udmabuf_rw_sync(file, udev);
	if (sync)
		udmabuf_buffer_sync(buf, pos, count, DMA_TO_DEVICE, false);
	ret = udmabuf_buffer_copy(buf, pos, (void __user *)ubuf, count, false);
	if (sync)
		udmabuf_buffer_sync(buf, pos, count, DMA_TO_DEVICE, true);
	if (ret > 0)
		*ppos = pos + ret;
	return ret;
}

/*
 * fsync(), fdatasync() and msync(MS_SYNC) of a mapping: bytes start..end
 * (inclusive; fsync names the whole file), cut to the buffer, are synced for
 * the device (a clean) and the buffer is handed to the device.
 */
static int udmabuf_fsync(struct file *file, loff_t start, loff_t end,
			 int datasync)
{
	struct udmabuf_device *udev = file->private_data;
	u64 bsize = udev->buf.size, first, last;

	first = start < 0 ? 0 : min_t(u64, start, bsize);
	last = (end < 0 || (u64)end >= bsize) ? bsize : (u64)end + 1;
	if (last < first)
		last = first;
	return udmabuf_sync_range(udev, first, last - first,
				  U_DMA_BUF_DIR_TO_DEVICE, true);
}

static loff_t udmabuf_llseek(struct file *file, loff_t offset, int whence)
{
	struct udmabuf_device *udev = file->private_data;

	return fixed_size_llseek(file, offset, whence, udev->buf.size);
}

/* ------------------------------------------------------------------ mmap */

static void udmabuf_vm_open(struct vm_area_struct *vma)
{
	struct udmabuf_device *udev = vma->vm_private_data;

	get_device(&udev->dev);
	udmabuf_buffer_map_dup(&udev->buf);
}

static void udmabuf_vm_close(struct vm_area_struct *vma)
{
	struct udmabuf_device *udev = vma->vm_private_data;

	udmabuf_buffer_map_put(&udev->buf);
	put_device(&udev->dev);
}

/*
 * Mappings are filled lazily, an aligned batch of UDMABUF_MAP_BATCH pages
 * at each first touch: mmap() costs the same whatever the size, and a
 * first pass over the buffer faults once per batch, not once per page.
 * A batch that a write fills is writable and dirty from the start, so
 * CPUs without a hardware dirty bit (ARMv8.0, 32-bit ARM) take no further
 * fault on the first write to each page (udmabuf_pgprot_dirty()).
 */
#define UDMABUF_MAP_BATCH	(SZ_4M >> PAGE_SHIFT)
#define UDMABUF_INSERT_STEP	64

/* buffer pages [first, last) into the vma; present ptes are left alone */
static int udmabuf_insert_pages(struct vm_area_struct *vma,
				struct udmabuf_buffer *buf,
				unsigned long first, unsigned long last)
{
	struct page *pages[UDMABUF_INSERT_STEP];
	unsigned long pgoff = first;

	while (pgoff < last) {
		unsigned long i, n = min_t(unsigned long, last - pgoff,
					   UDMABUF_INSERT_STEP);
		unsigned long addr = vma->vm_start +
				     ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
		unsigned long left = n;
		int ret;

		for (i = 0; i < n; i++)
			pages[i] = udmabuf_buffer_page(buf, pgoff + i);
		ret = vm_insert_pages(vma, addr, pages, &left);
		if (ret == -EBUSY) {
			/* a concurrent fault mapped page n - left already */
			pgoff += n - left + 1;
			continue;
		}
		if (ret)
			return ret;
		pgoff += n;
	}
	return 0;
}

/*
 * The page-backed batch of a write fault, with dirty ptes.  vm_insert_pages()
 * takes the protection from vma->vm_page_prot, so it is swapped for the
 * insertion.  That field is read locklessly (WRITE_ONCE here as in
 * vma_set_page_prot()); a concurrent fault of this shared writable vma that
 * sees the dirty protection installs writable dirty ptes too, which is
 * what a write would make of them anyway, and mprotect(), which recomputes
 * the field, cannot run while a fault holds the mmap lock.
 */
static int udmabuf_insert_pages_dirty(struct vm_area_struct *vma,
				      struct udmabuf_buffer *buf,
				      unsigned long first, unsigned long last)
{
	pgprot_t prot = vma->vm_page_prot;
	int ret;

	WRITE_ONCE(vma->vm_page_prot, udmabuf_pgprot_dirty(prot));
	ret = udmabuf_insert_pages(vma, buf, first, last);
	WRITE_ONCE(vma->vm_page_prot, prot);
	return ret;
}

/* the same by pfn (VM_PFNMAP mappings); present ptes are left alone */
static vm_fault_t udmabuf_insert_pfns(struct vm_area_struct *vma,
				      struct udmabuf_buffer *buf,
				      unsigned long first, unsigned long last,
				      bool dirty)
{
	unsigned long pfn = PHYS_PFN(buf->phys), pgoff;
	pgprot_t prot = vma->vm_page_prot;

	if (dirty)
		prot = udmabuf_pgprot_dirty(prot);
	for (pgoff = first; pgoff < last; pgoff++) {
		unsigned long addr = vma->vm_start +
				     ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
		vm_fault_t ret = vmf_insert_pfn_prot(vma, addr, pfn + pgoff,
						     prot);

		if (ret != VM_FAULT_NOPAGE)
			return ret;
	}
	return VM_FAULT_NOPAGE;
}

/* the first touch of a batch, or a touch after the ptes were zapped */
static vm_fault_t udmabuf_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct udmabuf_device *udev = vma->vm_private_data;
	struct udmabuf_buffer *buf = &udev->buf;
	unsigned long start = vma->vm_pgoff, end = start + vma_pages(vma);
	unsigned long first = ALIGN_DOWN(vmf->pgoff, UDMABUF_MAP_BATCH);
	unsigned long last = min(first + UDMABUF_MAP_BATCH, end);
	bool dirty = (vmf->flags & FAULT_FLAG_WRITE) &&
		     (vma->vm_flags & VM_SHARED);
	int ret;

	if (vmf->pgoff < start || vmf->pgoff >= end)
		return VM_FAULT_SIGBUS;
	first = max(first, start);
	if (vma->vm_flags & VM_PFNMAP)
		return udmabuf_insert_pfns(vma, buf, first, last, dirty);
	if (dirty)
		ret = udmabuf_insert_pages_dirty(vma, buf, first, last);
	else
		ret = udmabuf_insert_pages(vma, buf, first, last);
	return ret ? vmf_error(ret) : VM_FAULT_NOPAGE;
}

static const struct vm_operations_struct udmabuf_vm_ops = {
	.open = udmabuf_vm_open,
	.close = udmabuf_vm_close,
	.fault = udmabuf_vm_fault,
};

/*
 * design.md "Cache modes": what each kind gives on each architecture.
 * Pool memory is mapped like the kernel's own alias of it, write-combined,
 * whatever the mode.
 */
static pgprot_t udmabuf_pgprot(struct udmabuf_device *udev,
			       enum udmabuf_cache kind, pgprot_t prot)
{
	if (udev->buf.source == UDMABUF_SRC_POOL)
		return pgprot_writecombine(prot);
	switch (kind) {
	case UDMABUF_CACHE_CACHED:
		return prot;
	case UDMABUF_CACHE_UNCACHED:
		/* the seeds' noncached: strongly ordered, Device memory on ARM */
		return pgprot_noncached(prot);
	case UDMABUF_CACHE_WRITECOMBINE:
		return pgprot_writecombine(prot);
	case UDMABUF_CACHE_DMACOHERENT:
		return udev->buf.coherent ? prot : pgprot_dmacoherent(prot);
	}
	return prot;
}

/*
 * Map vma, whose vm_pgoff counts buffer pages and whose range the caller
 * checked, with cache kind: shared by /dev/<name> and the dma-buf mmap of
 * an export (udmabuf_dmabuf.c), so both fill their ptes the same way.
 */
int udmabuf_mmap_buffer(struct udmabuf_device *udev,
			struct vm_area_struct *vma, enum udmabuf_cache kind)
{
	struct udmabuf_buffer *buf = &udev->buf;
	int ret = 0;

	/* x86: the buffer's memory type decides (design.md) */
	kind = udmabuf_buffer_map_get(buf, kind, &udev->dev);
	vma->vm_page_prot = udmabuf_pgprot(udev, kind, vma->vm_page_prot);
	vma->vm_ops = &udmabuf_vm_ops;
	vma->vm_private_data = udev;

	if (buf->source == UDMABUF_SRC_POOL) {
		/* no struct pages: the DMA API maps the pool by pfn */
		udmabuf_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
		ret = dma_mmap_coherent(buf->alloc_dev, vma, buf->vaddr,
					buf->dma_addr, buf->alloc_size);
	} else if (udmabuf_buffer_page_backed(buf, udev->mmap_mode)) {
		udmabuf_vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND |
				     VM_DONTDUMP);
	} else {
		udmabuf_vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND |
				     VM_DONTDUMP);
	}
	if (ret) {
		udmabuf_buffer_map_put(buf);
		dev_err_ratelimited(&udev->dev,
				    "mmap: cannot map the pages (%d)\n", ret);
		return ret;
	}
	get_device(&udev->dev);	/* dropped by udmabuf_vm_close() */
	return 0;
}

static int udmabuf_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct udmabuf_device *udev = file->private_data;
	struct udmabuf_buffer *buf = &udev->buf;
	unsigned long npages = buf->alloc_size >> PAGE_SHIFT;
	unsigned long count = vma_pages(vma);

	/*
	 * VM_MAYSHARE: a read-only shared mapping of an O_RDONLY file has no
	 * VM_SHARED, but it is MAP_SHARED all the same.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE)) {
		dev_err_ratelimited(&udev->dev,
				    "mmap: only MAP_SHARED mappings are supported\n");
		return -EINVAL;
	}
	if (vma->vm_pgoff >= npages || count > npages - vma->vm_pgoff) {
		dev_err_ratelimited(&udev->dev,
				    "mmap: offset 0x%llx + length 0x%lx exceed the buffer (0x%zx bytes mappable)\n",
				    (u64)vma->vm_pgoff << PAGE_SHIFT,
				    vma->vm_end - vma->vm_start, buf->alloc_size);
		return -EINVAL;
	}
	return udmabuf_mmap_buffer(udev, vma, udmabuf_file_cache(file, udev));
}

/* ----------------------------------------------------------------- ioctl */

/* the first v4.7 release encoded the write requests 5, 6 and 9 as _IOR */
#define UDMABUF_IOCTL_SET_SYNC_FOR_CPU_V0 \
	_IOR(U_DMA_BUF_IOCTL_MAGIC, 5, __u64)
#define UDMABUF_IOCTL_SET_SYNC_FOR_DEVICE_V0 \
	_IOR(U_DMA_BUF_IOCTL_MAGIC, 6, __u64)
#define UDMABUF_IOCTL_SET_SYNC_V0 \
	_IOR(U_DMA_BUF_IOCTL_MAGIC, 9, struct u_dma_buf_ioctl_sync_args)
/* i386 programs: the export struct is 36 bytes (no tail padding) */
#define UDMABUF_EXPORT_ARGS_SIZE32	36
#define UDMABUF_IOCTL_EXPORT32 \
	_IOC(_IOC_READ | _IOC_WRITE, U_DMA_BUF_IOCTL_MAGIC, 10, \
	     UDMABUF_EXPORT_ARGS_SIZE32)

static u64 udmabuf_drv_info_flags(void)
{
	u64 flags = U_DMA_BUF_IOCTL_VERSION |
		    U_DMA_BUF_DRV_INFO_IN_KERNEL_FUNC |
		    U_DMA_BUF_DRV_INFO_USE_QUIRK_MMAP |
		    U_DMA_BUF_DRV_INFO_USE_QUIRK_MMAP_PAGE;

	if (IS_ENABLED(CONFIG_OF))
		flags |= U_DMA_BUF_DRV_INFO_USE_OF_DMA_CONFIG;
	if (IS_ENABLED(CONFIG_OF_RESERVED_MEM))
		flags |= U_DMA_BUF_DRV_INFO_USE_OF_RESERVED_MEM;
	return flags;
}

static int udmabuf_ioctl_get_sync(struct udmabuf_device *udev,
				  void __user *uarg)
{
	struct u_dma_buf_ioctl_sync_args args = {};

	mutex_lock(&udev->lock);
	args.flags = ((u64)udev->sync.direction << U_DMA_BUF_SYNC_DIR_SHIFT) |
		     ((u64)udev->sync.mode << U_DMA_BUF_SYNC_MODE_SHIFT) |
		     (udev->sync.owner_device ? U_DMA_BUF_SYNC_OWNER : 0);
	args.size = udev->sync.size;
	args.offset = udev->sync.offset;
	mutex_unlock(&udev->lock);
	return copy_to_user(uarg, &args, sizeof(args)) ? -EFAULT : 0;
}

/*
 * SET_SYNC: validate everything, then store offset, size (unless 0),
 * direction and mode (unless 0), then run the command.  Flag bits outside
 * command, direction and mode are ignored, as by the established driver (a
 * GET_SYNC result passed back carries the owner bit); command 2 is refused:
 * the established driver does nothing for it and reports success, while
 * its in-kernel API uses 2 for "sync for device" (design.md "Manual sync").
 */
static int udmabuf_ioctl_set_sync(struct udmabuf_device *udev,
				  void __user *uarg)
{
	struct u_dma_buf_ioctl_sync_args args;
	unsigned int cmd, dir, mode;
	u64 size, bsize = udev->buf.size;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	cmd = (args.flags >> U_DMA_BUF_SYNC_CMD_SHIFT) & U_DMA_BUF_SYNC_CMD_MASK;
	dir = (args.flags >> U_DMA_BUF_SYNC_DIR_SHIFT) & U_DMA_BUF_SYNC_DIR_MASK;
	mode = (args.flags >> U_DMA_BUF_SYNC_MODE_SHIFT) &
	       U_DMA_BUF_SYNC_MODE_MASK;
	if (cmd == 2 || dir > UDMABUF_DIR_MAX || mode > UDMABUF_SYNC_MODE_MAX) {
		dev_err_ratelimited(&udev->dev,
				    "SET_SYNC: invalid command %u, direction %u or sync mode %u\n",
				    cmd, dir, mode);
		return -EINVAL;
	}

	mutex_lock(&udev->lock);
	size = args.size ? args.size : udev->sync.size;
	if (args.offset >= bsize || size > bsize - args.offset) {
		mutex_unlock(&udev->lock);
		dev_err_ratelimited(&udev->dev,
				    "SET_SYNC: offset %llu + size %llu exceed the buffer size %llu\n",
				    args.offset, size, bsize);
		return -EINVAL;
	}
	udev->sync.offset = args.offset;
	udev->sync.size = size;
	udev->sync.direction = dir;
	if (mode)
		udev->sync.mode = mode;
	mutex_unlock(&udev->lock);

	if (cmd == U_DMA_BUF_SYNC_CMD_NONE)
		return 0;
	return udmabuf_sync_range(udev, args.offset, size, dir,
				  cmd == U_DMA_BUF_SYNC_CMD_FOR_DEVICE);
}

/*
 * ioctl 10: the exporter (udmabuf_dmabuf.c) checks and answers; it needs
 * the file's access mode, which a dma-buf may not exceed
 */
static int udmabuf_ioctl_export(struct file *file, void __user *uarg,
				size_t usize)
{
	struct u_dma_buf_ioctl_export_args args = {};

	if (copy_from_user(&args, uarg, usize))
		return -EFAULT;
	return udmabuf_dmabuf_export(file->private_data, file->f_mode, &args,
				     uarg, usize);
}

static long udmabuf_do_ioctl(struct udmabuf_device *udev, unsigned int cmd,
			     void __user *uarg)
{
	switch (cmd) {
	case U_DMA_BUF_IOCTL_GET_DRV_INFO: {
		struct u_dma_buf_ioctl_drv_info info = {};

		info.flags = udmabuf_drv_info_flags();
		strscpy(info.version, UDMABUF_DRIVER_VERSION,
			sizeof(info.version));
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	case U_DMA_BUF_IOCTL_GET_SIZE: {
		u64 size = udev->buf.size;

		return copy_to_user(uarg, &size, sizeof(size)) ? -EFAULT : 0;
	}
	case U_DMA_BUF_IOCTL_GET_DMA_ADDR: {
		u64 addr = udev->buf.dma_addr;

		return copy_to_user(uarg, &addr, sizeof(addr)) ? -EFAULT : 0;
	}
	case U_DMA_BUF_IOCTL_GET_CPU_PHYS_ADDR: {
		u64 addr = udev->buf.phys;

		return copy_to_user(uarg, &addr, sizeof(addr)) ? -EFAULT : 0;
	}
	case U_DMA_BUF_IOCTL_GET_SYNC_OWNER: {
		u32 owner = READ_ONCE(udev->sync.owner_device);

		return copy_to_user(uarg, &owner, sizeof(owner)) ? -EFAULT : 0;
	}
	case U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU:
	case UDMABUF_IOCTL_SET_SYNC_FOR_CPU_V0:
	case U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE:
	case UDMABUF_IOCTL_SET_SYNC_FOR_DEVICE_V0: {
		u64 arg;

		if (copy_from_user(&arg, uarg, sizeof(arg)))
			return -EFAULT;
		return udmabuf_sync_packed(udev, arg, _IOC_NR(cmd) == 6);
	}
	case U_DMA_BUF_IOCTL_GET_DEV_INFO: {
		struct u_dma_buf_ioctl_dev_info info = {};
		u64 mask = dma_get_mask(udev->buf.dma_dev);

		info.flags = fls64(mask) |
			     (udev->buf.coherent ?
			      U_DMA_BUF_DEV_INFO_DMA_COHERENT : 0) |
			     ((u64)udev->mmap_mode <<
			      U_DMA_BUF_DEV_INFO_MMAP_MODE_SHIFT);
		info.size = udev->buf.size;
		info.addr = udev->buf.dma_addr;
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	case U_DMA_BUF_IOCTL_GET_SYNC:
		return udmabuf_ioctl_get_sync(udev, uarg);
	case U_DMA_BUF_IOCTL_SET_SYNC:
	case UDMABUF_IOCTL_SET_SYNC_V0:
		return udmabuf_ioctl_set_sync(udev, uarg);
	}
	return -ENOTTY;
}

static long udmabuf_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	if (cmd == U_DMA_BUF_IOCTL_EXPORT)
		return udmabuf_ioctl_export(file, (void __user *)arg,
					    _IOC_SIZE(U_DMA_BUF_IOCTL_EXPORT));
	return udmabuf_do_ioctl(file->private_data, cmd, (void __user *)arg);
}

#ifdef CONFIG_COMPAT
/* every layout but the i386 export struct is the same for 32-bit programs */
static long udmabuf_compat_ioctl(struct file *file, unsigned int cmd,
				 unsigned long arg)
{
	if (cmd == UDMABUF_IOCTL_EXPORT32)
		return udmabuf_ioctl_export(file, compat_ptr(arg),
					    UDMABUF_EXPORT_ARGS_SIZE32);
	if (cmd == U_DMA_BUF_IOCTL_EXPORT)
		return udmabuf_ioctl_export(file, compat_ptr(arg),
					    _IOC_SIZE(U_DMA_BUF_IOCTL_EXPORT));
	return udmabuf_do_ioctl(file->private_data, cmd, compat_ptr(arg));
}
#endif

const struct file_operations udmabuf_fops = {
	.owner = THIS_MODULE,
	.open = udmabuf_open,
	.release = udmabuf_release,
	.read = udmabuf_read,
	.write = udmabuf_write,
	.llseek = udmabuf_llseek,
	.fsync = udmabuf_fsync,
	.mmap = udmabuf_mmap,
	.unlocked_ioctl = udmabuf_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = udmabuf_compat_ioctl,
#endif
};
