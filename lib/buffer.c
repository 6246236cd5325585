// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libudmabuf: a buffer (/dev/<name> and its sysfs directory), its syncs,
 * mappings and dma-buf export.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/u-dma-buf.h>

#include "internal.h"

/* requests 5, 6 and 9 as the first v4.7 release of the established driver encoded them */
#define SET_SYNC_FOR_CPU_V0	_IOR(U_DMA_BUF_IOCTL_MAGIC, 5, __u64)
#define SET_SYNC_FOR_DEVICE_V0	_IOR(U_DMA_BUF_IOCTL_MAGIC, 6, __u64)
#define SET_SYNC_V0		_IOR(U_DMA_BUF_IOCTL_MAGIC, 9, \
				     struct u_dma_buf_ioctl_sync_args)

/* the packed sync argument: offset < 2^32, size <= 0xfffffff0 */
#define PACKED_OFFSET_MAX	0xffffffffULL
#define PACKED_SIZE_MAX		0xfffffff0ULL

#define OPEN_FLAGS	(UDMABUF_OPEN_SYNC | UDMABUF_OPEN_RDONLY | \
			 UDMABUF_OPEN_NO_IOCTL)
#define MAP_FLAGS	(UDMABUF_MAP_SYNC | UDMABUF_MAP_CACHED | \
			 UDMABUF_MAP_RDONLY)

/* a request of the v4.7 encoding is tried when the current one is unknown */
static int ioctl_v0(int fd, unsigned long req, unsigned long req_v0, void *arg)
{
	int r = udmabuf_ioctl(fd, req, arg);

	if (r == -ENOTTY)
		r = udmabuf_ioctl(fd, req_v0, arg);
	return r;
}

static int fail(int r)
{
	return udmabuf_err(r < 0 ? -r : r);
}

/* ------------------------------------------------------------- open */

/* the buffer's name: the last part of its sysfs directory's real path */
static char *sysfs_name(const char *sysfs)
{
	char *real = realpath(sysfs, NULL), *slash, *name;

	if (!real)
		return NULL;
	slash = strrchr(real, '/');
	name = strdup(slash ? slash + 1 : real);
	free(real);
	return name;
}

/* everything fixed at open, through ioctls; 0 or -errno */
static int probe_ioctl(struct udmabuf_buffer *b)
{
	struct u_dma_buf_ioctl_drv_info drv = { 0 };
	struct u_dma_buf_ioctl_dev_info dev = { 0 };
	uint64_t v;
	int r;

	r = udmabuf_ioctl(b->fd, U_DMA_BUF_IOCTL_GET_DRV_INFO, &drv);
	if (r)
		return r;
	b->ioctl_version = (int)(drv.flags &
				 U_DMA_BUF_DRV_INFO_IOCTL_VERSION_MASK);
	if (b->ioctl_version == 0)
		return -ENOTTY;
	drv.version[sizeof(drv.version) - 1] = '\0';
	snprintf(b->driver_version, sizeof(b->driver_version), "%s",
		 drv.version);

	r = udmabuf_ioctl(b->fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &dev);
	if (r == 0) {
		unsigned int mode = (unsigned int)((dev.flags >>
				U_DMA_BUF_DEV_INFO_MMAP_MODE_SHIFT) &
				U_DMA_BUF_DEV_INFO_MMAP_MODE_MASK);

		b->size = dev.size;
		b->dma_addr = dev.addr;
		b->coherent = !!(dev.flags & U_DMA_BUF_DEV_INFO_DMA_COHERENT);
		b->mask_bits = (int)(dev.flags &
				     U_DMA_BUF_DEV_INFO_DMA_MASK_MASK);
		b->mmap_mode = mode ? (int)mode : -EOPNOTSUPP;
	} else {
		r = udmabuf_ioctl(b->fd, U_DMA_BUF_IOCTL_GET_SIZE, &b->size);
		if (!r)
			r = udmabuf_ioctl(b->fd, U_DMA_BUF_IOCTL_GET_DMA_ADDR,
					  &b->dma_addr);
		if (r)
			return r;
	}
	if (udmabuf_ioctl(b->fd, U_DMA_BUF_IOCTL_GET_CPU_PHYS_ADDR, &v) == 0) {
		b->cpu_phys = v;
		b->have_cpu_phys = 1;
	}
	return 0;
}

