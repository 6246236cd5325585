// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libudmabuf: errors, sysfs attributes, the driver's presence, the list.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "internal.h"

#define LIB_VERSION	"0.1.0"

/* an error is never 0 (success), even if a caller passes an unset errno */
int udmabuf_err(int e)
{
	if (e <= 0)
		e = EIO;
	errno = e;
	return -e;
}

void *udmabuf_err_null(int e)
{
	errno = e > 0 ? e : EIO;
	return NULL;
}

UDMABUF_EXPORT const char *udmabuf_api_version(void)
{
	return LIB_VERSION;
}

int udmabuf_ioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

int udmabuf_env_no_ioctl(void)
{
	const char *v = getenv("LIBUDMABUF_NO_IOCTL");

	return v && *v && strcmp(v, "0") != 0;
}

int udmabuf_name_ok(const char *name)
{
	size_t n;

	if (!name || !*name)
		return 0;
	n = strlen(name);
	if (n > 255 || !strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	for (const char *p = name; *p; p++)
		if (*p == '/' || isspace((unsigned char)*p) ||
		    iscntrl((unsigned char)*p))
			return 0;
	return 1;
}

static int attr_path(char *out, size_t len, const char *dir,
		     const char *attr)
{
	int n = snprintf(out, len, "%s/%s", dir, attr);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int udmabuf_attr_read(const char *dir, const char *attr, char *buf,
		      size_t len)
{
	char path[512];
	size_t got = 0;
	int fd, r;

	if (len == 0)
		return udmabuf_err(EINVAL);
	r = attr_path(path, sizeof(path), dir, attr);
	if (r)
		return udmabuf_err(-r);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return udmabuf_err(errno);
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = errno;
			close(fd);
			return udmabuf_err(r);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	while (got > 0 && isspace((unsigned char)buf[got - 1]))
		got--;
	buf[got] = '\0';
	return (int)got;
}

int udmabuf_attr_write(const char *dir, const char *attr, const char *val)
{
	char path[512];
	size_t len = strlen(val);
	ssize_t n;
	int fd, r;

	r = attr_path(path, sizeof(path), dir, attr);
	if (r)
		return udmabuf_err(-r);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return udmabuf_err(errno);
	do {
		n = write(fd, val, len);
	} while (n < 0 && errno == EINTR);
	r = n < 0 ? errno : (size_t)n != len ? EIO : 0;
	close(fd);
	return r ? udmabuf_err(r) : 0;
}

int udmabuf_parse_u64(const char *s, uint64_t *val)
{
	unsigned long long v;
	char *end;

	/*
	 * clang 14 does not see that udmabuf_err() is negative (-e, e > 0)
	 * and takes a failed udmabuf_attr_read() as one that filled s
	 */
	/* NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Branch) */
	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*val = v;
	return 0;
}

int udmabuf_attr_u64(const char *dir, const char *attr, uint64_t *val)
{
	char buf[64];
	int r = udmabuf_attr_read(dir, attr, buf, sizeof(buf));

	if (r < 0)
		return r;
	if (udmabuf_parse_u64(buf, val))
		return udmabuf_err(EINVAL);
	return 0;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

UDMABUF_EXPORT int udmabuf_driver_is_loaded(void)
{
	return exists(UDMABUF_CLASS_DIR) || exists(UDMABUF_OLD_CLASS_DIR) ||
	       exists(UDMABUF_MGR_PATH);
}

/* ------------------------------------------------------------ list */

struct udmabuf_list_entry {
	char *name;
	uint64_t size;
	uint64_t dma_addr;
	int sync_mode;
	int coherent;
};

struct udmabuf_list {
	size_t count;
	struct udmabuf_list_entry *e;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct udmabuf_list_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* read the class directory dir into list; 0, -ENOENT or -ENOMEM */
static int list_dir(struct udmabuf_list *list, const char *dir)
{
	size_t cap = 0;
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp)
		return -errno;
	while ((d = readdir(dp))) {
		struct udmabuf_list_entry *e, *n;
		char sub[512], v[64];
		uint64_t u;

		if (d->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, d->d_name) >=
		    (int)sizeof(sub))
			continue;
		/* a buffer has phys_addr (the class holds nothing else) */
		if (udmabuf_attr_read(sub, "phys_addr", v, sizeof(v)) < 0)
			continue;
		if (list->count == cap) {
			cap = cap ? cap * 2 : 8;
			n = realloc(list->e, cap * sizeof(*n));
			if (!n) {
				closedir(dp);
				return -ENOMEM;
			}
			list->e = n;
		}
		e = &list->e[list->count];
		memset(e, 0, sizeof(*e));
		e->name = strdup(d->d_name);
		if (!e->name) {
			closedir(dp);
			return -ENOMEM;
		}
		list->count++;
		if (!udmabuf_parse_u64(v, &u))
			e->dma_addr = u;
		if (!udmabuf_attr_u64(sub, "size", &u))
			e->size = u;
		e->sync_mode = udmabuf_attr_u64(sub, "sync_mode", &u) ? -1 :
			       (int)u;
		e->coherent = udmabuf_attr_u64(sub, "dma_coherent", &u) ? -1 :
			      !!u;
	}
	closedir(dp);
	return 0;
}

UDMABUF_EXPORT void udmabuf_list_free(struct udmabuf_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		free(list->e[i].name);
	free(list->e);
	free(list);
}

UDMABUF_EXPORT struct udmabuf_list *udmabuf_list_read(void)
{
	struct udmabuf_list *list = calloc(1, sizeof(*list));
	int r;

	if (!list)
		return udmabuf_err_null(ENOMEM);
	r = list_dir(list, UDMABUF_CLASS_DIR);
	if (r == -ENOENT)
		r = list_dir(list, UDMABUF_OLD_CLASS_DIR);
	if (r == -ENOENT && exists(UDMABUF_MGR_PATH))
		r = 0;		/* a manager and no buffer yet */
	if (r) {
		udmabuf_list_free(list);
		return udmabuf_err_null(-r);
	}
	if (list->count > 1)
		qsort(list->e, list->count, sizeof(*list->e), cmp_entry);
	return list;
}

UDMABUF_EXPORT size_t udmabuf_list_get_count(const struct udmabuf_list *list)
{
	return list ? list->count : 0;
}

static const struct udmabuf_list_entry *entry(const struct udmabuf_list *l,
					      size_t i)
{
	return l && i < l->count ? &l->e[i] : NULL;
}

UDMABUF_EXPORT const char *udmabuf_list_get_name(const struct udmabuf_list *list,
						 size_t i)
{
	const struct udmabuf_list_entry *e = entry(list, i);

	return e ? e->name : udmabuf_err_null(EINVAL);
}

UDMABUF_EXPORT uint64_t udmabuf_list_get_size(const struct udmabuf_list *list,
					      size_t i)
{
	const struct udmabuf_list_entry *e = entry(list, i);

	return e ? e->size : 0;
}

UDMABUF_EXPORT uint64_t udmabuf_list_get_dma_addr(const struct udmabuf_list *list,
						  size_t i)
{
	const struct udmabuf_list_entry *e = entry(list, i);

	return e ? e->dma_addr : 0;
}

UDMABUF_EXPORT int udmabuf_list_get_sync_mode(const struct udmabuf_list *list,
					      size_t i)
{
	const struct udmabuf_list_entry *e = entry(list, i);

	return e ? e->sync_mode : -1;
}

UDMABUF_EXPORT int udmabuf_list_is_dma_coherent(const struct udmabuf_list *list,
						size_t i)
{
	const struct udmabuf_list_entry *e = entry(list, i);

	return e ? e->coherent : -1;
}
