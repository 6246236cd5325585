// SPDX-License-Identifier: GPL-2.0
/*
 * u-dma-buf: /dev/u-dma-buf-mgr, buffers created and deleted at run time.
 *
 *   create <name> <size> [key=value ...] [quirk-mmap-<mode>]
 *   delete <name>
 *
 * One command per write(2); reading lists the buffers (a snapshot taken
 * when a read starts at offset 0, so that a list read in pieces while
 * buffers come and go never has torn lines).  Options use the device-tree
 * property names (udmabuf_config.c).
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/u-dma-buf.h>

#include "udmabuf.h"

#define UDMABUF_MGR_NAME	"u-dma-buf-mgr"
#define UDMABUF_MGR_CMD_MAX	1024
#define UDMABUF_MGR_ARGS_MAX	16

static struct miscdevice udmabuf_mgr_misc;
#define mgr_dev (udmabuf_mgr_misc.this_device)

/* the established manager's spellings of quirk-mmap=<mode> */
static const char *const udmabuf_mgr_mmap_flags[] = {
	[U_DMA_BUF_MMAP_MODE_OFF] = "quirk-mmap-off",
	[U_DMA_BUF_MMAP_MODE_ON] = "quirk-mmap-on",
	[U_DMA_BUF_MMAP_MODE_AUTO] = "quirk-mmap-auto",
	[U_DMA_BUF_MMAP_MODE_PAGE] = "quirk-mmap-page",
};

/* a word without '=': a quirk-mmap-<mode> flag (0) or a size (1) */
static int udmabuf_mgr_word(struct udmabuf_config *cfg, const char *word)
{
	unsigned int mode;

	for (mode = U_DMA_BUF_MMAP_MODE_OFF; mode <= U_DMA_BUF_MMAP_MODE_PAGE;
	     mode++) {
		if (!strcmp(word, udmabuf_mgr_mmap_flags[mode])) {
			cfg->mmap_mode = mode;
			return 0;
		}
	}
	if (udmabuf_parse_size(word, &cfg->size)) {
		dev_err(mgr_dev, "create %s: \"%s\" is neither a size nor key=value\n",
			cfg->name, word);
		return -EINVAL;
	}
	return 1;
}

/* where to bind: bind=[bus/]device, or bus= and device= */
struct udmabuf_mgr_bind {
	const char *spec, *bus, *device;
};

static struct device *udmabuf_mgr_parent(const struct udmabuf_config *cfg,
					 const struct udmabuf_mgr_bind *b)
{
	if (b->spec && (b->bus || b->device)) {
		dev_err(mgr_dev, "create %s: give bind= or bus=/device=, not both\n",
			cfg->name);
		return ERR_PTR(-EINVAL);
	}
	if (b->spec)
		return udmabuf_bind_parse(b->spec, mgr_dev);
	if (b->bus && !b->device) {
		dev_err(mgr_dev, "create %s: bus=%s needs device=\n",
			cfg->name, b->bus);
		return ERR_PTR(-EINVAL);
	}
	if (b->device)
		return udmabuf_bind_find(b->bus, b->device, mgr_dev);
	return NULL;
}

/* auto-delete=1: deleted when this manager file is closed */
static int udmabuf_mgr_auto_delete(struct udmabuf_config *cfg,
				   struct file *file, const char *val)
{
	bool on;

	if (kstrtobool(val, &on)) {
		dev_err(mgr_dev, "create %s: auto-delete=\"%s\" is not 0 or 1\n",
			cfg->name, val);
		return -EINVAL;
	}
	cfg->owner_file = on ? file : NULL;
	return 0;
}

/*
 * create <name> [<size>] [key=value ...] [quirk-mmap-<mode>]: the size as
 * a word or size=, anywhere after the name (as the established manager
 * takes it); keys are the device-tree property names plus bind=, bus= and
 * device= (A4), mode= (of /dev/<name>) and auto-delete=.
 */