/* what the ioctls did not tell, from sysfs; 0 or -errno */
static int probe_sysfs(struct udmabuf_buffer *b)
{
	uint64_t v;
	int r;

	if (!b->ioctl_version) {
		r = udmabuf_attr_u64(b->sysfs, "size", &b->size);
		if (!r)
			r = udmabuf_attr_u64(b->sysfs, "phys_addr",
					     &b->dma_addr);
		if (r)
			return r;
		if (udmabuf_attr_read(b->sysfs, "driver_version",
				      b->driver_version,
				      sizeof(b->driver_version)) < 0)
			b->driver_version[0] = '\0';
	}
	if (b->coherent == -EOPNOTSUPP &&
	    !udmabuf_attr_u64(b->sysfs, "dma_coherent", &v))
		b->coherent = !!v;
	if (b->mmap_mode == -EOPNOTSUPP &&
	    !udmabuf_attr_u64(b->sysfs, "quirk_mmap_mode", &v) && v)
		b->mmap_mode = (int)v;
	if (!b->have_cpu_phys &&
	    !udmabuf_attr_u64(b->sysfs, "cpu_phys_addr", &v)) {
		b->cpu_phys = v;
		b->have_cpu_phys = 1;
	}
	return 0;
}

UDMABUF_EXPORT void udmabuf_buffer_close(struct udmabuf_buffer *buf)
{
	if (!buf)
		return;
	if (buf->fd >= 0)
		close(buf->fd);
	free(buf->name);
	free(buf->path);
	free(buf->sysfs);
	free(buf);
}

UDMABUF_EXPORT struct udmabuf_buffer *udmabuf_buffer_open(const char *name,
							  unsigned int flags)
{
	struct udmabuf_buffer *b;
	struct stat st;
	dev_t rdev;
	char tmp[64];
	int oflags, r;

	if (!name || (flags & ~OPEN_FLAGS))
		return udmabuf_err_null(EINVAL);
	if (!strchr(name, '/') && !udmabuf_name_ok(name))
		return udmabuf_err_null(EINVAL);
	b = calloc(1, sizeof(*b));
	if (!b)
		return udmabuf_err_null(ENOMEM);
	b->fd = -1;
	b->flags = flags;
	b->coherent = -EOPNOTSUPP;
	b->mask_bits = -EOPNOTSUPP;
	b->mmap_mode = -EOPNOTSUPP;
	if (strchr(name, '/'))
		b->path = strdup(name);
	else if (asprintf(&b->path, "/dev/%s", name) < 0)
		b->path = NULL;
	if (!b->path) {
		r = -ENOMEM;
		goto out;
	}

	/*
	 * Only a u-dma-buf node is ever opened (opening some other device,
	 * a watchdog or a terminal, has effects of its own): its sysfs
	 * directory is checked first, through the device number.
	 */
	if (stat(b->path, &st)) {
		r = -errno;
		goto out;
	}
	if (!S_ISCHR(st.st_mode)) {
		r = -ENODEV;
		goto out;
	}
	rdev = st.st_rdev;
	snprintf(tmp, sizeof(tmp), "/sys/dev/char/%u:%u", major(rdev),
		 minor(rdev));
	b->sysfs = strdup(tmp);
	if (!b->sysfs) {
		r = -ENOMEM;
		goto out;
	}
	/* every u-dma-buf version has phys_addr and sync_for_cpu */
	if (udmabuf_attr_read(b->sysfs, "phys_addr", tmp, sizeof(tmp)) < 0 ||
	    udmabuf_attr_read(b->sysfs, "sync_for_cpu", tmp, sizeof(tmp)) < 0) {
		r = -ENODEV;
		goto out;
	}
	oflags = ((flags & UDMABUF_OPEN_RDONLY) ? O_RDONLY : O_RDWR) |
		 ((flags & UDMABUF_OPEN_SYNC) ? O_SYNC : 0) | O_CLOEXEC |
		 O_NOCTTY;
	b->fd = open(b->path, oflags);
	if (b->fd < 0) {
		r = -errno;
		goto out;
	}
	/* the same node as checked */
	if (fstat(b->fd, &st) || !S_ISCHR(st.st_mode) || st.st_rdev != rdev) {
		r = -ENODEV;
		goto out;
	}
	b->name = sysfs_name(b->sysfs);
	if (!b->name) {
		r = -ENOMEM;
		goto out;
	}

	if (!(flags & UDMABUF_OPEN_NO_IOCTL) && !udmabuf_env_no_ioctl() &&
	    probe_ioctl(b)) {
		/* a driver without ioctls: everything through sysfs */
		b->ioctl_version = 0;
		b->driver_version[0] = '\0';
	}
	r = probe_sysfs(b);
	if (r)
		r = r == -ENOENT ? -ENODEV : r;
out:
	if (r) {
		udmabuf_buffer_close(b);
		return udmabuf_err_null(-r);
	}
	return b;
}

