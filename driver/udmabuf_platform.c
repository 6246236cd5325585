// SPDX-License-Identifier: GPL-2.0
/*
 * u-dma-buf: the platform driver.  A device-tree node
 * (compatible "ikwzm,u-dma-buf" or the legacy "ikwzm,udmabuf-0.10.a")
 * becomes a buffer allocated for that platform device, so the DMA API sees
 * the node's dma-coherent, dma-ranges and memory-region.
 */
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/platform_device.h>
#include <linux/u-dma-buf.h>

#include "udmabuf.h"
#include "udmabuf_compat.h"

/* a cell property of one or two cells (size, sync-offset, sync-size) */
static int udmabuf_of_read_u64(struct device_node *np, const char *prop,
			       u64 *val)
{
	u32 v32;
	int len;

	if (!of_get_property(np, prop, &len))
		return -ENOENT;
	if (len == sizeof(u64))
		return of_property_read_u64(np, prop, val);
	if (len != sizeof(u32))
		return -EINVAL;
	if (of_property_read_u32(np, prop, &v32))
		return -EINVAL;
	*val = v32;
	return 0;
}

static const char *const udmabuf_of_number_props[] = {
	"size", "minor-number", "sync-mode", "sync-offset", "sync-size",
	"sync-direction", "dma-mask",
};

static const char *const udmabuf_of_mmap_props[] = {
	[U_DMA_BUF_MMAP_MODE_OFF] = "quirk-mmap-off",
	[U_DMA_BUF_MMAP_MODE_ON] = "quirk-mmap-on",
	[U_DMA_BUF_MMAP_MODE_AUTO] = "quirk-mmap-auto",
	[U_DMA_BUF_MMAP_MODE_PAGE] = "quirk-mmap-page",
};

static int udmabuf_of_config(struct device *dev, struct udmabuf_config *cfg)
{
	struct device_node *np = dev->of_node;
	const char *name = NULL;
	unsigned int i;
	u64 val;
	int ret;

	udmabuf_config_init(cfg);
	for (i = 0; i < ARRAY_SIZE(udmabuf_of_number_props); i++) {
		ret = udmabuf_of_read_u64(np, udmabuf_of_number_props[i], &val);
		if (ret == -ENOENT)
			continue;
		if (ret) {
			dev_err(dev, "property %s must have one or two cells\n",
				udmabuf_of_number_props[i]);
			return -EINVAL;
		}
		ret = udmabuf_config_set_u64(cfg, udmabuf_of_number_props[i],
					     val, dev);
		if (ret)
			return ret;
	}
	if (!cfg->size) {
		dev_err(dev, "the size property is missing or 0\n");
		return -EINVAL;
	}
	if (of_property_read_bool(np, "sync-always"))
		cfg->sync_always = true;
	for (i = U_DMA_BUF_MMAP_MODE_OFF; i <= U_DMA_BUF_MMAP_MODE_PAGE; i++)
		if (of_property_read_bool(np, udmabuf_of_mmap_props[i]))
			cfg->mmap_mode = i;

	/* naming rule: device-name, else udmabuf<minor>, else node name */
	if (!of_property_read_string(np, "device-name", &name)) {
		if (strlen(name) > UDMABUF_NAME_MAX) {
			dev_err(dev, "device-name is longer than %d characters\n",
				UDMABUF_NAME_MAX);
			return -EINVAL;
		}
		strscpy(cfg->name, name, sizeof(cfg->name));
	} else if (cfg->minor >= 0) {
		snprintf(cfg->name, sizeof(cfg->name), "udmabuf%d", cfg->minor);
	} else {
		strscpy(cfg->name, kbasename(of_node_full_name(np)),
			sizeof(cfg->name));
	}
	return 0;
}

/*
 * memory-region: a reserved-memory "shared-dma-pool", reusable (a CMA area:
 * pages, cacheable), no-map (a coherent pool: no struct pages in the linear
 * map) or neither (RAM kept aside at boot: its pages are used as they are).
 * Checked here; the buffer object binds it to the buffer's class device.
 */
static int udmabuf_of_region(struct device *dev, struct device_node *region,
			     struct udmabuf_config *cfg)
{
	struct reserved_mem *rmem;

