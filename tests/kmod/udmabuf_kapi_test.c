// SPDX-License-Identifier: GPL-2.0
/*
 * udmabuf_kapi_test: a TEST-ONLY module that uses u-dma-buf's in-kernel API
 * (include/linux/u-dma-buf-kapi.h) as a user's module would, driven by the
 * in-guest tests (tests/guest/t_kapi.c) through one debugfs file:
 *
 * /sys/kernel/debug/udmabuf-kapi/cmd: write one command; a following read
 * of the same open file returns "ok[ <result>]\n" or "err <errno>\n".
 * Handles (struct device pointers the API returned) live in slots 0..15:
 *
 *   create <slot> <name|-> <id> <size> <option> <parent>
 *          parent: "-" none, "own" a platform device of this module,
 *          "slot<n>" the device in slot n, "<bus>:<device>" found through
 *          u_dma_buf_find_available_bus_type() + bus_find_device_by_name()
 *          -> "ok <dev_name>"
 *   search <slot> <name|-> <id>          -> "ok <dev_name>"
 *   same <slot> <slot>                   -> "ok 1" if the pointers are equal
 *   getmap <slot> <mask>   mask: 1 size, 2 virt, 4 phys (others NULL)
 *          -> "ok size=<n>|- virt=1|0|- phys=0x<hex>|-"
 *   fill <slot> <offset> <len> <byte>    memset through the kernel address
 *   peek <slot> <offset> <len>           -> "ok <hex bytes>" (len <= 64)
 *   sync <slot> <command> <direction> <offset> <size>
 *   remove <slot>                        (the slot keeps the stale pointer)
 *   set <slot> null|own                  put a foreign pointer in a slot
 *   bus <name|-> <len>                   -> "ok <bus name>" or "ok null"
 *
 * At unload the module removes the buffers it created and did not remove.
 */
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/u-dma-buf-kapi.h>

#define KT_SLOTS	16
#define KT_RESULT	256
#define KT_CMD_MAX	256
#define KT_ARGS		8
#define KT_PEEK_MAX	64

struct kt_slot {
	struct device *dev;
	bool created;		/* made by create and not removed yet */
};

static struct kt_slot kt_slots[KT_SLOTS];
static DEFINE_MUTEX(kt_lock);
static struct platform_device *kt_pdev;
static struct dentry *kt_dir;

struct kt_file {
	char result[KT_RESULT];
};

static int kt_slot_arg(const char *s, unsigned int *slot)
{
	if (kstrtouint(s, 0, slot) || *slot >= KT_SLOTS)
		return -EINVAL;
	return 0;
}

static const char *kt_name_arg(const char *s)
{
	return strcmp(s, "-") ? s : NULL;
}

/* "-", "own", "slot<n>" or "<bus>:<device>"; *put: a reference to drop */
static int kt_parent(const char *s, struct device **parent, bool *put,
		     char *out)
{
	struct bus_type *bus;
	const char *colon;
	unsigned int slot;

	*parent = NULL;
	*put = false;
	if (!strcmp(s, "-"))
		return 0;
	if (!strcmp(s, "own")) {
		*parent = &kt_pdev->dev;
		return 0;
	}
	if (!strncmp(s, "slot", 4)) {
		if (kt_slot_arg(s + 4, &slot))
			return -EINVAL;
		*parent = kt_slots[slot].dev;
		return 0;
	}
	colon = strchr(s, ':');
	if (!colon)
		return -EINVAL;
	bus = u_dma_buf_find_available_bus_type((char *)s, colon - s);
	if (!bus) {
		snprintf(out, KT_RESULT, "err nobus\n");
		return 1;
	}
	*parent = bus_find_device_by_name(bus, NULL, colon + 1);
	if (!*parent) {
		snprintf(out, KT_RESULT, "err nodev\n");
		return 1;
	}
	*put = true;
	return 0;
}

static int kt_create(char **argv, int argc, char *out)
{
	struct device *parent, *dev;
	unsigned int slot;
	u64 size, option;
	bool put;
	int id, ret;

	if (argc != 7 || kt_slot_arg(argv[1], &slot) ||
	    kstrtoint(argv[3], 0, &id) || kstrtou64(argv[4], 0, &size) ||
	    kstrtou64(argv[5], 0, &option))
		return -EINVAL;
	ret = kt_parent(argv[6], &parent, &put, out);
	if (ret)
		return ret < 0 ? ret : 0;
	dev = u_dma_buf_device_create(kt_name_arg(argv[2]), id, size, option,
				      parent);
	if (put)
		put_device(parent);
	if (IS_ERR(dev)) {
		snprintf(out, KT_RESULT, "err %ld\n", PTR_ERR(dev));
		return 0;
	}
	kt_slots[slot].dev = dev;
	kt_slots[slot].created = true;
	snprintf(out, KT_RESULT, "ok %s\n", dev_name(dev));
	return 0;
}