/* ---------------------------------------------------------- getters */

UDMABUF_EXPORT const char *udmabuf_buffer_get_name(const struct udmabuf_buffer *buf)
{
	return buf->name;
}

UDMABUF_EXPORT const char *udmabuf_buffer_get_path(const struct udmabuf_buffer *buf)
{
	return buf->path;
}

UDMABUF_EXPORT const char *udmabuf_buffer_get_sysfs_path(const struct udmabuf_buffer *buf)
{
	return buf->sysfs;
}

UDMABUF_EXPORT int udmabuf_buffer_get_fd(const struct udmabuf_buffer *buf)
{
	return buf->fd;
}

UDMABUF_EXPORT uint64_t udmabuf_buffer_get_size(const struct udmabuf_buffer *buf)
{
	return buf->size;
}

UDMABUF_EXPORT uint64_t udmabuf_buffer_get_dma_addr(const struct udmabuf_buffer *buf)
{
	return buf->dma_addr;
}

UDMABUF_EXPORT int udmabuf_buffer_get_cpu_phys_addr(const struct udmabuf_buffer *buf,
						    uint64_t *addr)
{
	if (!buf->have_cpu_phys)
		return udmabuf_err(EOPNOTSUPP);
	if (addr)
		*addr = buf->cpu_phys;
	return 0;
}

static int value_or_err(int v)
{
	return v < 0 ? udmabuf_err(-v) : v;
}

UDMABUF_EXPORT int udmabuf_buffer_is_dma_coherent(const struct udmabuf_buffer *buf)
{
	return value_or_err(buf->coherent);
}

UDMABUF_EXPORT int udmabuf_buffer_get_dma_mask_bits(const struct udmabuf_buffer *buf)
{
	return value_or_err(buf->mask_bits);
}

UDMABUF_EXPORT int udmabuf_buffer_get_mmap_mode(const struct udmabuf_buffer *buf)
{
	return value_or_err(buf->mmap_mode);
}

UDMABUF_EXPORT int udmabuf_buffer_get_ioctl_version(const struct udmabuf_buffer *buf)
{
	return buf->ioctl_version;
}

UDMABUF_EXPORT const char *udmabuf_buffer_get_driver_version(const struct udmabuf_buffer *buf)
{
	return buf->driver_version[0] ? buf->driver_version : NULL;
}

/* ------------------------------------------------- stored settings */

static int get_sync_args(struct udmabuf_buffer *b,
			 struct u_dma_buf_ioctl_sync_args *a)
{
	memset(a, 0, sizeof(*a));
	return udmabuf_ioctl(b->fd, U_DMA_BUF_IOCTL_GET_SYNC, a);
}

static int set_sync_args(struct udmabuf_buffer *b,
			 struct u_dma_buf_ioctl_sync_args *a)
{
	return ioctl_v0(b->fd, U_DMA_BUF_IOCTL_SET_SYNC, SET_SYNC_V0, a);
}

static int args_dir(const struct u_dma_buf_ioctl_sync_args *a)
{
	return (int)((a->flags >> U_DMA_BUF_SYNC_DIR_SHIFT) &
		     U_DMA_BUF_SYNC_DIR_MASK);
}

UDMABUF_EXPORT int udmabuf_buffer_get_sync_mode(struct udmabuf_buffer *buf)
{
	struct u_dma_buf_ioctl_sync_args a;
	uint64_t v;
	int r;

	if (buf->ioctl_version) {
		r = get_sync_args(buf, &a);
		if (r)
			return fail(r);
		return (int)((a.flags >> U_DMA_BUF_SYNC_MODE_SHIFT) &
			     U_DMA_BUF_SYNC_MODE_MASK);
	}
	r = udmabuf_attr_u64(buf->sysfs, "sync_mode", &v);
	return r ? r : (int)v;
}

