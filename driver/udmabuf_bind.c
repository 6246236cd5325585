// SPDX-License-Identifier: GPL-2.0
/*
 * u-dma-buf: buffers bound to a parent device (design.md "Bound buffers").
 *
 * "[bus/]device" (module parameters bind and udmabufN_bind, the manager's
 * bind=, bus= and device=) names the device a buffer is allocated for: its
 * DMA address, mask, offsets and coherency are that device's.  The parent
 * must have a driver, because the DMA setup of a device (the IOMMU domain,
 * dma-ranges, coherency) is made when a driver binds.  When that driver
 * unbinds or the device goes away, the buffers bound to it are deleted
 * while its DMA setup still exists (udmabuf_device_parent_gone()).
 */
#include <linux/amba/bus.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/string.h>

#include "udmabuf.h"
#include "udmabuf_compat.h"

/* the buses a parent may be on; "platform" when none is named */
static UDMABUF_BUS_CONST struct bus_type *const udmabuf_buses[] = {
	&platform_bus_type,
#ifdef CONFIG_PCI
	&pci_bus_type,
#endif
#ifdef CONFIG_ARM_AMBA
	&amba_bustype,
#endif
};

static UDMABUF_BUS_CONST struct bus_type *udmabuf_find_bus(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(udmabuf_buses); i++)
		if (strlen(udmabuf_buses[i]->name) == len &&
		    !strncmp(udmabuf_buses[i]->name, name, len))
			return udmabuf_buses[i];
	return NULL;
}

static void udmabuf_log_buses(struct device *log_dev, const char *what)
{
	char names[64] = "";
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(udmabuf_buses); i++)
		n += scnprintf(names + n, sizeof(names) - n, "%s%s",
			       i ? ", " : "", udmabuf_buses[i]->name);
	udmabuf_log_err(log_dev, "bind: unknown bus \"%s\" (known: %s)\n",
			what, names);
}

/*
 * The parent device bus_name/dev_name (bus_name NULL or "": platform),
 * with a reference, after checking that it can be a parent: it exists, it
 * can do DMA and a driver has set its DMA up.  -EINVAL for an unknown bus
 * or an empty name, -ENODEV for a device that is not there or cannot be
 * used, each with a log line naming it.
 */
struct device *udmabuf_bind_find(const char *bus_name, const char *dev_name,
				 struct device *log_dev)
{
	UDMABUF_BUS_CONST struct bus_type *bus = &platform_bus_type;
	struct device *dev;

	if (bus_name && *bus_name) {
		bus = udmabuf_find_bus(bus_name, strlen(bus_name));
		if (!bus) {
			udmabuf_log_buses(log_dev, bus_name);
			return ERR_PTR(-EINVAL);
		}
	}
	if (!dev_name || !*dev_name) {
		udmabuf_log_err(log_dev, "bind: no device named on bus %s\n",
				bus->name);
		return ERR_PTR(-EINVAL);
	}
	dev = bus_find_device_by_name(bus, NULL, dev_name);
	if (!dev) {
		udmabuf_log_err(log_dev, "bind: no device %s on bus %s\n",
				dev_name, bus->name);
		return ERR_PTR(-ENODEV);
	}
	return dev;
}

/* "[bus/]device": the same, from one string */
struct device *udmabuf_bind_parse(const char *spec, struct device *log_dev)
{
	const char *slash = strchr(spec, '/');
	char bus_name[32];

	if (!slash)
		return udmabuf_bind_find(NULL, spec, log_dev);
	if (slash == spec || slash - spec >= sizeof(bus_name)) {
		udmabuf_log_err(log_dev, "bind: \"%s\" is not [bus/]device\n",
				spec);
		return ERR_PTR(-EINVAL);
	}
	memcpy(bus_name, spec, slash - spec);
	bus_name[slash - spec] = '\0';
	return udmabuf_bind_find(bus_name, slash + 1, log_dev);
}

/*
 * Can buffers be allocated for dev now?  Called with the device lock held,
 * so that the answer holds until the buffer is on the list: a driver
 * unbinding later finds it there (udmabuf_bind_notify()).
 */
int udmabuf_bind_usable(struct device *dev, struct device *log_dev)
{
	if (!dev->driver) {
		udmabuf_log_err(log_dev,
				"bind: %s has no driver; its DMA setup (IOMMU, address offsets, coherency) is made when a driver binds: bind one first (e.g. uio_pci_generic)\n",
				dev_name(dev));
		return -ENODEV;
	}
	if (!dev->dma_mask || !*dev->dma_mask) {
		udmabuf_log_err(log_dev, "bind: %s cannot do DMA (no DMA mask)\n",
				dev_name(dev));
		return -ENODEV;
	}
	return 0;
}

/*
 * A parent's driver unbinds (called before its remove(), with the device
 * lock held) or the parent is deleted (before its driver is unbound): the
 * DMA setup still exists either way.
 */
static int udmabuf_bind_notify(struct notifier_block *nb,
			       unsigned long action, void *data)
{
	if (action == BUS_NOTIFY_UNBIND_DRIVER ||
	    action == BUS_NOTIFY_DEL_DEVICE)
		udmabuf_device_parent_gone(data);
	return NOTIFY_DONE;
}

static struct notifier_block udmabuf_bind_nb[ARRAY_SIZE(udmabuf_buses)];

int udmabuf_bind_init(void)
{
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(udmabuf_buses); i++) {
		udmabuf_bind_nb[i].notifier_call = udmabuf_bind_notify;
		ret = bus_register_notifier(udmabuf_buses[i],
					    &udmabuf_bind_nb[i]);
		if (ret) {
			while (i--)
				bus_unregister_notifier(udmabuf_buses[i],
							&udmabuf_bind_nb[i]);
			return ret;
		}
	}
	return 0;
}

void udmabuf_bind_exit(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(udmabuf_buses); i++)
		bus_unregister_notifier(udmabuf_buses[i], &udmabuf_bind_nb[i]);
}
