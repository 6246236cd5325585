// SPDX-License-Identifier: GPL-2.0
/*
 * u-dma-buf: /sys/class/u-dma-buf/<name>/ attributes (design.md "sysfs").
 * The modes are the established driver's: the writable ones 0664 (readable,
 * so that programs opening them O_RDWR work), the others 0444.  Numbers are
 * written in decimal or 0x hex; a value out of range is refused with
 * -EINVAL, logged, and changes nothing.
 */
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/sysfs.h>
#include <linux/u-dma-buf.h>

#include "udmabuf.h"

static ssize_t phys_addr_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%pad\n", &to_udmabuf_device(dev)->buf.dma_addr);
}
static DEVICE_ATTR_RO(phys_addr);

/* the CPU's address of the buffer: not for devices (A4, design.md) */
static ssize_t cpu_phys_addr_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%pa\n", &to_udmabuf_device(dev)->buf.phys);
}
static DEVICE_ATTR_RO(cpu_phys_addr);

static ssize_t size_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_udmabuf_device(dev)->buf.size);
}
static DEVICE_ATTR_RO(size);

static ssize_t dma_coherent_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_udmabuf_device(dev)->buf.coherent);
}
static DEVICE_ATTR_RO(dma_coherent);

static ssize_t sync_owner_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  READ_ONCE(to_udmabuf_device(dev)->sync.owner_device));
}
static DEVICE_ATTR_RO(sync_owner);

static ssize_t quirk_mmap_mode_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_udmabuf_device(dev)->mmap_mode);
}
static DEVICE_ATTR_RO(quirk_mmap_mode);

/* the live dma-buf exports of the buffer (design.md "dma-buf export") */
static ssize_t export_count_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  atomic_read(&to_udmabuf_device(dev)->exports));
}
static DEVICE_ATTR_RO(export_count);

static ssize_t driver_version_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", UDMABUF_DRIVER_VERSION);
}
static DEVICE_ATTR_RO(driver_version);

static ssize_t ioctl_version_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", U_DMA_BUF_IOCTL_VERSION);
}
static DEVICE_ATTR_RO(ioctl_version);

/* the stored sync settings: read, and write with a range check each */
enum udmabuf_sync_attr { SYNC_MODE, SYNC_OFFSET, SYNC_SIZE, SYNC_DIRECTION };

static ssize_t udmabuf_sync_show(struct device *dev, char *buf,
				 enum udmabuf_sync_attr which)
{
	struct udmabuf_device *udev = to_udmabuf_device(dev);
	u64 val = 0;

	mutex_lock(&udev->lock);
	switch (which) {
	case SYNC_MODE:
		val = udev->sync.mode;
		break;
	case SYNC_DIRECTION:
		val = udev->sync.direction;
		break;
	case SYNC_OFFSET:
		val = udev->sync.offset;
		break;
	case SYNC_SIZE:
		val = udev->sync.size;
		break;
	}
	mutex_unlock(&udev->lock);
	return sysfs_emit(buf, "%llu\n", val);
}

static ssize_t udmabuf_sync_store(struct device *dev, const char *buf,
				  size_t count, enum udmabuf_sync_attr which,
				  const char *name)
{
	struct udmabuf_device *udev = to_udmabuf_device(dev);
	u64 bsize = udev->buf.size, min = 0, max, val;

	switch (which) {
	case SYNC_MODE:
		max = UDMABUF_SYNC_MODE_MAX;
		break;
	case SYNC_DIRECTION:
		max = UDMABUF_DIR_MAX;
		break;
	case SYNC_OFFSET:
		max = bsize - 1;
		break;
	default:
		min = 1;
		max = bsize;
		break;
	}
	if (kstrtou64(buf, 0, &val) || val < min || val > max) {
		dev_err_ratelimited(dev, "%s: \"%.*s\" is not a number in %llu..%llu\n",
				    name, (int)strcspn(buf, "\n"), buf, min, max);
		return -EINVAL;
	}
	mutex_lock(&udev->lock);
	switch (which) {
	case SYNC_MODE:
		udev->sync.mode = val;
		break;
	case SYNC_DIRECTION:
		udev->sync.direction = val;
		break;
	case SYNC_OFFSET:
		udev->sync.offset = val;
		break;
	case SYNC_SIZE:
		udev->sync.size = val;
		break;
	}
	mutex_unlock(&udev->lock);
	return count;
}