UDMABUF_EXPORT int udmabuf_buffer_set_sync_mode(struct udmabuf_buffer *buf,
						int mode)
{
	struct u_dma_buf_ioctl_sync_args a;
	char v[8];
	int r;

	if (mode < 0 || mode > 7)
		return udmabuf_err(EINVAL);
	snprintf(v, sizeof(v), "%d", mode);
	r = udmabuf_attr_write(buf->sysfs, "sync_mode", v);
	if (!r || !buf->ioctl_version || mode == 0 ||
	    (r != -EACCES && r != -EPERM && r != -EROFS))
		return r;
	/* SET_SYNC stores offset, size and direction too: give them back */
	r = get_sync_args(buf, &a);
	if (r)
		return fail(r);
	a.flags = ((uint64_t)args_dir(&a) << U_DMA_BUF_SYNC_DIR_SHIFT) |
		  ((uint64_t)mode << U_DMA_BUF_SYNC_MODE_SHIFT);
	r = set_sync_args(buf, &a);
	return r ? fail(r) : 0;
}

UDMABUF_EXPORT int udmabuf_buffer_get_sync_owner(struct udmabuf_buffer *buf)
{
	uint64_t v;
	uint32_t o = 0;
	int r;

	if (buf->ioctl_version) {
		r = udmabuf_ioctl(buf->fd, U_DMA_BUF_IOCTL_GET_SYNC_OWNER, &o);
		return r ? fail(r) : o ? UDMABUF_OWNER_DEVICE :
					 UDMABUF_OWNER_CPU;
	}
	r = udmabuf_attr_u64(buf->sysfs, "sync_owner", &v);
	return r ? r : v ? UDMABUF_OWNER_DEVICE : UDMABUF_OWNER_CPU;
}

UDMABUF_EXPORT int udmabuf_buffer_get_sync_settings(struct udmabuf_buffer *buf,
						    uint64_t *offset,
						    uint64_t *size,
						    int *direction)
{
	struct u_dma_buf_ioctl_sync_args a;
	uint64_t o, s, d;
	int r;

	if (buf->ioctl_version) {
		r = get_sync_args(buf, &a);
		if (r)
			return fail(r);
		o = a.offset;
		s = a.size;
		d = (uint64_t)args_dir(&a);
	} else {
		r = udmabuf_attr_u64(buf->sysfs, "sync_offset", &o);
		if (!r)
			r = udmabuf_attr_u64(buf->sysfs, "sync_size", &s);
		if (!r)
			r = udmabuf_attr_u64(buf->sysfs, "sync_direction", &d);
		if (r)
			return r;
	}
	if (offset)
		*offset = o;
	if (size)
		*size = s;
	if (direction)
		*direction = (int)d;
	return 0;
}

/* sysfs: offset, size, direction in that order; 0 or -errno */
static int sysfs_store(struct udmabuf_buffer *b, uint64_t offset,
		       uint64_t size, int dir)
{
	char v[32];
	int r;

	snprintf(v, sizeof(v), "%llu", (unsigned long long)offset);
	r = udmabuf_attr_write(b->sysfs, "sync_offset", v);
	if (r)
		return r;
	snprintf(v, sizeof(v), "%llu", (unsigned long long)size);
	r = udmabuf_attr_write(b->sysfs, "sync_size", v);
	if (r)
		return r;
	snprintf(v, sizeof(v), "%d", dir);
	return udmabuf_attr_write(b->sysfs, "sync_direction", v);
}

UDMABUF_EXPORT int udmabuf_buffer_set_sync_settings(struct udmabuf_buffer *buf,
						    uint64_t offset,
						    uint64_t size,
						    int direction)
{
	struct u_dma_buf_ioctl_sync_args a = { 0 };
	int r;

	if (direction < 0 || direction > 2 || size == 0 ||
	    offset >= buf->size || size > buf->size - offset)
		return udmabuf_err(EINVAL);
	if (!buf->ioctl_version)
		return sysfs_store(buf, offset, size, direction);
	a.flags = (uint64_t)direction << U_DMA_BUF_SYNC_DIR_SHIFT;
	a.offset = offset;
	a.size = size;
	r = set_sync_args(buf, &a);
	return r ? fail(r) : 0;
}

/* ------------------------------------------------------------ syncs */

static uint64_t round16(uint64_t v)
{
	return (v + 15) & ~15ULL;
}

/*
 * A range that the packed argument cannot carry: through the stored
 * settings, given back afterwards.
 */
