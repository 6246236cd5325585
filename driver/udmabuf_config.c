// SPDX-License-Identifier: GPL-2.0
/*
 * u-dma-buf: the options of a buffer.  One parser and one set of ranges for
 * every way of asking for a buffer: module parameters, manager commands
 * ("create name size key=value ...") and device-tree properties.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/u-dma-buf.h>

#include "udmabuf.h"

void udmabuf_log_err(struct device *log_dev, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (log_dev)
		dev_err(log_dev, "%pV", &vaf);
	else
		pr_err(UDMABUF_DRIVER_NAME ": %pV", &vaf);
	va_end(args);
}

void udmabuf_config_init(struct udmabuf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->minor = -1;
	cfg->sync_mode = 1;
	cfg->dma_coherent = -1;
	cfg->mmap_mode = udmabuf_default_mmap_mode;
}

/*
 * A size or offset: decimal, 0x hex (kstrtou64 base 0), optionally followed
 * by K, M or G (binary multiples).  A trailing newline is accepted.
 */
int udmabuf_parse_size(const char *str, u64 *size)
{
	char tmp[32];
	size_t len = strlen(str);
	unsigned int shift = 0;
	u64 val;
	int ret;

	if (len && str[len - 1] == '\n')
		len--;
	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, str, len);
	tmp[len] = '\0';
	switch (tmp[len - 1]) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	}
	if (shift) {
		/* "0x10M" is fine, but a bare suffix or a hex digit is not */
		tmp[--len] = '\0';
		if (len == 0)
			return -EINVAL;
	}
	ret = kstrtou64(tmp, 0, &val);
	if (ret)
		return -EINVAL;
	if (shift && val > (U64_MAX >> shift))
		return -EINVAL;
	*size = val << shift;
	return 0;
}

static const char *const udmabuf_mmap_mode_names[] = {
	[U_DMA_BUF_MMAP_MODE_OFF] = "off",
	[U_DMA_BUF_MMAP_MODE_ON] = "on",
	[U_DMA_BUF_MMAP_MODE_AUTO] = "auto",
	[U_DMA_BUF_MMAP_MODE_PAGE] = "page",
};

static int udmabuf_parse_mmap_mode(const char *str, unsigned int *mode)
{
	unsigned int i, val;

	for (i = U_DMA_BUF_MMAP_MODE_OFF; i <= U_DMA_BUF_MMAP_MODE_PAGE; i++) {
		if (sysfs_streq(str, udmabuf_mmap_mode_names[i])) {
			*mode = i;
			return 0;
		}
	}
	if (kstrtouint(str, 0, &val) || val < U_DMA_BUF_MMAP_MODE_OFF ||
	    val > U_DMA_BUF_MMAP_MODE_PAGE)
		return -EINVAL;
	*mode = val;
	return 0;
}

enum udmabuf_opt {
	OPT_SIZE, OPT_MINOR, OPT_SYNC_MODE, OPT_SYNC_ALWAYS, OPT_SYNC_OFFSET,
	OPT_SYNC_SIZE, OPT_SYNC_DIRECTION, OPT_DMA_MASK, OPT_DMA_COHERENT,
	OPT_MMAP_MODE, OPT_MODE,
};

struct udmabuf_option {
	const char *name;	/* device-tree property name */
	const char *alias;	/* shorter manager spelling, or NULL */
	enum udmabuf_opt opt;
	u64 min, max;
	bool size_like;		/* accepts K/M/G suffixes */
};

static const struct udmabuf_option udmabuf_options[] = {
	{ "size", NULL, OPT_SIZE, 1, U64_MAX, true },
	{ "minor-number", "minor", OPT_MINOR, 0, UDMABUF_MINORS - 1 },
	{ "sync-mode", NULL, OPT_SYNC_MODE, 0, UDMABUF_SYNC_MODE_MAX },
	{ "sync-always", NULL, OPT_SYNC_ALWAYS, 0, 1 },
	{ "sync-offset", NULL, OPT_SYNC_OFFSET, 0, U64_MAX, true },
	{ "sync-size", NULL, OPT_SYNC_SIZE, 0, U64_MAX, true },
	{ "sync-direction", NULL, OPT_SYNC_DIRECTION, 0, UDMABUF_DIR_MAX },
	{ "dma-mask", NULL, OPT_DMA_MASK, 12, 64 },
	{ "dma-coherent", NULL, OPT_DMA_COHERENT, 0, 1 },
	{ "quirk-mmap", NULL, OPT_MMAP_MODE, U_DMA_BUF_MMAP_MODE_OFF,
	  U_DMA_BUF_MMAP_MODE_PAGE },
	/* permissions of /dev/<name>, octal with a leading 0 (0660) */
	{ "mode", NULL, OPT_MODE, 0, 0777 },
};

