// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libudmabuf: /dev/u-dma-buf-mgr, one command per write(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct udmabuf_manager {
	int fd;
};

UDMABUF_EXPORT struct udmabuf_manager *udmabuf_manager_open(void)
{
	struct udmabuf_manager *m = calloc(1, sizeof(*m));

	if (!m)
		return udmabuf_err_null(ENOMEM);
	m->fd = open(UDMABUF_MGR_PATH, O_RDWR | O_CLOEXEC);
	if (m->fd < 0 && errno == EACCES)	/* a write-only rule */
		m->fd = open(UDMABUF_MGR_PATH, O_WRONLY | O_CLOEXEC);
	if (m->fd < 0) {
		int e = errno;

		free(m);
		return udmabuf_err_null(e);
	}
	return m;
}

UDMABUF_EXPORT void udmabuf_manager_close(struct udmabuf_manager *mgr)
{
	if (!mgr)
		return;
	close(mgr->fd);
	free(mgr);
}

UDMABUF_EXPORT int udmabuf_manager_get_fd(const struct udmabuf_manager *mgr)
{
	return mgr->fd;
}

/* one command, one write(2); 0 or -errno */
static int command(struct udmabuf_manager *m, const char *cmd, size_t len)
{
	ssize_t n;

	do {
		n = write(m->fd, cmd, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return udmabuf_err(errno);
	if ((size_t)n != len)
		return udmabuf_err(EIO);
	return 0;
}

UDMABUF_EXPORT int udmabuf_manager_create(struct udmabuf_manager *mgr,
					  const char *name, uint64_t size,
					  const char *options)
{
	char cmd[UDMABUF_MGR_CMD_MAX + 1];
	int n;

	if (!udmabuf_name_ok(name) || size == 0)
		return udmabuf_err(EINVAL);
	if (options && (strchr(options, '\n') || strchr(options, '\r')))
		return udmabuf_err(EINVAL);
	n = snprintf(cmd, sizeof(cmd), "create %s %llu%s%s", name,
		     (unsigned long long)size, options && *options ? " " : "",
		     options ? options : "");
	if (n < 0 || n > UDMABUF_MGR_CMD_MAX)
		return udmabuf_err(EINVAL);
	return command(mgr, cmd, (size_t)n);
}

UDMABUF_EXPORT int udmabuf_manager_delete(struct udmabuf_manager *mgr,
					  const char *name)
{
	char cmd[UDMABUF_MGR_CMD_MAX + 1];
	int n;

	if (!udmabuf_name_ok(name))
		return udmabuf_err(EINVAL);
	n = snprintf(cmd, sizeof(cmd), "delete %s", name);
	if (n < 0 || n > UDMABUF_MGR_CMD_MAX)
		return udmabuf_err(EINVAL);
	return command(mgr, cmd, (size_t)n);
}
