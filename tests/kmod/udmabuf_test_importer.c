// SPDX-License-Identifier: GPL-2.0
/*
 * udmabuf-test-importer: a TEST-ONLY dma-buf importer for the in-guest tests
 * of the u-dma-buf exporter (tests/guest/t_dmabuf.c).
 *
 * It owns a platform device "udmabuf-test-importer" (no IOMMU, dma-direct,
 * 64-bit mask; not DMA-coherent where the architecture has the notion).
 * /sys/kernel/debug/udmabuf-test-importer/ctl: every open file is one
 * importer.  Write one command, then read the answer of that command:
 *   import <fd>        dma_buf_get + dma_buf_attach            -> "ok"
 *   map <dir>          dma_buf_map_attachment, dir 0 bidir, 1 to device,
 *                      2 from device   -> "nents N\n" + "0x<addr> 0x<len>\n"
 *                      per DMA segment
 *   unmap              dma_buf_unmap_attachment                -> "ok"
 *   read <off>         vmap, read the u32 at off, vunmap       -> "0x<val>"
 *   write <off> <val>  vmap, write the u32 at off, vunmap      -> "ok"
 *   release            detach + dma_buf_put (also on close)    -> "ok"
 * A failing command answers "err <errno>" and the write returns it.
 */
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>

/* kernel differences of the dma-buf importer API (test module only) */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
MODULE_IMPORT_NS("DMA_BUF");
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(5, 16, 0)
MODULE_IMPORT_NS(DMA_BUF);
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define imp_map(a, d)		dma_buf_map_attachment_unlocked(a, d)
#define imp_unmap(a, s, d)	dma_buf_unmap_attachment_unlocked(a, s, d)
#else
#define imp_map(a, d)		dma_buf_map_attachment(a, d)
#define imp_unmap(a, s, d)	dma_buf_unmap_attachment(a, s, d)
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
static void *imp_vmap(struct dma_buf *d, void **cookie)
{
	void *v = dma_buf_vmap(d);

	*cookie = v;
	return v;
}

static void imp_vunmap(struct dma_buf *d, void *cookie)
{
	dma_buf_vunmap(d, cookie);
}
#else
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 18, 0)
#define imp_map_t	struct dma_buf_map
#else
#define imp_map_t	struct iosys_map
#endif
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define imp_do_vmap(d, m)	dma_buf_vmap(d, m)
#define imp_do_vunmap(d, m)	dma_buf_vunmap(d, m)
#else
#define imp_do_vmap(d, m)	dma_buf_vmap_unlocked(d, m)
#define imp_do_vunmap(d, m)	dma_buf_vunmap_unlocked(d, m)
#endif
static void *imp_vmap(struct dma_buf *d, void **cookie)
{
	imp_map_t *m = kzalloc(sizeof(*m), GFP_KERNEL);

	if (!m)
		return NULL;
	if (imp_do_vmap(d, m) || m->is_iomem) {
		kfree(m);
		return NULL;
	}
	*cookie = m;
	return m->vaddr;
}

static void imp_vunmap(struct dma_buf *d, void *cookie)
{
	imp_do_vunmap(d, cookie);
	kfree(cookie);
}
#endif

#define IMP_RESULT_LEN	4096

struct imp {
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	enum dma_data_direction dir;
	char result[IMP_RESULT_LEN];
};

static struct platform_device *imp_pdev;
static struct dentry *imp_dir;

static void imp_release_all(struct imp *imp)
{
	if (imp->sgt)
		imp_unmap(imp->attach, imp->sgt, imp->dir);
	imp->sgt = NULL;
	if (imp->attach)
		dma_buf_detach(imp->dmabuf, imp->attach);
	imp->attach = NULL;
	if (imp->dmabuf)
		dma_buf_put(imp->dmabuf);
	imp->dmabuf = NULL;
}

static int imp_do_map(struct imp *imp, unsigned int d)
{
	static const enum dma_data_direction dirs[] = {
		DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE,
	};
	struct scatterlist *sg;
	size_t n;
	int i;

	if (!imp->attach || imp->sgt || d > 2)
		return -EINVAL;
	imp->sgt = imp_map(imp->attach, dirs[d]);
	if (IS_ERR(imp->sgt)) {
		int ret = PTR_ERR(imp->sgt);

		imp->sgt = NULL;
		return ret;
	}
	imp->dir = dirs[d];
	n = scnprintf(imp->result, IMP_RESULT_LEN, "nents %u\n",
		      imp->sgt->nents);
	for_each_sgtable_dma_sg(imp->sgt, sg, i)
		n += scnprintf(imp->result + n, IMP_RESULT_LEN - n,
			       "0x%llx 0x%x\n", (u64)sg_dma_address(sg),
			       sg_dma_len(sg));
	return 0;
}