/* one show/store pair for the four settings, told apart by the attribute */
struct udmabuf_sync_attribute {
	struct device_attribute attr;
	enum udmabuf_sync_attr which;
};

static ssize_t udmabuf_sync_attr_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return udmabuf_sync_show(dev, buf,
		container_of(attr, struct udmabuf_sync_attribute, attr)->which);
}

static ssize_t udmabuf_sync_attr_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	return udmabuf_sync_store(dev, buf, count,
		container_of(attr, struct udmabuf_sync_attribute, attr)->which,
		attr->attr.name);
}

static struct udmabuf_sync_attribute dev_attr_sync_mode = {
	__ATTR(sync_mode, 0664, udmabuf_sync_attr_show, udmabuf_sync_attr_store),
	SYNC_MODE,
};

static struct udmabuf_sync_attribute dev_attr_sync_offset = {
	__ATTR(sync_offset, 0664, udmabuf_sync_attr_show,
	       udmabuf_sync_attr_store),
	SYNC_OFFSET,
};

static struct udmabuf_sync_attribute dev_attr_sync_size = {
	__ATTR(sync_size, 0664, udmabuf_sync_attr_show, udmabuf_sync_attr_store),
	SYNC_SIZE,
};

static struct udmabuf_sync_attribute dev_attr_sync_direction = {
	__ATTR(sync_direction, 0664, udmabuf_sync_attr_show,
	       udmabuf_sync_attr_store),
	SYNC_DIRECTION,
};

/*
 * sync_for_cpu / sync_for_device: 1 or the packed 64-bit argument.  A sync
 * runs during the write, so nothing is ever pending: a read shows 0 (what
 * the established driver shows once its pending command has run).
 */
static ssize_t udmabuf_sync_for_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0\n");
}

static ssize_t udmabuf_sync_for_store(struct device *dev, const char *buf,
				      size_t count, bool for_device)
{
	u64 arg;
	int ret;

	if (kstrtou64(buf, 0, &arg)) {
		dev_err_ratelimited(dev, "%s: \"%.*s\" is not a number\n",
				    for_device ? "sync_for_device" : "sync_for_cpu",
				    (int)strcspn(buf, "\n"), buf);
		return -EINVAL;
	}
	ret = udmabuf_sync_packed(to_udmabuf_device(dev), arg, for_device);
	return ret ? ret : count;
}

static ssize_t sync_for_cpu_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	return udmabuf_sync_for_store(dev, buf, count, false);
}

static struct device_attribute dev_attr_sync_for_cpu =
	__ATTR(sync_for_cpu, 0664, udmabuf_sync_for_show, sync_for_cpu_store);

static ssize_t sync_for_device_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	return udmabuf_sync_for_store(dev, buf, count, true);
}

static struct device_attribute dev_attr_sync_for_device =
	__ATTR(sync_for_device, 0664, udmabuf_sync_for_show,
	       sync_for_device_store);

static struct attribute *udmabuf_attrs[] = {
	&dev_attr_phys_addr.attr,
	&dev_attr_cpu_phys_addr.attr,
	&dev_attr_size.attr,
	&dev_attr_sync_mode.attr.attr,
	&dev_attr_sync_offset.attr.attr,
	&dev_attr_sync_size.attr.attr,
	&dev_attr_sync_direction.attr.attr,
	&dev_attr_sync_owner.attr,
	&dev_attr_sync_for_cpu.attr,
	&dev_attr_sync_for_device.attr,
	&dev_attr_dma_coherent.attr,
	&dev_attr_quirk_mmap_mode.attr,
	&dev_attr_driver_version.attr,
	&dev_attr_ioctl_version.attr,
	&dev_attr_export_count.attr,
	NULL,
};

static const struct attribute_group udmabuf_group = {
	.attrs = udmabuf_attrs,
};

const struct attribute_group *udmabuf_groups[] = {
	&udmabuf_group,
	NULL,
};