static const struct udmabuf_option *udmabuf_find_option(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(udmabuf_options); i++) {
		const struct udmabuf_option *o = &udmabuf_options[i];

		if (!strcmp(key, o->name) || (o->alias && !strcmp(key, o->alias)))
			return o;
	}
	return NULL;
}

int udmabuf_config_set_u64(struct udmabuf_config *cfg, const char *key,
			   u64 val, struct device *log_dev)
{
	const struct udmabuf_option *o = udmabuf_find_option(key);

	if (!o) {
		udmabuf_log_err(log_dev, "unknown option \"%s\"\n", key);
		return -EINVAL;
	}
	if (val < o->min || val > o->max) {
		udmabuf_log_err(log_dev,
				"%s=%llu is out of range (%llu..%llu)\n",
				o->name, val, o->min, o->max);
		return -EINVAL;
	}
	switch (o->opt) {
	case OPT_SIZE:
		cfg->size = val;
		break;
	case OPT_MINOR:
		cfg->minor = val;
		break;
	case OPT_SYNC_MODE:
		cfg->sync_mode = val;
		break;
	case OPT_SYNC_ALWAYS:
		cfg->sync_always = val;
		break;
	case OPT_SYNC_OFFSET:
		cfg->sync_offset = val;
		break;
	case OPT_SYNC_SIZE:
		cfg->sync_size = val;
		break;
	case OPT_SYNC_DIRECTION:
		cfg->sync_direction = val;
		break;
	case OPT_DMA_MASK:
		cfg->dma_mask_bit = val;
		break;
	case OPT_DMA_COHERENT:
		cfg->dma_coherent = val;
		break;
	case OPT_MMAP_MODE:
		cfg->mmap_mode = val;
		break;
	case OPT_MODE:
		cfg->mode = val;
		break;
	}
	return 0;
}

int udmabuf_config_set(struct udmabuf_config *cfg, const char *key,
		       const char *val, struct device *log_dev)
{
	const struct udmabuf_option *o = udmabuf_find_option(key);
	unsigned int mode;
	u64 v;
	int ret;

	if (!o) {
		udmabuf_log_err(log_dev, "unknown option \"%s\"\n", key);
		return -EINVAL;
	}
	if (o->opt == OPT_MMAP_MODE) {
		ret = udmabuf_parse_mmap_mode(val, &mode);
		v = mode;
	} else if (o->size_like) {
		ret = udmabuf_parse_size(val, &v);
	} else {
		ret = kstrtou64(val, 0, &v);
	}
	if (ret) {
		udmabuf_log_err(log_dev, "%s=\"%s\" is not a valid value\n",
				o->name, val);
		return -EINVAL;
	}
	return udmabuf_config_set_u64(cfg, o->name, v, log_dev);
}

static int udmabuf_check_name(const char *name, struct device *log_dev)
{
	size_t len = strnlen(name, UDMABUF_NAME_MAX + 1);
	size_t i;

	if (len == 0 || len > UDMABUF_NAME_MAX) {
		udmabuf_log_err(log_dev,
				"a device name must have 1 to %d characters\n",
				UDMABUF_NAME_MAX);
		return -EINVAL;
	}
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		udmabuf_log_err(log_dev, "\"%s\" is not a device name\n", name);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		/* devtmpfs turns '!' into '/': "a!b" would be /dev/a/b */
		if (c <= ' ' || c > '~' || c == '/' || c == '!') {
			udmabuf_log_err(log_dev,
					"device name has a forbidden character 0x%02x at %zu (no '/', '!', space or non-printable)\n",
					c, i);
			return -EINVAL;
		}
	}
	return 0;
}

/* the whole configuration, once every option is in */
int udmabuf_config_check(const struct udmabuf_config *cfg,
			 struct device *log_dev)
{
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;
	int ret;

	ret = udmabuf_check_name(cfg->name, log_dev);
	if (ret)
		return ret;
	if (cfg->size == 0) {
		udmabuf_log_err(log_dev, "%s: buffer size 0 is not allowed\n",
				cfg->name);
		return -EINVAL;
	}
	if (cfg->size > ram) {
		udmabuf_log_err(log_dev,
				"%s: buffer size %llu is larger than the RAM of this machine (%llu bytes)\n",
				cfg->name, cfg->size, ram);
		return -EINVAL;
	}
	if (cfg->sync_offset >= cfg->size ||
	    cfg->sync_size > cfg->size - cfg->sync_offset) {
		udmabuf_log_err(log_dev,
				"%s: sync-offset %llu + sync-size %llu exceed the buffer size %llu\n",
				cfg->name, cfg->sync_offset, cfg->sync_size,
				cfg->size);
		return -EINVAL;
	}
	return 0;
}