static int sync_stored(struct udmabuf_buffer *b, uint64_t offset,
		       uint64_t size, int dir, int to_device)
{
	uint64_t oo, os, od;
	int r, r2;

	if (b->ioctl_version) {
		struct u_dma_buf_ioctl_sync_args old, a = { 0 };

		r = get_sync_args(b, &old);
		if (r)
			return fail(r);
		a.flags = (to_device ? U_DMA_BUF_SYNC_CMD_FOR_DEVICE :
				       U_DMA_BUF_SYNC_CMD_FOR_CPU) |
			  ((uint64_t)dir << U_DMA_BUF_SYNC_DIR_SHIFT);
		a.offset = offset;
		a.size = size;
		r = set_sync_args(b, &a);
		old.flags = (uint64_t)args_dir(&old) << U_DMA_BUF_SYNC_DIR_SHIFT;
		r2 = set_sync_args(b, &old);
		r = r ? r : r2;
		return r ? fail(r) : 0;
	}
	r = udmabuf_attr_u64(b->sysfs, "sync_offset", &oo);
	if (!r)
		r = udmabuf_attr_u64(b->sysfs, "sync_size", &os);
	if (!r)
		r = udmabuf_attr_u64(b->sysfs, "sync_direction", &od);
	if (r)
		return r;
	r = sysfs_store(b, offset, size, dir);
	if (!r)
		r = udmabuf_attr_write(b->sysfs, to_device ? "sync_for_device" :
					"sync_for_cpu", "1");
	r2 = sysfs_store(b, oo, os, (int)od);
	r = r ? r : r2;
	return r ? fail(r) : 0;
}

static int sync_range(struct udmabuf_buffer *b, uint64_t offset,
		      uint64_t size, int dir, int to_device)
{
	uint64_t arg;
	char v[32];
	int r;

	if (dir < 0 || dir > 2 || offset > b->size || size > b->size - offset)
		return udmabuf_err(EINVAL);
	if (size == 0 && offset > PACKED_OFFSET_MAX)
		offset = 0;	/* an empty range: only the owner changes */
	if (offset > PACKED_OFFSET_MAX || size > PACKED_SIZE_MAX ||
	    offset + round16(size) > b->size)
		return sync_stored(b, offset, size, dir, to_device);

	arg = U_DMA_BUF_SYNC_ARG(offset, size, dir);
	if (b->ioctl_version) {
		r = to_device ?
		    ioctl_v0(b->fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE,
			     SET_SYNC_FOR_DEVICE_V0, &arg) :
		    ioctl_v0(b->fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU,
			     SET_SYNC_FOR_CPU_V0, &arg);
		return r ? fail(r) : 0;
	}
	snprintf(v, sizeof(v), "%llu", (unsigned long long)arg);
	return udmabuf_attr_write(b->sysfs, to_device ? "sync_for_device" :
				  "sync_for_cpu", v);
}

UDMABUF_EXPORT int udmabuf_buffer_sync_for_cpu(struct udmabuf_buffer *buf,
					       uint64_t offset, uint64_t size,
					       int direction)
{
	return sync_range(buf, offset, size, direction, 0);
}

UDMABUF_EXPORT int udmabuf_buffer_sync_for_device(struct udmabuf_buffer *buf,
						  uint64_t offset,
						  uint64_t size, int direction)
{
	return sync_range(buf, offset, size, direction, 1);
}

/* ------------------------------------------------------ read, write */

