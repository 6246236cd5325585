/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libudmabuf internals: not installed, not part of the ABI.
 */
#ifndef UDMABUF_INTERNAL_H
#define UDMABUF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "udmabuf.h"

#define UDMABUF_EXPORT	__attribute__((visibility("default")))

#define UDMABUF_MGR_PATH	"/dev/u-dma-buf-mgr"
#define UDMABUF_CLASS_DIR	"/sys/class/u-dma-buf"
/* the established driver before v2.0 */
#define UDMABUF_OLD_CLASS_DIR	"/sys/class/udmabuf"
/* the manager's longest command (the driver's limit) */
#define UDMABUF_MGR_CMD_MAX	1024

struct udmabuf_buffer {
	int fd;
	unsigned int flags;		/* UDMABUF_OPEN_* */
	int ioctl_version;		/* 0: sysfs only */
	char *name;
	char *path;			/* as opened */
	char *sysfs;			/* /sys/dev/char/M:m */
	uint64_t size;
	uint64_t dma_addr;
	int have_cpu_phys;
	uint64_t cpu_phys;
	int coherent;			/* 1, 0 or -EOPNOTSUPP */
	int mask_bits;			/* or -EOPNOTSUPP */
	int mmap_mode;			/* or -EOPNOTSUPP */
	char driver_version[32];	/* "" if unknown */
};

struct udmabuf_map {
	void *addr;
	size_t length;
	uint64_t offset;
};

/* return -e and set errno = e (e > 0) */
int udmabuf_err(int e);
/* NULL with errno = e */
void *udmabuf_err_null(int e);

/*
 * sysfs attribute I/O, relative to a directory.  read: the text without
 * trailing whitespace into buf (NUL-terminated), length or -errno.
 */
int udmabuf_attr_read(const char *dir, const char *attr, char *buf,
		      size_t len);
int udmabuf_attr_write(const char *dir, const char *attr, const char *val);
/* a number as the drivers print them (decimal or 0x): 0 or -errno */
int udmabuf_attr_u64(const char *dir, const char *attr, uint64_t *val);
/* strict unsigned parse of a whole string, base 0: 0 or -EINVAL */
int udmabuf_parse_u64(const char *s, uint64_t *val);

/* ioctl that returns 0 or -errno */
int udmabuf_ioctl(int fd, unsigned long req, void *arg);

/* LIBUDMABUF_NO_IOCTL=1 in the environment */
int udmabuf_env_no_ioctl(void);

/* a name the manager and /dev accept: no '/', no whitespace, not empty */
int udmabuf_name_ok(const char *name);

#endif /* UDMABUF_INTERNAL_H */
