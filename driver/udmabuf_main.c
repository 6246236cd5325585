// SPDX-License-Identifier: GPL-2.0
/*
 * u-dma-buf: user space mappable DMA buffers.
 *
 * Module load/unload, module parameters, the list of buffers, minor numbers
 * and the one path every buffer is created and deleted through.
 */
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/u-dma-buf.h>

#include "udmabuf.h"
#include "udmabuf_compat.h"

/* ------------------------------------------------------------ parameters */

int udmabuf_info_enable = 1;
module_param_named(info_enable, udmabuf_info_enable, int, 0444);
MODULE_PARM_DESC(info_enable, "print buffer information at create/delete (default 1)");

static int udmabuf_dma_mask_bit_param = 32;
module_param_named(dma_mask_bit, udmabuf_dma_mask_bit_param, int, 0444);
MODULE_PARM_DESC(dma_mask_bit, "DMA mask bits of parameter and manager buffers, 12..64 (default 32)");

static int udmabuf_mmap_mode_param = U_DMA_BUF_MMAP_MODE_AUTO;
module_param_named(quirk_mmap_mode, udmabuf_mmap_mode_param, int, 0444);
MODULE_PARM_DESC(quirk_mmap_mode, "1:off 2:on 3:auto 4:page (default 3); every mapping is page-backed");

unsigned int udmabuf_default_dma_mask_bit = 32;
unsigned int udmabuf_default_mmap_mode = U_DMA_BUF_MMAP_MODE_AUTO;

static u64 udmabuf_param_sizes[UDMABUF_PARAM_DEVICES];

static int udmabuf_param_size_set(const char *val,
				  const struct kernel_param *kp)
{
	return udmabuf_parse_size(val, kp->arg);
}

static int udmabuf_param_size_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%llu\n", *(u64 *)kp->arg);
}

static const struct kernel_param_ops udmabuf_param_size_ops = {
	.set = udmabuf_param_size_set,
	.get = udmabuf_param_size_get,
};

#define UDMABUF_SIZE_PARAM(n)						\
	module_param_cb(udmabuf##n, &udmabuf_param_size_ops,		\
			&udmabuf_param_sizes[n], 0444);			\
	MODULE_PARM_DESC(udmabuf##n, "size of /dev/udmabuf" #n		\
			 " in bytes (decimal, 0x hex, K/M/G suffix)")

UDMABUF_SIZE_PARAM(0);
UDMABUF_SIZE_PARAM(1);
UDMABUF_SIZE_PARAM(2);
UDMABUF_SIZE_PARAM(3);
UDMABUF_SIZE_PARAM(4);
UDMABUF_SIZE_PARAM(5);
UDMABUF_SIZE_PARAM(6);
UDMABUF_SIZE_PARAM(7);

/* A4: the parent device of parameter buffers, "[bus/]device" */
static char *udmabuf_bind_param;
module_param_named(bind, udmabuf_bind_param, charp, 0444);
MODULE_PARM_DESC(bind, "parent device of every parameter buffer, [bus/]device (e.g. pci/0000:00:04.0; bus platform when none is named)");

static char *udmabuf_param_binds[UDMABUF_PARAM_DEVICES];