UDMABUF_EXPORT int64_t udmabuf_buffer_read(struct udmabuf_buffer *buf,
					   uint64_t offset, void *dst,
					   size_t len)
{
	size_t done = 0;

	if (offset > (uint64_t)INT64_MAX || len > (size_t)INT64_MAX)
		return udmabuf_err(EINVAL);
	while (done < len) {
		ssize_t n = pread(buf->fd, (char *)dst + done, len - done,
				  (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return done ? (int64_t)done : udmabuf_err(errno);
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (int64_t)done;
}

UDMABUF_EXPORT int64_t udmabuf_buffer_write(struct udmabuf_buffer *buf,
					    uint64_t offset, const void *src,
					    size_t len)
{
	size_t done = 0;

	if (offset > (uint64_t)INT64_MAX || len > (size_t)INT64_MAX)
		return udmabuf_err(EINVAL);
	while (done < len) {
		ssize_t n = pwrite(buf->fd, (const char *)src + done,
				   len - done, (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return done ? (int64_t)done : udmabuf_err(errno);
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (int64_t)done;
}

/* ----------------------------------------------------------- export */

UDMABUF_EXPORT int udmabuf_buffer_export(struct udmabuf_buffer *buf,
					 uint64_t offset, uint64_t size,
					 int fd_flags, uint64_t *dma_addr)
{
	struct u_dma_buf_ioctl_export_args a;
	int r;

	if (!buf->ioctl_version)
		return udmabuf_err(EOPNOTSUPP);
	memset(&a, 0, sizeof(a));
	a.flags = (uint64_t)(unsigned int)fd_flags;
	a.offset = offset;
	a.size = size;
	a.fd = -1;
	r = udmabuf_ioctl(buf->fd, U_DMA_BUF_IOCTL_EXPORT, &a);
	if (r == -ENOTTY)
		r = -EOPNOTSUPP;
	if (r)
		return fail(r);
	if (dma_addr)
		*dma_addr = a.addr;
	return a.fd;
}

/* --------------------------------------------------------- mappings */

/* the node again with or without O_SYNC; an fd or -errno */
static int reopen(struct udmabuf_buffer *b, int sync)
{
	char self[64];
	int fl = fcntl(b->fd, F_GETFL), fd;

	if (fl < 0)
		return -errno;
	fl = (fl & O_ACCMODE) | O_CLOEXEC | (sync ? O_SYNC : 0);
	snprintf(self, sizeof(self), "/proc/self/fd/%d", b->fd);
	fd = open(self, fl);
	if (fd < 0 && errno == ENOENT)	/* no /proc */
		fd = open(b->path, fl);
	return fd < 0 ? -errno : fd;
}

UDMABUF_EXPORT struct udmabuf_map *udmabuf_buffer_map(struct udmabuf_buffer *buf,
						      uint64_t offset,
						      uint64_t length,
						      unsigned int flags)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE), limit;
	int sync, fd, prot, e;
	struct udmabuf_map *m;
	void *p;

	if ((flags & ~MAP_FLAGS) ||
	    ((flags & UDMABUF_MAP_SYNC) && (flags & UDMABUF_MAP_CACHED)))
		return udmabuf_err_null(EINVAL);
	limit = (buf->size + pg - 1) / pg * pg;
	if (offset % pg || offset >= limit)
		return udmabuf_err_null(EINVAL);
	if (length == 0)
		length = buf->size > offset ? buf->size - offset :
					      limit - offset;
	if (length > limit - offset || length > (uint64_t)SIZE_MAX ||
	    offset > (uint64_t)INT64_MAX)
		return udmabuf_err_null(EINVAL);
	m = calloc(1, sizeof(*m));
	if (!m)
		return udmabuf_err_null(ENOMEM);

	sync = (flags & UDMABUF_MAP_SYNC) ? 1 :
	       (flags & UDMABUF_MAP_CACHED) ? 0 :
	       !!(buf->flags & UDMABUF_OPEN_SYNC);
	fd = buf->fd;
	if (sync != !!(buf->flags & UDMABUF_OPEN_SYNC)) {
		fd = reopen(buf, sync);
		if (fd < 0) {
			free(m);
			return udmabuf_err_null(-fd);
		}
	}
	prot = PROT_READ | ((flags & UDMABUF_MAP_RDONLY) ? 0 : PROT_WRITE);
	p = mmap(NULL, (size_t)length, prot, MAP_SHARED, fd, (off_t)offset);
	e = errno;
	if (fd != buf->fd)
		close(fd);	/* the mapping keeps the file */
	if (p == MAP_FAILED) {
		free(m);
		return udmabuf_err_null(e);
	}
	m->addr = p;
	m->length = (size_t)length;
	m->offset = offset;
	return m;
}

UDMABUF_EXPORT void *udmabuf_map_get_addr(const struct udmabuf_map *map)
{
	return map->addr;
}

UDMABUF_EXPORT uint64_t udmabuf_map_get_offset(const struct udmabuf_map *map)
{
	return map->offset;
}

UDMABUF_EXPORT size_t udmabuf_map_get_length(const struct udmabuf_map *map)
{
	return map->length;
}

UDMABUF_EXPORT int udmabuf_map_unmap(struct udmabuf_map *map)
{
	int r = 0;

	if (!map)
		return 0;
	if (munmap(map->addr, map->length))
		r = udmabuf_err(errno);
	free(map);
	return r;
}