static int kt_search(char **argv, int argc, char *out)
{
	struct device *dev;
	unsigned int slot;
	int id;

	if (argc != 4 || kt_slot_arg(argv[1], &slot) ||
	    kstrtoint(argv[3], 0, &id))
		return -EINVAL;
	dev = u_dma_buf_device_search(kt_name_arg(argv[2]), id);
	if (IS_ERR(dev)) {
		snprintf(out, KT_RESULT, "err %ld\n", PTR_ERR(dev));
		return 0;
	}
	kt_slots[slot].dev = dev;
	kt_slots[slot].created = false;
	snprintf(out, KT_RESULT, "ok %s\n", dev_name(dev));
	return 0;
}

static int kt_getmap(char **argv, int argc, char *out)
{
	unsigned int slot, mask;
	dma_addr_t phys = 0;
	void *virt = NULL;
	size_t size = 0;
	char s[24], v[4], p[24];
	int ret;

	if (argc != 3 || kt_slot_arg(argv[1], &slot) ||
	    kstrtouint(argv[2], 0, &mask))
		return -EINVAL;
	ret = u_dma_buf_device_getmap(kt_slots[slot].dev,
				      mask & 1 ? &size : NULL,
				      mask & 2 ? &virt : NULL,
				      mask & 4 ? &phys : NULL);
	if (ret) {
		snprintf(out, KT_RESULT, "err %d\n", ret);
		return 0;
	}
	snprintf(s, sizeof(s), mask & 1 ? "%zu" : "-", size);
	snprintf(v, sizeof(v), mask & 2 ? "%d" : "-", virt ? 1 : 0);
	snprintf(p, sizeof(p), mask & 4 ? "0x%llx" : "-",
		 (unsigned long long)phys);
	snprintf(out, KT_RESULT, "ok size=%s virt=%s phys=%s\n", s, v, p);
	return 0;
}

/* the kernel address of [offset, offset + len) of the buffer in slot */
static int kt_range(const char *sl, const char *so, const char *sn,
		    u8 **addr, size_t *len, char *out)
{
	unsigned int slot, n;
	size_t size;
	void *virt;
	u64 offset;
	int ret;

	if (kt_slot_arg(sl, &slot) || kstrtou64(so, 0, &offset) ||
	    kstrtouint(sn, 0, &n))
		return -EINVAL;
	*len = n;
	ret = u_dma_buf_device_getmap(kt_slots[slot].dev, &size, &virt, NULL);
	if (ret) {
		snprintf(out, KT_RESULT, "err %d\n", ret);
		return 1;
	}
	if (!virt) {
		snprintf(out, KT_RESULT, "err novirt\n");
		return 1;
	}
	if (offset > size || *len > size - offset)
		return -EINVAL;
	*addr = (u8 *)virt + offset;
	return 0;
}

static int kt_fill(char **argv, int argc, char *out)
{
	unsigned int byte;
	size_t len;
	u8 *addr;
	int ret;

	if (argc != 5 || kstrtouint(argv[4], 0, &byte) || byte > 0xff)
		return -EINVAL;
	ret = kt_range(argv[1], argv[2], argv[3], &addr, &len, out);
	if (ret)
		return ret < 0 ? ret : 0;
	memset(addr, byte, len);
	snprintf(out, KT_RESULT, "ok\n");
	return 0;
}

static int kt_peek(char **argv, int argc, char *out)
{
	size_t len;
	u8 *addr;
	int ret;

	if (argc != 4)
		return -EINVAL;
	ret = kt_range(argv[1], argv[2], argv[3], &addr, &len, out);
	if (ret)
		return ret < 0 ? ret : 0;
	if (len > KT_PEEK_MAX)
		return -EINVAL;
	snprintf(out, KT_RESULT, "ok %*phN\n", (int)len, addr);
	return 0;
}

static int kt_sync(char **argv, int argc, char *out)
{
	int command, direction, ret;
	unsigned int slot;
	ssize_t size;
	u64 offset;
	long long n;

	if (argc != 6 || kt_slot_arg(argv[1], &slot) ||
	    kstrtoint(argv[2], 0, &command) ||
	    kstrtoint(argv[3], 0, &direction) ||
	    kstrtou64(argv[4], 0, &offset) || kstrtoll(argv[5], 0, &n))
		return -EINVAL;
	size = n;
	ret = u_dma_buf_device_sync(kt_slots[slot].dev, command, direction,
				    offset, size);
	snprintf(out, KT_RESULT, ret ? "err %d\n" : "ok\n", ret);
	return 0;
}

static int kt_remove(char **argv, int argc, char *out)
{
	unsigned int slot;
	int ret;

	if (argc != 2 || kt_slot_arg(argv[1], &slot))
		return -EINVAL;
	ret = u_dma_buf_device_remove(kt_slots[slot].dev);
	if (!ret)
		kt_slots[slot].created = false;
	snprintf(out, KT_RESULT, ret ? "err %d\n" : "ok\n", ret);
	return 0;
}