static int udmabuf_mgr_create(struct file *file, char **argv, int argc)
{
	struct udmabuf_mgr_bind b = {};
	struct udmabuf_config cfg;
	struct udmabuf_device *udev;
	struct device *parent;
	bool sized = false;
	int i, ret = 0;

	if (argc < 3) {
		dev_err(mgr_dev, "usage: create <name> <size> [key=value ...]\n");
		return -EINVAL;
	}
	udmabuf_config_init(&cfg);
	if (strlen(argv[1]) > UDMABUF_NAME_MAX) {
		dev_err(mgr_dev, "create: name longer than %d characters\n",
			UDMABUF_NAME_MAX);
		return -EINVAL;
	}
	strscpy(cfg.name, argv[1], sizeof(cfg.name));
	for (i = 2; i < argc; i++) {
		char *val = strchr(argv[i], '=');

		if (!val) {
			ret = udmabuf_mgr_word(&cfg, argv[i]);
			if (ret < 0)
				return ret;
			sized |= ret;
			continue;
		}
		if (val == argv[i] || !val[1]) {
			dev_err(mgr_dev, "create %s: \"%s\" is not key=value\n",
				cfg.name, argv[i]);
			return -EINVAL;
		}
		*val++ = '\0';
		ret = 0;
		if (!strcmp(argv[i], "auto-delete"))
			ret = udmabuf_mgr_auto_delete(&cfg, file, val);
		else if (!strcmp(argv[i], "bind"))
			b.spec = val;
		else if (!strcmp(argv[i], "bus"))
			b.bus = val;
		else if (!strcmp(argv[i], "device"))
			b.device = val;
		else
			ret = udmabuf_config_set(&cfg, argv[i], val, mgr_dev);
		if (ret)
			return ret;
		sized |= !strcmp(argv[i], "size");
	}
	if (!sized) {
		dev_err(mgr_dev, "create %s: no size given\n", cfg.name);
		return -EINVAL;
	}
	parent = udmabuf_mgr_parent(&cfg, &b);
	if (IS_ERR(parent))
		return PTR_ERR(parent);
	if (udmabuf_info_enable)
		dev_info(mgr_dev, "create %s %llu%s%s\n", cfg.name, cfg.size,
			 parent ? " parent " : "", parent ? dev_name(parent) : "");
	if (parent) {
		ret = udmabuf_device_create_bound(&cfg, parent, mgr_dev);
		put_device(parent);
		return ret;
	}
	udev = udmabuf_device_create(&cfg, NULL, mgr_dev);
	return PTR_ERR_OR_ZERO(udev);
}

static int udmabuf_mgr_delete(char **argv, int argc)
{
	int ret;

	if (argc != 2) {
		dev_err(mgr_dev, "usage: delete <name>\n");
		return -EINVAL;
	}
	if (udmabuf_info_enable)
		dev_info(mgr_dev, "delete %s\n", argv[1]);
	ret = udmabuf_device_delete_owned(NULL, argv[1], UDMABUF_ORIGIN_USER,
					  mgr_dev);
	if (ret == -ENOENT)
		dev_err(mgr_dev, "delete: no buffer named \"%s\"\n",
			argv[1]);
	return ret;
}

static ssize_t udmabuf_mgr_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char *argv[UDMABUF_MGR_ARGS_MAX];
	char *cmd, *p, *tok;
	size_t len = count;
	int argc = 0, ret;

	if (count == 0 || count > UDMABUF_MGR_CMD_MAX) {
		dev_err(mgr_dev, "a command must have 1 to %d bytes, not %zu\n",
			UDMABUF_MGR_CMD_MAX, count);
		return -EINVAL;
	}
	cmd = memdup_user_nul(ubuf, count);
	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	if (cmd[len - 1] == '\n')
		cmd[--len] = '\0';
	if (strlen(cmd) != len || strchr(cmd, '\n')) {
		dev_err(mgr_dev, "one command per write, without NUL bytes\n");
		ret = -EINVAL;
		goto out;
	}
	p = cmd;
	while ((tok = strsep(&p, " \t")) != NULL) {
		if (!*tok)
			continue;
		if (argc == UDMABUF_MGR_ARGS_MAX) {
			dev_err(mgr_dev, "too many words in the command\n");
			ret = -EINVAL;
			goto out;
		}
		argv[argc++] = tok;
	}
	if (argc && !strcmp(argv[0], "create")) {
		ret = udmabuf_mgr_create(file, argv, argc);
	} else if (argc && !strcmp(argv[0], "delete")) {
		ret = udmabuf_mgr_delete(argv, argc);
	} else {
		dev_err(mgr_dev, "unknown command \"%s\" (create, delete)\n",
			argc ? argv[0] : "");
		ret = -EINVAL;
	}
out:
	kfree(cmd);
	return ret ? ret : count;
}

static int udmabuf_mgr_show(struct seq_file *m, void *v)
{
	udmabuf_device_list(m);
	return 0;
}

/*
 * misc_open() left the miscdevice in private_data, which single_open()
 * wants empty; seq_open() clears FMODE_PWRITE, which writes of commands
 * with pwrite(2) had before: kept.
 */
static int udmabuf_mgr_open(struct inode *inode, struct file *file)
{
	fmode_t pwrite = file->f_mode & FMODE_PWRITE;
	int ret;

	file->private_data = NULL;
	ret = single_open(file, udmabuf_mgr_show, NULL);
	file->f_mode |= pwrite;
	return ret;
}

/* the auto-delete buffers this file created go with it */
static int udmabuf_mgr_release(struct inode *inode, struct file *file)
{
	udmabuf_device_file_closed(file);
	return single_release(inode, file);
}

static const struct file_operations udmabuf_mgr_fops = {
	.owner = THIS_MODULE,
	.open = udmabuf_mgr_open,
	.release = udmabuf_mgr_release,
	.read = seq_read,
	.write = udmabuf_mgr_write,
	.llseek = seq_lseek,
};

static struct miscdevice udmabuf_mgr_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = UDMABUF_MGR_NAME,
	.fops = &udmabuf_mgr_fops,
};

int udmabuf_mgr_init(void)
{
	return misc_register(&udmabuf_mgr_misc);
}

void udmabuf_mgr_exit(void)
{
	misc_deregister(&udmabuf_mgr_misc);
}