#define UDMABUF_BIND_PARAM(n)						\
	module_param_named(udmabuf##n##_bind, udmabuf_param_binds[n],	\
			   charp, 0444);				\
	MODULE_PARM_DESC(udmabuf##n##_bind, "parent device of /dev/udmabuf" \
			 #n ", [bus/]device (default: bind)")

UDMABUF_BIND_PARAM(0);
UDMABUF_BIND_PARAM(1);
UDMABUF_BIND_PARAM(2);
UDMABUF_BIND_PARAM(3);
UDMABUF_BIND_PARAM(4);
UDMABUF_BIND_PARAM(5);
UDMABUF_BIND_PARAM(6);
UDMABUF_BIND_PARAM(7);

/* ------------------------------------------------------- devices, minors */

/*
 * /dev/<name> belongs to whoever created the buffer, with the mode asked
 * for (0600 by default): a user allowed to use the manager can use the
 * buffers it makes, and nobody else's (design.md "Owners").
 */
static char *udmabuf_devnode(UDMABUF_DEV_CONST struct device *dev,
			     umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	const struct udmabuf_device *udev =
		container_of(dev, struct udmabuf_device, dev);

	if (mode)
		*mode = udev->mode ? udev->mode : 0600;
	if (uid)
		*uid = udev->uid;
	if (gid)
		*gid = udev->gid;
	return NULL;
}

static const struct device_type udmabuf_device_type = {
	.name = "u-dma-buf",
	.devnode = udmabuf_devnode,
};

/* the sysfs attributes belong to the same user: syncs, settings */
static void udmabuf_get_ownership(UDMABUF_DEV_CONST struct device *dev,
				  kuid_t *uid, kgid_t *gid)
{
	const struct udmabuf_device *udev =
		container_of(dev, struct udmabuf_device, dev);

	*uid = udev->uid;
	*gid = udev->gid;
}

static struct class udmabuf_class = {
	.name = UDMABUF_DRIVER_NAME,
	.dev_groups = udmabuf_groups,
	.get_ownership = udmabuf_get_ownership,
};

static dev_t udmabuf_devt;
static DEFINE_IDA(udmabuf_minor_ida);
static DEFINE_MUTEX(udmabuf_list_lock);
static LIST_HEAD(udmabuf_devices);

/* minors named by device-tree nodes: automatic numbering avoids them */
static DECLARE_BITMAP(udmabuf_claimed_minors, UDMABUF_MINORS);

void udmabuf_claim_minor(int minor)
{
	if (minor >= 0 && minor < UDMABUF_MINORS)
		set_bit(minor, udmabuf_claimed_minors);
}

/*
 * An explicit minor, or the lowest one that is free and not claimed by a
 * device-tree node (which may probe later), or at last any free one.
 */
static int udmabuf_reserve_minor(int minor)
{
	int m;

	if (minor >= 0)
		return ida_alloc_range(&udmabuf_minor_ida, minor, minor,
				       GFP_KERNEL);
	for_each_clear_bit(m, udmabuf_claimed_minors, UDMABUF_MINORS) {
		int ret = ida_alloc_range(&udmabuf_minor_ida, m, m, GFP_KERNEL);

		if (ret != -ENOSPC)
			return ret;
	}
	return ida_alloc_range(&udmabuf_minor_ida, 0, UDMABUF_MINORS - 1,
			       GFP_KERNEL);
}

static void udmabuf_release_minor(int minor)
{
	ida_free(&udmabuf_minor_ida, minor);
}

/*
 * The live buffer that matches every key given: its class device (a pointer
 * only compared, never followed), its name, its minor number (>= 0).
 */
static struct udmabuf_device *udmabuf_find_locked(const struct device *dev,
						  const char *name, int minor)
{
	struct udmabuf_device *udev;

	list_for_each_entry(udev, &udmabuf_devices, list) {
		if (dev && dev != &udev->dev)
			continue;
		if (name && strcmp(dev_name(&udev->dev), name))
			continue;
		if (minor >= 0 && MINOR(udev->dev.devt) != minor)
			continue;
		return udev;
	}
	return NULL;
}

/* the same, with a reference for the caller (put_device()), or NULL */
struct udmabuf_device *udmabuf_device_get(const struct device *dev,
					  const char *name, int minor)
{
	struct udmabuf_device *udev;

	mutex_lock(&udmabuf_list_lock);
	udev = udmabuf_find_locked(dev, name, minor);
	if (udev)
		get_device(&udev->dev);
	mutex_unlock(&udmabuf_list_lock);
	return udev;
}

/* the memory goes when the last file, mapping or export lets go */
static void udmabuf_device_release(struct device *dev)
{
	struct udmabuf_device *udev = to_udmabuf_device(dev);

	udmabuf_buffer_free(&udev->buf, dev);
	put_device(udev->parent);
	kfree(udev);
}

static void udmabuf_device_info(struct udmabuf_device *udev)
{
	struct device *dev = &udev->dev;

	if (!udmabuf_info_enable)
		return;
	dev_info(dev, "driver version = %s\n", UDMABUF_DRIVER_VERSION);
	dev_info(dev, "major number   = %d\n", MAJOR(dev->devt));
	dev_info(dev, "minor number   = %d\n", MINOR(dev->devt));
	dev_info(dev, "phys address   = %pad\n", &udev->buf.dma_addr);
	dev_info(dev, "buffer size    = %llu\n", udev->buf.size);
	dev_info(dev, "dma device     = %s\n", dev_name(udev->buf.dma_dev));
	dev_info(dev, "dma coherent   = %d\n", udev->buf.coherent);
	dev_info(dev, "memory source  = %s\n",
		 udmabuf_buffer_source_name(&udev->buf));
	dev_info(dev, "driver installed\n");
}

/* DMA mask and coherency of the device the buffer is allocated for */
static int udmabuf_setup_dma_dev(struct udmabuf_device *udev,
				 struct device *dma_dev,
				 const struct udmabuf_config *cfg,
				 struct device *log_dev)
{
	unsigned int bits = cfg->dma_mask_bit;

	/* the class device allocates CMA and pool memory: give it a mask */
	udev->dev.dma_mask = &udev->dma_mask;
	if (dma_dev == &udev->dev && !bits)
		bits = udmabuf_default_dma_mask_bit;
	/* a bound parent's mask belongs to its driver: used, never changed */
	if (dma_dev != &udev->dev && cfg->origin == UDMABUF_ORIGIN_USER) {
		if (bits)
			dev_notice(log_dev,
				   "%s: dma-mask=%u ignored: the buffer uses the DMA mask of %s (0x%llx), which its driver sets\n",
				   cfg->name, bits, dev_name(dma_dev),
				   dma_get_mask(dma_dev));
		bits = 0;
	}
	/*
	 * Coherency first: since 6.10 dma_set_mask() decides from it whether
	 * syncs of this device can be skipped altogether.
	 */
	if (cfg->dma_coherent >= 0) {
#ifdef UDMABUF_HAS_DEV_DMA_COHERENT
		if (dma_dev != &udev->dev) {
			dev_err(log_dev,
				"%s: dma-coherent is a property of the parent device here\n",
				cfg->name);
			return -EINVAL;
		}
		udmabuf_set_dma_coherent(dma_dev, cfg->dma_coherent);
#else
		if (!cfg->dma_coherent) {
			dev_err(log_dev,
				"%s: DMA is always cache-coherent on this architecture; dma-coherent=0 is not possible\n",
				cfg->name);
			return -EINVAL;
		}
#endif
	}
	if (bits && dma_set_mask_and_coherent(dma_dev, DMA_BIT_MASK(bits))) {
		dev_err(log_dev, "%s: a %u-bit DMA mask is not supported here\n",
			cfg->name, bits);
		return -EINVAL;
	}
	if (dma_dev != &udev->dev) {
		udev->dma_mask = dma_get_mask(dma_dev);
		udev->dev.coherent_dma_mask = dma_dev->coherent_dma_mask;
		udev->dev.bus_dma_limit = dma_dev->bus_dma_limit;
	}
	return 0;
}

/*
 * The one creation path, in two steps: parameters, the manager and the
 * platform driver all go through udmabuf_device_prepare() and
 * udmabuf_device_add() (the latter two through udmabuf_device_create()).
 *
 * prepare: checks, name, minor, DMA setup and memory.  The buffer is on the
 * list (its name and minor are taken) but has no node and no sysfs
 * directory yet, so nobody can reach it.  The module parameters prepare all
 * their buffers before the first one is added: a load that fails must not
 * have shown a node that someone could open (an open file would outlive
 * the module it points into).
 *
 * parent is the device the DMA API works for (a platform or PCI device), or
 * NULL to use the buffer's own class device.  On failure nothing is left
 * behind: no name, no minor, no memory.
 */
static struct udmabuf_device *
udmabuf_device_prepare(const struct udmabuf_config *cfg, struct device *parent,
		       struct device *log_dev)
{
	struct udmabuf_device *udev;
	struct device *dma_dev;
	int minor, ret;

	ret = udmabuf_config_check(cfg, log_dev);
	if (ret)
		return ERR_PTR(ret);

	udev = kzalloc(sizeof(*udev), GFP_KERNEL);
	if (!udev)
		return ERR_PTR(-ENOMEM);
	mutex_init(&udev->lock);
	INIT_LIST_HEAD(&udev->list);
	device_initialize(&udev->dev);
	udev->dev.class = &udmabuf_class;
	udev->dev.type = &udmabuf_device_type;
	udev->dev.parent = parent;
	udev->uid = current_fsuid();
	udev->gid = current_fsgid();
	udev->mode = cfg->mode;
	udev->owner_file = cfg->owner_file;
	udev->dev.release = udmabuf_device_release;
	udev->parent = get_device(parent);
	udev->origin = cfg->origin;
	udev->mmap_mode = cfg->mmap_mode;
	udev->sync.mode = cfg->sync_mode;
	udev->sync.always = cfg->sync_always;
	udev->sync.offset = cfg->sync_offset;
	udev->sync.size = cfg->sync_size ? cfg->sync_size :
			  cfg->size - cfg->sync_offset;
	udev->sync.direction = cfg->sync_direction;
	ret = dev_set_name(&udev->dev, "%s", cfg->name);
	if (ret)
		goto err_put;
	if (!log_dev)
		log_dev = &udev->dev;

	mutex_lock(&udmabuf_list_lock);
	if (udmabuf_find_locked(NULL, cfg->name, -1)) {
		dev_err(log_dev, "%s: a buffer of that name exists already\n",
			cfg->name);
		ret = -EEXIST;
		goto err_unlock;
	}
	minor = udmabuf_reserve_minor(cfg->minor);
	if (minor < 0) {
		if (cfg->minor >= 0)
			dev_err(log_dev,
				"%s: minor number %d is already in use\n",
				cfg->name, cfg->minor);
		else
			dev_err(log_dev, "%s: all %d minor numbers are in use\n",
				cfg->name, UDMABUF_MINORS);
		ret = -EBUSY;
		goto err_unlock;
	}
	udev->dev.devt = MKDEV(MAJOR(udmabuf_devt), minor);

	dma_dev = parent ? parent : &udev->dev;
	ret = udmabuf_setup_dma_dev(udev, dma_dev, cfg, log_dev);
	if (ret)
		goto err_minor;
	ret = udmabuf_buffer_alloc(&udev->buf, &udev->dev, dma_dev, cfg,
				   log_dev);
	if (ret)
		goto err_minor;
	list_add_tail(&udev->list, &udmabuf_devices);
	mutex_unlock(&udmabuf_list_lock);
	return udev;

err_minor:
	udmabuf_release_minor(minor);
err_unlock:
	mutex_unlock(&udmabuf_list_lock);
err_put:
	put_device(&udev->dev);
	return ERR_PTR(ret);
}

/*
 * A buffer leaves the list: its name and minor are free at once.  If it was
 * added, its node and sysfs directory go too ("driver uninstalled" if it
 * could be opened).  The memory goes with the last reference.
 * A buffer allocated for a parent device ends its DMA mapping for that
 * device now, while the device still exists (it may go right after); the
 * memory lives on in files and mappings as CPU memory.
 */
static void udmabuf_device_delete_locked(struct udmabuf_device *udev)
{
	int minor = MINOR(udev->dev.devt);
	bool announced = udev->registered;

	if (udev->parent)
		udmabuf_buffer_detach(&udev->buf);
	list_del_init(&udev->list);
	WRITE_ONCE(udev->registered, false);
	if (device_is_registered(&udev->dev))
		cdev_device_del(&udev->cdev, &udev->dev);
	udmabuf_release_minor(minor);
	if (announced && udmabuf_info_enable)
		dev_info(&udev->dev, "driver uninstalled\n");
	put_device(&udev->dev);
}

/*
 * add: the node and the sysfs directory of a prepared buffer appear.  With
 * open_now it can be opened at once; otherwise opens fail with ENODEV until
 * the caller sets udev->registered.  On failure the buffer is gone.
 */
static int udmabuf_device_add(struct udmabuf_device *udev, bool open_now,
			      struct device *log_dev)
{
	int ret;

	cdev_init(&udev->cdev, &udmabuf_fops);
	udev->cdev.owner = THIS_MODULE;
	mutex_lock(&udmabuf_list_lock);
	if (list_empty(&udev->list)) {
		/* its parent went away since prepare (parent_gone) */
		mutex_unlock(&udmabuf_list_lock);
		dev_err(log_dev ? log_dev : &udev->dev,
			"%s: its parent device went away\n",
			dev_name(&udev->dev));
		return -ENODEV;
	}
	/* before the node appears: an opener may be faster than we are */
	WRITE_ONCE(udev->registered, open_now);
	ret = cdev_device_add(&udev->cdev, &udev->dev);
	if (ret) {
		WRITE_ONCE(udev->registered, false);
		dev_err(log_dev ? log_dev : &udev->dev,
			"%s: cannot add the device (%d)\n",
			dev_name(&udev->dev), ret);
		udmabuf_device_delete_locked(udev);
	}
	mutex_unlock(&udmabuf_list_lock);
	return ret;
}

/*
 * prepare for a parent named by bind (A4), with a reference for the
 * caller.  Under the parent's device lock: its driver cannot unbind
 * between the check and the buffer's arrival on the list, where
 * udmabuf_device_parent_gone() finds it.
 */
static struct udmabuf_device *
udmabuf_device_prepare_bound(const struct udmabuf_config *cfg,
			     struct device *parent, struct device *log_dev)
{
	struct udmabuf_device *udev;
	int ret;

	device_lock(parent);
	ret = udmabuf_bind_usable(parent, log_dev);
	udev = ret ? ERR_PTR(ret) : udmabuf_device_prepare(cfg, parent, log_dev);
	if (!IS_ERR(udev))
		get_device(&udev->dev);
	device_unlock(parent);
	return udev;
}

struct udmabuf_device *udmabuf_device_create(const struct udmabuf_config *cfg,
					     struct device *parent,
					     struct device *log_dev)
{
	struct udmabuf_device *udev;
	int ret;

	udev = udmabuf_device_prepare(cfg, parent, log_dev);
	if (IS_ERR(udev))
		return udev;
	ret = udmabuf_device_add(udev, true, log_dev);
	if (ret)
		return ERR_PTR(ret);
	udmabuf_device_info(udev);
	return udev;
}

/* a parameter or manager buffer for parent (A4); 0 or an error */
int udmabuf_device_create_bound(const struct udmabuf_config *cfg,
				struct device *parent, struct device *log_dev)
{
	struct udmabuf_device *udev;
	int ret;

	udev = udmabuf_device_prepare_bound(cfg, parent, log_dev);
	if (IS_ERR(udev))
		return PTR_ERR(udev);
	ret = udmabuf_device_add(udev, true, log_dev);
	if (!ret)
		udmabuf_device_info(udev);
	put_device(&udev->dev);
	return ret;
}

/*
 * The parent's driver unbinds or the parent is deleted (udmabuf_bind.c):
 * the parameter and manager buffers bound to it are deleted now, their DMA
 * mappings ended while the parent's DMA setup exists.  Files, mappings and
 * dma-bufs keep the memory as CPU memory; syncs fail with ENODEV.
 * Device-tree buffers go with our own platform driver's remove(), in-kernel
 * API buffers with u_dma_buf_device_remove() from the parent's driver.
 */
void udmabuf_device_parent_gone(struct device *parent)
{
	struct udmabuf_device *udev, *tmp;

	mutex_lock(&udmabuf_list_lock);
	list_for_each_entry_safe(udev, tmp, &udmabuf_devices, list) {
		if (udev->parent != parent || udev->origin != UDMABUF_ORIGIN_USER)
			continue;
		dev_warn(&udev->dev, "parent device %s is going away: buffer deleted\n",
			 dev_name(parent));
		udmabuf_device_delete_locked(udev);
	}
	mutex_unlock(&udmabuf_list_lock);
}

/* the name, node, sysfs directory and minor go now; the memory later */
void udmabuf_device_delete(struct udmabuf_device *udev)
{
	mutex_lock(&udmabuf_list_lock);
	udmabuf_device_delete_locked(udev);
	mutex_unlock(&udmabuf_list_lock);
}

static const char *const udmabuf_origin_owner[] = {
	[UDMABUF_ORIGIN_USER] =
		"was created by a module parameter or /dev/u-dma-buf-mgr; delete it there",
	[UDMABUF_ORIGIN_DT] =
		"belongs to a device-tree node; unbind its platform device instead",
	[UDMABUF_ORIGIN_KAPI] =
		"was created by a kernel module; only u_dma_buf_device_remove() deletes it",
};

/*
 * Delete the buffer named name, or whose class device is dev, if it was
 * made the way origin says: -ENOENT if there is none, -EPERM (and a line
 * on log_dev) if it belongs to another creator, or (manager) to another
 * user and the caller is not an administrator.
 */
int udmabuf_device_delete_owned(const struct device *dev, const char *name,
				enum udmabuf_origin origin,
				struct device *log_dev)
{
	struct udmabuf_device *udev;
	int ret = 0;

	mutex_lock(&udmabuf_list_lock);
	udev = udmabuf_find_locked(dev, name, -1);
	if (!udev || !device_is_registered(&udev->dev)) {
		ret = -ENOENT;	/* (or not there yet: still being created) */
	} else if (udev->origin != origin) {
		udmabuf_log_err(log_dev, "delete: %s %s\n",
				dev_name(&udev->dev),
				udmabuf_origin_owner[udev->origin]);
		ret = -EPERM;
	} else if (origin == UDMABUF_ORIGIN_USER &&
		   !uid_eq(udev->uid, current_fsuid()) &&
		   !capable(CAP_SYS_ADMIN)) {
		udmabuf_log_err(log_dev,
				"delete: %s belongs to uid %u; only its creator or root may delete it\n",
				dev_name(&udev->dev),
				from_kuid(&init_user_ns, udev->uid));
		ret = -EPERM;
	} else {
		udmabuf_device_delete_locked(udev);
	}
	mutex_unlock(&udmabuf_list_lock);
	return ret;
}

/*
 * The manager file that made auto-delete buffers is closed (its process
 * may have died): they are deleted.  Their memory lives on in files,
 * mappings and exports, as after any delete.
 */
void udmabuf_device_file_closed(const struct file *file)
{
	struct udmabuf_device *udev, *tmp;

	mutex_lock(&udmabuf_list_lock);
	list_for_each_entry_safe(udev, tmp, &udmabuf_devices, list)
		if (udev->owner_file == file)
			udmabuf_device_delete_locked(udev);
	mutex_unlock(&udmabuf_list_lock);
}

/* "<name> <size> <phys_addr>\n" per buffer, for reading the manager */
void udmabuf_device_list(struct seq_file *m)
{
	struct udmabuf_device *udev;

	mutex_lock(&udmabuf_list_lock);
	list_for_each_entry(udev, &udmabuf_devices, list)
		if (device_is_registered(&udev->dev))
			seq_printf(m, "%s %llu %pad\n", dev_name(&udev->dev),
				   udev->buf.size, &udev->buf.dma_addr);
	mutex_unlock(&udmabuf_list_lock);
}

static void udmabuf_delete_all(void)
{
	struct udmabuf_device *udev, *tmp;

	mutex_lock(&udmabuf_list_lock);
	list_for_each_entry_safe_reverse(udev, tmp, &udmabuf_devices, list)
		udmabuf_device_delete_locked(udev);
	mutex_unlock(&udmabuf_list_lock);
}

/* ------------------------------------------------------------ load/unload */

static int __init
udmabuf_prepare_param_device(int i, struct udmabuf_device **udevp)
{
	const char *bind = udmabuf_param_binds[i] ? udmabuf_param_binds[i] :
			   udmabuf_bind_param;
	struct udmabuf_device *udev;
	struct udmabuf_config cfg;
	struct device *parent;

	udmabuf_config_init(&cfg);
	snprintf(cfg.name, sizeof(cfg.name), "udmabuf%d", i);
	cfg.size = udmabuf_param_sizes[i];
	cfg.minor = i;
	if (bind && *bind) {
		parent = udmabuf_bind_parse(bind, NULL);
		if (IS_ERR(parent)) {
			udev = ERR_CAST(parent);
		} else {
			udev = udmabuf_device_prepare_bound(&cfg, parent, NULL);
			put_device(parent);
		}
	} else {
		udev = udmabuf_device_prepare(&cfg, NULL, NULL);
		if (!IS_ERR(udev))
			get_device(&udev->dev);
	}
	if (IS_ERR(udev)) {
		pr_err(UDMABUF_DRIVER_NAME ": udmabuf%d=%llu%s%s: cannot create the buffer (%ld)\n",
		       i, udmabuf_param_sizes[i], bind ? " bind=" : "",
		       bind ? bind : "", PTR_ERR(udev));
		return PTR_ERR(udev);
	}
	*udevp = udev;
	return 0;
}

/*
 * Every parameter buffer is allocated before the first node appears, and
 * none can be opened before all of them are there: if the load fails, no
 * file can have been opened on a buffer of the module that goes away.  What
 * was prepared or added so far is removed by the caller (delete_all).  A
 * reference to each keeps it in memory should its parent go away meanwhile.
 */
static int __init udmabuf_create_param_devices(void)
{
	struct udmabuf_device *udevs[UDMABUF_PARAM_DEVICES] = {};
	int i, ret = 0;

	for (i = 0; i < UDMABUF_PARAM_DEVICES && !ret; i++)
		if (udmabuf_param_sizes[i])
			ret = udmabuf_prepare_param_device(i, &udevs[i]);
	for (i = 0; i < UDMABUF_PARAM_DEVICES && !ret; i++)
		if (udevs[i])
			ret = udmabuf_device_add(udevs[i], false, NULL);
	for (i = 0; i < UDMABUF_PARAM_DEVICES; i++) {
		if (!udevs[i])
			continue;
		if (!ret) {
			WRITE_ONCE(udevs[i]->registered, true);
			udmabuf_device_info(udevs[i]);
		}
		put_device(&udevs[i]->dev);
	}
	return ret;
}

static int __init udmabuf_check_params(void)
{
	if (udmabuf_dma_mask_bit_param < 12 || udmabuf_dma_mask_bit_param > 64) {
		pr_err(UDMABUF_DRIVER_NAME ": dma_mask_bit=%d is out of range (12..64)\n",
		       udmabuf_dma_mask_bit_param);
		return -EINVAL;
	}
	if (udmabuf_mmap_mode_param < U_DMA_BUF_MMAP_MODE_OFF ||
	    udmabuf_mmap_mode_param > U_DMA_BUF_MMAP_MODE_PAGE) {
		pr_err(UDMABUF_DRIVER_NAME ": quirk_mmap_mode=%d is out of range (1..4)\n",
		       udmabuf_mmap_mode_param);
		return -EINVAL;
	}
	udmabuf_default_dma_mask_bit = udmabuf_dma_mask_bit_param;
	udmabuf_default_mmap_mode = udmabuf_mmap_mode_param;
	return 0;
}

static int __init udmabuf_init(void)
{
	int ret;

	ret = udmabuf_check_params();
	if (ret)
		return ret;
	ret = alloc_chrdev_region(&udmabuf_devt, 0, UDMABUF_MINORS,
				  UDMABUF_DRIVER_NAME);
	if (ret)
		return ret;
	ret = class_register(&udmabuf_class);
	if (ret)
		goto err_region;
	ret = udmabuf_bind_init();
	if (ret)
		goto err_class;
	ret = udmabuf_create_param_devices();
	if (ret)
		goto err_devices;
	ret = udmabuf_mgr_init();
	if (ret)
		goto err_devices;
	ret = udmabuf_platform_init();
	if (ret)
		goto err_mgr;
	return 0;

err_mgr:
	udmabuf_mgr_exit();
err_devices:
	udmabuf_delete_all();
	udmabuf_bind_exit();
err_class:
	class_unregister(&udmabuf_class);
err_region:
	unregister_chrdev_region(udmabuf_devt, UDMABUF_MINORS);
	return ret;
}

static void __exit udmabuf_exit(void)
{
	udmabuf_platform_exit();
	udmabuf_mgr_exit();
	udmabuf_delete_all();
	udmabuf_bind_exit();
	class_unregister(&udmabuf_class);
	unregister_chrdev_region(udmabuf_devt, UDMABUF_MINORS);
	ida_destroy(&udmabuf_minor_ida);
}

module_init(udmabuf_init);
module_exit(udmabuf_exit);

MODULE_DESCRIPTION("u-dma-buf: user space mappable DMA buffers");
MODULE_LICENSE("GPL");
MODULE_VERSION(UDMABUF_DRIVER_VERSION);