static int imp_word(struct imp *imp, unsigned long off, u32 *val, bool wr)
{
	void *cookie = NULL, *v;

	if (!imp->dmabuf || off > imp->dmabuf->size - 4 || (off & 3))
		return -EINVAL;
	v = imp_vmap(imp->dmabuf, &cookie);
	if (!v)
		return -ENOMEM;
	if (wr)
		WRITE_ONCE(*(u32 *)(v + off), *val);
	else
		*val = READ_ONCE(*(u32 *)(v + off));
	imp_vunmap(imp->dmabuf, cookie);
	return 0;
}

/*
 * Declare the importer's device DMA-coherent or not (before an import), so
 * that a test can show that a coherent importer's map/unmap does no cache
 * maintenance.  Only where devices can be either.
 */
static int imp_set_coherent(bool coherent)
{
#if defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU_ALL)
#ifdef __create_dev_flag_accessors
	dev_assign_dma_coherent(&imp_pdev->dev, coherent);
#else
	imp_pdev->dev.dma_coherent = coherent;
#endif
	return 0;
#else
	return coherent ? 0 : -EOPNOTSUPP;
#endif
}

static int imp_command(struct imp *imp, char *cmd)
{
	unsigned long a = 0, b = 0;
	u32 val;
	int ret;

	if (sscanf(cmd, "import %lu", &a) == 1) {
		if (imp->dmabuf)
			return -EBUSY;
		imp->dmabuf = dma_buf_get((int)a);
		if (IS_ERR(imp->dmabuf)) {
			ret = PTR_ERR(imp->dmabuf);
			imp->dmabuf = NULL;
			return ret;
		}
		imp->attach = dma_buf_attach(imp->dmabuf, &imp_pdev->dev);
		if (IS_ERR(imp->attach)) {
			ret = PTR_ERR(imp->attach);
			imp->attach = NULL;
			imp_release_all(imp);
			return ret;
		}
	} else if (sscanf(cmd, "map %lu", &a) == 1) {
		return imp_do_map(imp, a);
	} else if (!strncmp(cmd, "unmap", 5)) {
		if (!imp->sgt)
			return -EINVAL;
		imp_unmap(imp->attach, imp->sgt, imp->dir);
		imp->sgt = NULL;
	} else if (sscanf(cmd, "read %li", &a) == 1) {
		ret = imp_word(imp, a, &val, false);
		if (ret)
			return ret;
		scnprintf(imp->result, IMP_RESULT_LEN, "0x%x\n", val);
		return 0;
	} else if (sscanf(cmd, "write %li %li", &a, &b) == 2) {
		val = b;
		ret = imp_word(imp, a, &val, true);
		if (ret)
			return ret;
	} else if (!strncmp(cmd, "release", 7)) {
		imp_release_all(imp);
	} else if (sscanf(cmd, "coherent %lu", &a) == 1) {
		ret = imp_set_coherent(!!a);
		if (ret)
			return ret;
	} else {
		return -EINVAL;
	}
	scnprintf(imp->result, IMP_RESULT_LEN, "ok\n");
	return 0;
}

static ssize_t imp_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	struct imp *imp = file->private_data;
	char cmd[64];
	int ret;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = 0;
	ret = imp_command(imp, cmd);
	if (ret)
		scnprintf(imp->result, IMP_RESULT_LEN, "err %d\n", ret);
	return ret ? ret : count;
}

static ssize_t imp_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	struct imp *imp = file->private_data;

	return simple_read_from_buffer(ubuf, count, ppos, imp->result,
				       strlen(imp->result));
}

static int imp_open(struct inode *inode, struct file *file)
{
	struct imp *imp = kzalloc(sizeof(*imp), GFP_KERNEL);

	file->private_data = imp;
	return imp ? 0 : -ENOMEM;
}

static int imp_release(struct inode *inode, struct file *file)
{
	struct imp *imp = file->private_data;

	imp_release_all(imp);
	kfree(imp);
	return 0;
}

static const struct file_operations imp_fops = {
	.owner = THIS_MODULE,
	.open = imp_open,
	.release = imp_release,
	.read = imp_read,
	.write = imp_write,
	.llseek = default_llseek,
};

static int __init imp_init(void)
{
	int ret;

	imp_pdev = platform_device_register_simple("udmabuf-test-importer",
						   -1, NULL, 0);
	if (IS_ERR(imp_pdev))
		return PTR_ERR(imp_pdev);
	ret = dma_coerce_mask_and_coherent(&imp_pdev->dev, DMA_BIT_MASK(64));
	if (ret) {
		platform_device_unregister(imp_pdev);
		return ret;
	}
	imp_dir = debugfs_create_dir("udmabuf-test-importer", NULL);
	debugfs_create_file("ctl", 0600, imp_dir, NULL, &imp_fops);
	return 0;
}

static void __exit imp_exit(void)
{
	debugfs_remove_recursive(imp_dir);
	platform_device_unregister(imp_pdev);
}

module_init(imp_init);
module_exit(imp_exit);
MODULE_DESCRIPTION("u-dma-buf test dma-buf importer (test guests only)");
MODULE_LICENSE("GPL");