	if (!of_device_is_compatible(region, "shared-dma-pool")) {
		dev_err(dev,
			"%s: memory-region %pOF is not a \"shared-dma-pool\" reserved-memory node\n",
			cfg->name, region);
		return -EINVAL;
	}
	rmem = of_reserved_mem_lookup(region);
	if (!rmem) {
		dev_err(dev,
			"%s: memory-region %pOF was not reserved at boot (check its reg, size and alignment; 32-bit ARM keeps a shared-dma-pool only with no-map or reusable)\n",
			cfg->name, region);
		return -EINVAL;
	}
	if (cfg->size > rmem->size) {
		dev_err(dev,
			"%s: size %llu is larger than memory-region %pOF (%llu bytes)\n",
			cfg->name, cfg->size, region, (u64)rmem->size);
		return -EINVAL;
	}
	if (of_property_read_bool(region, "reusable"))
		cfg->region_kind = UDMABUF_REGION_CMA;
	else if (of_property_read_bool(region, "no-map"))
		cfg->region_kind = UDMABUF_REGION_POOL;
	else
		cfg->region_kind = UDMABUF_REGION_PLAIN;
	cfg->region_np = dev->of_node;
	snprintf(cfg->region_name, sizeof(cfg->region_name), "%pOFn",
		 region);
	cfg->region_base = rmem->base;
	cfg->region_size = rmem->size;
	return 0;
}

static int udmabuf_platform_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct udmabuf_device *udev;
	struct udmabuf_config cfg;
	struct device_node *region;
	int ret;

	ret = udmabuf_of_config(dev, &cfg);
	if (ret)
		return ret;
	cfg.origin = UDMABUF_ORIGIN_DT;

	region = of_parse_phandle(dev->of_node, "memory-region", 0);
	if (region) {
		ret = udmabuf_of_region(dev, region, &cfg);
		of_node_put(region);
		if (ret)
			return ret;
	}

	udev = udmabuf_device_create(&cfg, dev, dev);
	if (IS_ERR(udev))
		return PTR_ERR(udev);
	platform_set_drvdata(pdev, udev);
	return 0;
}

/*
 * Unbind: the buffer goes like a deleted one, its memory stays while files
 * or mappings use it.  Its DMA mapping for the device ends now, while the
 * device's DMA setup (IOMMU domain, dma-ranges) still exists; explicit
 * syncs fail with ENODEV from here on.
 */
static void udmabuf_platform_remove_common(struct platform_device *pdev)
{
	struct udmabuf_device *udev = platform_get_drvdata(pdev);

	udmabuf_buffer_detach(&udev->buf);
	udmabuf_device_delete(udev);
}

#ifdef UDMABUF_PLATFORM_REMOVE_VOID
static void udmabuf_platform_remove(struct platform_device *pdev)
{
	udmabuf_platform_remove_common(pdev);
}
#else
static int udmabuf_platform_remove(struct platform_device *pdev)
{
	udmabuf_platform_remove_common(pdev);
	return 0;
}
#endif

static const struct of_device_id udmabuf_of_match[] = {
	{ .compatible = "ikwzm,u-dma-buf" },
	{ .compatible = "ikwzm,udmabuf-0.10.a" },
	{ }
};
MODULE_DEVICE_TABLE(of, udmabuf_of_match);

static struct platform_driver udmabuf_platform_driver = {
	.probe = udmabuf_platform_probe,
	.remove = udmabuf_platform_remove,
	.driver = {
		.name = UDMABUF_DRIVER_NAME,
		.of_match_table = udmabuf_of_match,
	},
};

/* explicit minor-number properties win over automatic numbering (A6) */
static void udmabuf_of_claim_minors(void)
{
	const struct of_device_id *id;
	struct device_node *np;
	u32 minor;

	for (id = udmabuf_of_match; id->compatible[0]; id++)
		for_each_compatible_node(np, NULL, id->compatible)
			if (of_device_is_available(np) &&
			    !of_property_read_u32(np, "minor-number", &minor))
				udmabuf_claim_minor(minor);
}

int udmabuf_platform_init(void)
{
	udmabuf_of_claim_minors();
	return platform_driver_register(&udmabuf_platform_driver);
}

void udmabuf_platform_exit(void)
{
	platform_driver_unregister(&udmabuf_platform_driver);
}