static int kt_set(char **argv, int argc, char *out)
{
	unsigned int slot;

	if (argc != 3 || kt_slot_arg(argv[1], &slot))
		return -EINVAL;
	if (!strcmp(argv[2], "null"))
		kt_slots[slot].dev = NULL;
	else if (!strcmp(argv[2], "own"))
		kt_slots[slot].dev = &kt_pdev->dev;
	else
		return -EINVAL;
	kt_slots[slot].created = false;
	snprintf(out, KT_RESULT, "ok\n");
	return 0;
}

static int kt_bus(char **argv, int argc, char *out)
{
	struct bus_type *bus;
	int len;

	if (argc != 3 || kstrtoint(argv[2], 0, &len))
		return -EINVAL;
	bus = u_dma_buf_find_available_bus_type((char *)kt_name_arg(argv[1]),
						len);
	snprintf(out, KT_RESULT, "ok %s\n", bus ? bus->name : "null");
	return 0;
}

static int kt_same(char **argv, int argc, char *out)
{
	unsigned int a, b;

	if (argc != 3 || kt_slot_arg(argv[1], &a) || kt_slot_arg(argv[2], &b))
		return -EINVAL;
	snprintf(out, KT_RESULT, "ok %d\n",
		 kt_slots[a].dev == kt_slots[b].dev);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(char **argv, int argc, char *out);
} kt_cmds[] = {
	{ "create", kt_create }, { "search", kt_search },
	{ "same", kt_same }, { "getmap", kt_getmap }, { "fill", kt_fill },
	{ "peek", kt_peek }, { "sync", kt_sync }, { "remove", kt_remove },
	{ "set", kt_set }, { "bus", kt_bus },
};

static int kt_run(char *cmd, char *out)
{
	char *argv[KT_ARGS], *tok;
	int argc = 0, ret = -EINVAL;
	size_t i;

	while ((tok = strsep(&cmd, " \t\n")) != NULL) {
		if (!*tok)
			continue;
		if (argc == KT_ARGS)
			return -EINVAL;
		argv[argc++] = tok;
	}
	if (!argc)
		return -EINVAL;
	mutex_lock(&kt_lock);
	for (i = 0; i < ARRAY_SIZE(kt_cmds); i++)
		if (!strcmp(argv[0], kt_cmds[i].name))
			ret = kt_cmds[i].fn(argv, argc, out);
	mutex_unlock(&kt_lock);
	return ret;
}

static int kt_open(struct inode *inode, struct file *file)
{
	struct kt_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	file->private_data = f;
	return f ? 0 : -ENOMEM;
}

static int kt_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t kt_write(struct file *file, const char __user *ubuf,
			size_t count, loff_t *ppos)
{
	struct kt_file *f = file->private_data;
	char *cmd;
	int ret;

	if (!count || count > KT_CMD_MAX)
		return -EINVAL;
	cmd = memdup_user_nul(ubuf, count);
	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	f->result[0] = '\0';
	ret = kt_run(cmd, f->result);
	kfree(cmd);
	return ret ? ret : count;
}

static ssize_t kt_read(struct file *file, char __user *ubuf, size_t count,
		       loff_t *ppos)
{
	struct kt_file *f = file->private_data;

	return simple_read_from_buffer(ubuf, count, ppos, f->result,
				       strlen(f->result));
}

static const struct file_operations kt_fops = {
	.owner = THIS_MODULE,
	.open = kt_open,
	.release = kt_release,
	.read = kt_read,
	.write = kt_write,
	.llseek = default_llseek,
};

static int __init kt_init(void)
{
	int ret;

	kt_pdev = platform_device_register_simple("udmabuf-kapi-parent",
						  PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(kt_pdev))
		return PTR_ERR(kt_pdev);
	ret = dma_coerce_mask_and_coherent(&kt_pdev->dev, DMA_BIT_MASK(32));
	if (ret) {
		platform_device_unregister(kt_pdev);
		return ret;
	}
	kt_dir = debugfs_create_dir("udmabuf-kapi", NULL);
	debugfs_create_file("cmd", 0600, kt_dir, NULL, &kt_fops);
	return 0;
}

static void __exit kt_exit(void)
{
	unsigned int i;

	debugfs_remove_recursive(kt_dir);
	for (i = 0; i < KT_SLOTS; i++)
		if (kt_slots[i].created)
			u_dma_buf_device_remove(kt_slots[i].dev);
	platform_device_unregister(kt_pdev);
}

module_init(kt_init);
module_exit(kt_exit);
MODULE_DESCRIPTION("u-dma-buf in-kernel API test (test guests only)");
MODULE_LICENSE("GPL");
