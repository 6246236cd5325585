// SPDX-License-Identifier: GPL-2.0
/*
 * udmabuf: list, inspect, create, delete, sync, read, write and benchmark
 * u-dma-buf buffers, on libudmabuf.  See udmabuf(1) (tools/udmabuf.1).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "udmabuf.h"

const char *prog = "udmabuf";

#define MGR_PATH	"/dev/u-dma-buf-mgr"
#define CHUNK		(1u << 20)
/* transfers from this size on show a progress bar on a terminal */
#define PROGRESS_MIN	(1u << 20)

static const char main_usage[] =
"usage: udmabuf COMMAND [ARGS]\n"
"\n"
"Use u-dma-buf DMA buffers (/dev/<name>) from the shell.\n"
"\n"
"commands:\n"
"  list [--json]                      the buffers: name, size, DMA address\n"
"  info NAME [--json]                 everything about one buffer\n"
"  create NAME SIZE [KEY=VALUE ...]   create a buffer (/dev/u-dma-buf-mgr)\n"
"  delete NAME                        delete a buffer made by the manager\n"
"  sync NAME cpu|device [--offset N] [--size N] [--dir DIR]\n"
"                                     sync a range for the CPU or the device\n"
"  read NAME [FILE] [--offset N] [--size N] [--sync]\n"
"                                     copy the buffer to FILE (stdout)\n"
"  write NAME [FILE] [--offset N] [--size N] [--sync]\n"
"                                     copy FILE (stdin) into the buffer\n"
"  bench [NAME] [--sizes LIST] [--csv] [--svg FILE] ...\n"
"                                     the seeds' check_buf/clear_buf tables\n"
"  help [COMMAND]                     this text, or a command's\n"
"\n"
"Sizes and offsets: 4096, 0x1000, 4K, 1M, 1G (K = 1024 bytes).\n"
"`udmabuf COMMAND --help` explains a command; see also udmabuf(1).\n"
"\n"
"exit status: 0 success, 1 failed (the driver or the system refused),\n"
"2 bad command, option, size or value, 3 the u-dma-buf module is not\n"
"loaded, 4 no such buffer, 5 permission denied, 6 the name is in use.\n";

static const char list_usage[] =
"usage: udmabuf list [--json]\n"
"\n"
"List the buffers (from sysfs; needs no permission on the buffers):\n"
"name, size, DMA address, dma_coherent, sync_mode and device node.\n"
"\n"
"  -j, --json   a JSON array of objects: name, device, size, dma_addr,\n"
"               sync_mode, dma_coherent (numbers in bytes)\n"
"  -h, --help   this text\n";

static const char info_usage[] =
"usage: udmabuf info NAME [--json]\n"
"\n"
"Everything about buffer NAME (or a path to its node): size, DMA address,\n"
"CPU physical address, coherency, sync mode and owner, stored sync\n"
"settings, the interface the library uses (ioctl or sysfs), the node's\n"
"owner and mode, and every sysfs attribute as the driver shows it.\n"
"\n"
"  -j, --json   one JSON object (the attributes in \"attributes\")\n"
"  -h, --help   this text\n";

static const char create_usage[] =
"usage: udmabuf create NAME SIZE [KEY=VALUE ...]\n"
"\n"
"Create buffer NAME (/dev/NAME) of SIZE bytes through /dev/u-dma-buf-mgr.\n"
"SIZE: 4096, 0x1000, 4K, 1M, 1G.  Options are passed to the manager:\n"
"  sync-mode=0..7 sync-always=0|1 dma-mask=12..64 dma-coherent=0|1\n"
"  minor=N quirk-mmap=off|on|auto|page sync-offset=N sync-size=N\n"
"  sync-direction=0..2 bind=[BUS/]DEVICE mode=0660 (node mode)\n"
"auto-delete=1 is refused here: the buffer would go when this command\n"
"exits (it is for programs that keep the manager open).\n"
"\n"
"  -h, --help   this text\n";

static const char delete_usage[] =
"usage: udmabuf delete NAME\n"
"\n"
"Delete buffer NAME through /dev/u-dma-buf-mgr.  Its node goes at once,\n"
"its memory when the last program that has it open or mapped lets go.\n"
"Device-tree and kernel-module buffers cannot be deleted this way.\n"
"\n"
"  -h, --help   this text\n";

static const char sync_usage[] =
"usage: udmabuf sync NAME cpu|device [--offset N] [--size N] [--dir DIR]\n"
"\n"
"Sync a range of buffer NAME: `cpu` before the CPU reads what a device\n"
"wrote (invalidate), `device` before a device reads what the CPU wrote\n"
"(clean).  Nothing to do on a DMA-coherent device, but the owner changes.\n"
"\n"
"  -o, --offset N   start of the range (default 0)\n"
"  -s, --size N     bytes (default: to the end of the buffer); 0 is an\n"
"                   empty range: only the owner changes\n"
"  -d, --dir DIR    bidirectional (default), to-device or from-device\n"
"                   (or 0, 1, 2)\n"
"  -h, --help       this text\n";

static const char read_usage[] =
"usage: udmabuf read NAME [FILE] [--offset N] [--size N] [--sync]\n"
"\n"
"Copy buffer NAME (or a range of it) to FILE, or to stdout when FILE is\n"
"absent or `-`.  A progress bar shows on a terminal from 1 MiB on.\n"
"\n"
"  -o, --offset N   where to start (default 0)\n"
"  -s, --size N     how many bytes (default: to the end of the buffer)\n"
"  -S, --sync       open with O_SYNC: the driver syncs the range for the\n"
"                   CPU before it copies (see the driver's read() rules)\n"
"  -q, --quiet      no progress bar\n"
"  -h, --help       this text\n";

static const char write_usage[] =
"usage: udmabuf write NAME [FILE] [--offset N] [--size N] [--sync]\n"
"\n"
"Copy FILE, or stdin when FILE is absent or `-`, into buffer NAME at an\n"
"offset.  Input that does not fit is an error (nothing is written when\n"
"FILE is a regular file that is too long).\n"
"\n"
"  -o, --offset N   where to start (default 0)\n"
"  -s, --size N     copy at most N bytes of the input\n"
"  -S, --sync       open with O_SYNC: the driver syncs the range for the\n"
"                   device after it copies\n"
"  -q, --quiet      no progress bar\n"
"  -h, --help       this text\n";

/* ------------------------------------------------------------ common */

void msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int parse_size(const char *s, uint64_t *v)
{
	unsigned long long n;
	unsigned int shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		n = strtoull(s + 2, &end, 16);
	else
		n = strtoull(s, &end, 10);
	if (errno || (end == s + 2 && s[1] && (s[1] | 0x20) == 'x'))
		return -1;
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	}
	if (shift) {
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
	}
	if (*end)
		return -1;
	if (shift && n > (~0ULL >> shift))
		return -1;
	*v = (uint64_t)n << shift;
	return 0;
}

const char *human_size(uint64_t v, char *buf, size_t len)
{
	static const char *const unit[] = { "TiB", "GiB", "MiB", "KiB" };

	for (int i = 0; i < 4; i++) {
		unsigned int shift = 40 - 10 * (unsigned int)i;

		if (v && !(v & ((1ULL << shift) - 1))) {
			snprintf(buf, len, "%" PRIu64 " %s", v >> shift,
				 unit[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%" PRIu64 " B", v);
	return buf;
}

static int bad_size(const char *what, const char *s)
{
	msg("bad %s '%s': give bytes (4096), hex (0x1000) or a K/M/G suffix (4K, 1M)",
	    what, s);
	return EX_USAGE;
}

int no_module(void)
{
	msg("the u-dma-buf module is not loaded (no /sys/class/u-dma-buf): "
	    "load it with `modprobe u-dma-buf` (or `insmod u-dma-buf.ko`)");
	return EX_NOMODULE;
}

static int perm_buffer(const char *path)
{
	struct stat st;

	/* a buffer a user created through the manager is that user's */
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_uid != 0) {
		msg("permission denied on %s: it belongs to uid %u (mode %04o); "
		    "its creator can let others in with mode=0660 when "
		    "creating it, or run as root", path,
		    (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777));
		return EX_PERM;
	}
	msg("permission denied on %s: run as root, or let a group use the "
	    "buffers with the udev rule SUBSYSTEM==\"u-dma-buf\", "
	    "ENV{DEVUID}==\"\", GROUP=\"udmabuf\", MODE=\"0660\" (commented "
	    "in udev/99-u-dma-buf.rules) and join that group "
	    "(usermod -aG udmabuf $USER)", path);
	return EX_PERM;
}

int open_buffer(const char *name, unsigned int flags,
		struct udmabuf_buffer **out)
{
	const char *shown = name;
	char sys[512];
	struct stat st;
	int e;

	*out = udmabuf_buffer_open(name, flags);
	if (*out)
		return EX_OK;
	e = errno;
	switch (e) {
	case ENOENT:
		if (!udmabuf_driver_is_loaded())
			return no_module();
		snprintf(sys, sizeof(sys), "/sys/class/u-dma-buf/%s", name);
		if (!strchr(name, '/') && stat(sys, &st) == 0) {
			msg("buffer '%s' exists but /dev/%s does not: is "
			    "devtmpfs mounted on /dev (or udev running)?",
			    name, name);
			return EX_FAIL;
		}
		msg("no buffer named '%s' (`udmabuf list` shows the buffers; "
		    "`udmabuf create %s SIZE` makes one)", shown,
		    strchr(name, '/') ? "NAME" : name);
		return EX_NOBUF;
	case EACCES:
	case EPERM:
		if (strchr(name, '/'))
			return perm_buffer(name);
		snprintf(sys, sizeof(sys), "/dev/%s", name);
		return perm_buffer(sys);
	case ENODEV:
	case ENXIO:
		msg("'%s' is not a u-dma-buf buffer (`udmabuf list` shows the "
		    "buffers)", name);
		return EX_NOBUF;
	case EINVAL:
		msg("'%s' is not a valid buffer name", name);
		return EX_USAGE;
	}
	msg("cannot open buffer '%s': %s", name, strerror(e));
	return EX_FAIL;
}

int open_manager(struct udmabuf_manager **out)
{
	int e;

	*out = udmabuf_manager_open();
	if (*out)
		return EX_OK;
	e = errno;
	if (e == ENOENT) {
		if (!udmabuf_driver_is_loaded())
			return no_module();
		msg("this u-dma-buf driver has no manager (%s): create "
		    "buffers with module parameters or the device tree",
		    MGR_PATH);
		return EX_FAIL;
	}
	if (e == EACCES || e == EPERM) {
		msg("permission denied on %s: run as root, or let a group "
		    "create buffers with the udev rule KERNEL==\"u-dma-buf-mgr\", "
		    "SUBSYSTEM==\"misc\", GROUP=\"udmabuf\", MODE=\"0660\" "
		    "(commented in udev/99-u-dma-buf.rules) and join that group "
		    "(usermod -aG udmabuf $USER)", MGR_PATH);
		return EX_PERM;
	}
	msg("cannot open %s: %s", MGR_PATH, strerror(e));
	return EX_FAIL;
}

void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* --help: the usage on stdout, 0; a bad option: the usage on stderr, 2 */
static int help_or_usage(const char *usage, int err)
{
	fputs(usage, err ? stderr : stdout);
	return err ? EX_USAGE : EX_OK;
}

static int too_many(const char *cmd, const char *usage)
{
	msg("%s: too many arguments", cmd);
	fputs(usage, stderr);
	return EX_USAGE;
}

static int missing(const char *cmd, const char *what, const char *usage)
{
	msg("%s: %s is missing", cmd, what);
	fputs(usage, stderr);
	return EX_USAGE;
}

/* ------------------------------------------------------------- list */

static int cmd_list(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct udmabuf_list *l;
	int json = 0, c;
	size_t n;

	while ((c = getopt_long(argc, argv, "jh", lo, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else
			return help_or_usage(list_usage, c != 'h');
	}
	if (optind < argc)
		return too_many("list", list_usage);
	l = udmabuf_list_read();
	if (!l) {
		if (errno == ENOENT)
			return no_module();
		msg("cannot list the buffers: %s", strerror(errno));
		return EX_FAIL;
	}
	n = udmabuf_list_get_count(l);
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			const char *name = udmabuf_list_get_name(l, i);
			char dev[300];
			int coh = udmabuf_list_is_dma_coherent(l, i);
			int mode = udmabuf_list_get_sync_mode(l, i);

			snprintf(dev, sizeof(dev), "/dev/%s", name);
			printf("%s\n  {\"name\": ", i ? "," : "");
			json_string(stdout, name);
			printf(", \"device\": ");
			json_string(stdout, dev);
			printf(", \"size\": %" PRIu64 ", \"dma_addr\": %" PRIu64,
			       udmabuf_list_get_size(l, i),
			       udmabuf_list_get_dma_addr(l, i));
			if (mode >= 0)
				printf(", \"sync_mode\": %d", mode);
			else
				printf(", \"sync_mode\": null");
			printf(", \"dma_coherent\": %s}", coh < 0 ? "null" :
			       coh ? "true" : "false");
		}
		printf("%s]\n", n ? "\n" : "");
	} else {
		printf("%-16s %10s  %-18s  %-8s  %-9s  %s\n", "NAME", "SIZE",
		       "DMA ADDRESS", "COHERENT", "SYNC_MODE", "DEVICE");
		for (size_t i = 0; i < n; i++) {
			const char *name = udmabuf_list_get_name(l, i);
			int coh = udmabuf_list_is_dma_coherent(l, i);
			int mode = udmabuf_list_get_sync_mode(l, i);
			char hs[32], dev[300], ms[8];

			snprintf(dev, sizeof(dev), "/dev/%s", name);
			snprintf(ms, sizeof(ms), "%d", mode);
			printf("%-16s %10s  0x%016" PRIx64 "  %-8s  %-9s  %s\n",
			       name,
			       human_size(udmabuf_list_get_size(l, i), hs,
					  sizeof(hs)),
			       udmabuf_list_get_dma_addr(l, i),
			       coh < 0 ? "?" : coh ? "yes" : "no",
			       mode < 0 ? "?" : ms, dev);
		}
		if (!n)
			fprintf(stderr, "(no buffers: `udmabuf create NAME SIZE` makes one)\n");
	}
	udmabuf_list_free(l);
	return EX_OK;
}

/* ------------------------------------------------------------- info */

static const char *dir_name(int d)
{
	switch (d) {
	case 0:
		return "bidirectional";
	case 1:
		return "to-device";
	case 2:
		return "from-device";
	}
	return "?";
}

static const char *mode_name(int m)
{
	static const char *const n[] = {
		"cached; O_SYNC cached",
		"cached; O_SYNC uncached",
		"cached; O_SYNC write-combine",
		"cached; O_SYNC dma-coherent",
		"cached; O_SYNC cached",
		"uncached",
		"write-combine",
		"dma-coherent",
	};

	return m >= 0 && m < 8 ? n[m] : "?";
}

struct attr {
	char name[64];
	char value[256];
};

static int cmp_attr(const void *a, const void *b)
{
	return strcmp(((const struct attr *)a)->name,
		      ((const struct attr *)b)->name);
}

/* every readable regular file of the sysfs directory but uevent and dev */
static struct attr *read_attrs(const char *dir, size_t *count)
{
	struct attr *v = NULL, *nv;
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dp = opendir(dir);

	*count = 0;
	if (!dp)
		return NULL;
	while ((d = readdir(dp))) {
		char path[600];
		struct stat st;
		int fd;
		ssize_t r;

		if (d->d_name[0] == '.' || !strcmp(d->d_name, "uevent") ||
		    !strcmp(d->d_name, "dev") ||
		    strlen(d->d_name) >= sizeof(v->name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (lstat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				close(fd);
				break;
			}
			v = nv;
		}
		r = read(fd, v[n].value, sizeof(v[n].value) - 1);
		close(fd);
		if (r < 0)
			continue;
		while (r > 0 && isspace((unsigned char)v[n].value[r - 1]))
			r--;
		v[n].value[r] = '\0';
		snprintf(v[n].name, sizeof(v[n].name), "%s", d->d_name);
		n++;
	}
	closedir(dp);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_attr);
	*count = n;
	return v;
}

static int cmd_info(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct udmabuf_buffer *b;
	int json = 0, c, r, coh, bits, mmode, smode, owner, sdir = -1;
	uint64_t cpu = 0, soff = 0, ssize = 0;
	int have_cpu, have_set;
	const char *ver;
	struct attr *attrs;
	size_t nattr;
	struct stat st;
	char hs[32];

	while ((c = getopt_long(argc, argv, "jh", lo, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else
			return help_or_usage(info_usage, c != 'h');
	}
	if (optind >= argc)
		return missing("info", "NAME", info_usage);
	if (optind + 1 < argc)
		return too_many("info", info_usage);
	r = open_buffer(argv[optind], UDMABUF_OPEN_RDONLY, &b);
	if (r)
		return r;

	have_cpu = udmabuf_buffer_get_cpu_phys_addr(b, &cpu) == 0;
	coh = udmabuf_buffer_is_dma_coherent(b);
	bits = udmabuf_buffer_get_dma_mask_bits(b);
	mmode = udmabuf_buffer_get_mmap_mode(b);
	smode = udmabuf_buffer_get_sync_mode(b);
	owner = udmabuf_buffer_get_sync_owner(b);
	have_set = udmabuf_buffer_get_sync_settings(b, &soff, &ssize,
						    &sdir) == 0;
	ver = udmabuf_buffer_get_driver_version(b);
	if (fstat(udmabuf_buffer_get_fd(b), &st))
		memset(&st, 0, sizeof(st));
	attrs = read_attrs(udmabuf_buffer_get_sysfs_path(b), &nattr);

	if (json) {
		printf("{\n  \"name\": ");
		json_string(stdout, udmabuf_buffer_get_name(b));
		printf(",\n  \"device\": ");
		json_string(stdout, udmabuf_buffer_get_path(b));
		printf(",\n  \"sysfs\": ");
		json_string(stdout, udmabuf_buffer_get_sysfs_path(b));
		printf(",\n  \"size\": %" PRIu64, udmabuf_buffer_get_size(b));
		printf(",\n  \"dma_addr\": %" PRIu64,
		       udmabuf_buffer_get_dma_addr(b));
		if (have_cpu)
			printf(",\n  \"cpu_phys_addr\": %" PRIu64, cpu);
		else
			printf(",\n  \"cpu_phys_addr\": null");
		printf(",\n  \"dma_coherent\": %s", coh < 0 ? "null" :
		       coh ? "true" : "false");
		if (bits >= 0)
			printf(",\n  \"dma_mask_bits\": %d", bits);
		else
			printf(",\n  \"dma_mask_bits\": null");
		if (mmode >= 0)
			printf(",\n  \"quirk_mmap_mode\": %d", mmode);
		else
			printf(",\n  \"quirk_mmap_mode\": null");
		if (smode >= 0)
			printf(",\n  \"sync_mode\": %d", smode);
		else
			printf(",\n  \"sync_mode\": null");
		printf(",\n  \"sync_owner\": %s", owner < 0 ? "null" :
		       owner ? "\"device\"" : "\"cpu\"");
		if (have_set)
			printf(",\n  \"sync_offset\": %" PRIu64
			       ",\n  \"sync_size\": %" PRIu64
			       ",\n  \"sync_direction\": %d", soff, ssize, sdir);
		else
			printf(",\n  \"sync_offset\": null,\n  \"sync_size\": null"
			       ",\n  \"sync_direction\": null");
		printf(",\n  \"driver_version\": ");
		if (ver)
			json_string(stdout, ver);
		else
			printf("null");
		printf(",\n  \"ioctl_version\": %d",
		       udmabuf_buffer_get_ioctl_version(b));
		printf(",\n  \"interface\": \"%s\"",
		       udmabuf_buffer_get_ioctl_version(b) ? "ioctl" : "sysfs");
		printf(",\n  \"node\": {\"major\": %u, \"minor\": %u, "
		       "\"uid\": %u, \"gid\": %u, \"mode\": \"%04o\"}",
		       major(st.st_rdev), minor(st.st_rdev),
		       (unsigned int)st.st_uid, (unsigned int)st.st_gid,
		       (unsigned int)(st.st_mode & 07777));
		printf(",\n  \"attributes\": {");
		for (size_t i = 0; i < nattr; i++) {
			printf("%s\n    ", i ? "," : "");
			json_string(stdout, attrs[i].name);
			printf(": ");
			json_string(stdout, attrs[i].value);
		}
		printf("%s}\n}\n", nattr ? "\n  " : "");
	} else {
		printf("%-16s %s\n", "name", udmabuf_buffer_get_name(b));
		printf("%-16s %s (char %u:%u, uid %u, gid %u, mode %04o)\n",
		       "device", udmabuf_buffer_get_path(b), major(st.st_rdev),
		       minor(st.st_rdev), (unsigned int)st.st_uid,
		       (unsigned int)st.st_gid,
		       (unsigned int)(st.st_mode & 07777));
		printf("%-16s %s\n", "sysfs", udmabuf_buffer_get_sysfs_path(b));
		printf("%-16s %" PRIu64 " (%s)\n", "size",
		       udmabuf_buffer_get_size(b),
		       human_size(udmabuf_buffer_get_size(b), hs, sizeof(hs)));
		printf("%-16s 0x%016" PRIx64 " (give this to the device)\n",
		       "dma_addr", udmabuf_buffer_get_dma_addr(b));
		if (have_cpu)
			printf("%-16s 0x%016" PRIx64 "\n", "cpu_phys_addr", cpu);
		else
			printf("%-16s unknown (the driver does not say)\n",
			       "cpu_phys_addr");
		printf("%-16s %s\n", "dma_coherent", coh < 0 ? "unknown" :
		       coh ? "yes (no cache maintenance needed)" : "no");
		if (bits >= 0)
			printf("%-16s %d bits\n", "dma_mask", bits);
		if (mmode >= 0)
			printf("%-16s %d\n", "quirk_mmap_mode", mmode);
		if (smode >= 0)
			printf("%-16s %d (%s)\n", "sync_mode", smode,
			       mode_name(smode));
		if (owner >= 0)
			printf("%-16s %s\n", "sync_owner",
			       owner ? "device" : "cpu");
		if (have_set) {
			printf("%-16s %" PRIu64 "\n", "sync_offset", soff);
			printf("%-16s %" PRIu64 "\n", "sync_size", ssize);
			printf("%-16s %d (%s)\n", "sync_direction", sdir,
			       dir_name(sdir));
		}
		printf("%-16s %s\n", "driver_version", ver ? ver : "unknown");
		if (udmabuf_buffer_get_ioctl_version(b))
			printf("%-16s ioctl (version %d)\n", "interface",
			       udmabuf_buffer_get_ioctl_version(b));
		else
			printf("%-16s sysfs (no ioctls)\n", "interface");
		printf("sysfs attributes:\n");
		for (size_t i = 0; i < nattr; i++)
			printf("  %-16s %s\n", attrs[i].name, attrs[i].value);
	}
	free(attrs);
	udmabuf_buffer_close(b);
	return EX_OK;
}

/* ----------------------------------------------------- create, delete */

static int cmd_create(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct udmabuf_manager *m;
	char opts[1024] = "", hs[32];
	const char *name;
	uint64_t size;
	size_t used = 0;
	int c, r, e;

	while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1)
		return help_or_usage(create_usage, c != 'h');
	if (optind >= argc)
		return missing("create", "NAME", create_usage);
	if (optind + 1 >= argc)
		return missing("create", "SIZE", create_usage);
	name = argv[optind];
	if (parse_size(argv[optind + 1], &size) || size == 0)
		return bad_size("size", argv[optind + 1]);
	for (int i = optind + 2; i < argc; i++) {
		const char *o = argv[i];
		int n;

		if (!strcmp(o, "--help") || !strcmp(o, "-h"))
			return help_or_usage(create_usage, 0);
		if (!*o || strpbrk(o, " \t\n\r")) {
			msg("bad option '%s': one KEY=VALUE per argument", o);
			return EX_USAGE;
		}
		if (!strncmp(o, "auto-delete=", 12) && strcmp(o + 12, "0")) {
			msg("auto-delete=1 would delete '%s' as soon as this "
			    "command exits: it is for programs that keep "
			    "%s open (libudmabuf: udmabuf_manager_create())",
			    name, MGR_PATH);
			return EX_USAGE;
		}
		n = snprintf(opts + used, sizeof(opts) - used, "%s%s",
			     used ? " " : "", o);
		if (n < 0 || (size_t)n >= sizeof(opts) - used) {
			msg("the options are too long for the manager");
			return EX_USAGE;
		}
		used += (size_t)n;
	}
	r = open_manager(&m);
	if (r)
		return r;
	r = udmabuf_manager_create(m, name, size, opts);
	e = -r;
	udmabuf_manager_close(m);
	if (r == 0) {
		struct udmabuf_buffer *b = udmabuf_buffer_open(name,
						UDMABUF_OPEN_RDONLY);

		if (b) {
			printf("created %s: %s, DMA address 0x%016" PRIx64 "\n",
			       udmabuf_buffer_get_path(b),
			       human_size(udmabuf_buffer_get_size(b), hs,
					  sizeof(hs)),
			       udmabuf_buffer_get_dma_addr(b));
			udmabuf_buffer_close(b);
		} else {
			printf("created %s\n", name);
		}
		return EX_OK;
	}
	switch (e) {
	case EEXIST:
		msg("a buffer named '%s' exists already (`udmabuf delete %s` "
		    "removes it)", name, name);
		return EX_EXISTS;
	case EBUSY:
		msg("the minor number asked for is in use (choose another "
		    "minor= or leave it out)");
		return EX_EXISTS;
	case EINVAL:
		msg("the driver refused 'create %s %" PRIu64 "%s%s': a bad "
		    "name, size or option (its kernel log line names it: "
		    "dmesg | tail; options: udmabuf create --help)", name,
		    size, used ? " " : "", opts);
		return EX_USAGE;
	case ENOMEM:
		msg("no %s of contiguous DMA memory for '%s' (try a smaller "
		    "size, or reserve CMA memory: cma=<size> on the kernel "
		    "command line)", human_size(size, hs, sizeof(hs)), name);
		return EX_FAIL;
	case ENODEV:
		msg("the parent device named for '%s' is not there or has no "
		    "driver", name);
		return EX_FAIL;
	case EACCES:
	case EPERM:
		msg("permission denied: the manager refused to create '%s'",
		    name);
		return EX_PERM;
	}
	msg("cannot create '%s': %s", name, strerror(e));
	return EX_FAIL;
}

static int cmd_delete(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct udmabuf_manager *m;
	const char *name;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1)
		return help_or_usage(delete_usage, c != 'h');
	if (optind >= argc)
		return missing("delete", "NAME", delete_usage);
	if (optind + 1 < argc)
		return too_many("delete", delete_usage);
	name = argv[optind];
	r = open_manager(&m);
	if (r)
		return r;
	r = udmabuf_manager_delete(m, name);
	udmabuf_manager_close(m);
	switch (-r) {
	case 0:
		return EX_OK;
	case ENOENT:
		msg("no buffer named '%s' (`udmabuf list` shows the buffers)",
		    name);
		return EX_NOBUF;
	case EPERM:
	case EACCES:
		msg("'%s' cannot be deleted through the manager: it is "
		    "another user's (only its creator or root may delete it), "
		    "or a device-tree or kernel-module buffer (the kernel log "
		    "says which)", name);
		return EX_PERM;
	case EINVAL:
		msg("'%s' is not a valid buffer name", name);
		return EX_USAGE;
	}
	msg("cannot delete '%s': %s", name, strerror(-r));
	return EX_FAIL;
}

/* ------------------------------------------------------------- sync */

static int parse_dir(const char *s)
{
	if (!strcmp(s, "bidirectional") || !strcmp(s, "0"))
		return 0;
	if (!strcmp(s, "to-device") || !strcmp(s, "1"))
		return 1;
	if (!strcmp(s, "from-device") || !strcmp(s, "2"))
		return 2;
	return -1;
}

/* offset and size against the buffer: 0 or EX_USAGE after a message */
static int check_range(struct udmabuf_buffer *b, uint64_t off, int have_size,
		       uint64_t *size)
{
	uint64_t bs = udmabuf_buffer_get_size(b);

	if (off > bs) {
		msg("offset 0x%" PRIx64 " is past the end of '%s' (size 0x%"
		    PRIx64 ")", off, udmabuf_buffer_get_name(b), bs);
		return EX_USAGE;
	}
	if (!have_size) {
		*size = bs - off;
	} else if (*size > bs - off) {
		msg("offset 0x%" PRIx64 " + size 0x%" PRIx64 " pass the end of "
		    "'%s' (size 0x%" PRIx64 ")", off, *size,
		    udmabuf_buffer_get_name(b), bs);
		return EX_USAGE;
	}
	return 0;
}

static int cmd_sync(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "offset", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct udmabuf_buffer *b;
	uint64_t off = 0, size = 0;
	int have_size = 0, dir = 0, c, r, to_dev;

	while ((c = getopt_long(argc, argv, "o:s:d:h", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (parse_size(optarg, &off))
				return bad_size("offset", optarg);
			break;
		case 's':
			if (parse_size(optarg, &size))
				return bad_size("size", optarg);
			have_size = 1;
			break;
		case 'd':
			dir = parse_dir(optarg);
			if (dir < 0) {
				msg("bad direction '%s': bidirectional, "
				    "to-device or from-device (0, 1, 2)",
				    optarg);
				return EX_USAGE;
			}
			break;
		default:
			return help_or_usage(sync_usage, c != 'h');
		}
	}
	if (optind >= argc)
		return missing("sync", "NAME", sync_usage);
	if (optind + 1 >= argc)
		return missing("sync", "cpu or device", sync_usage);
	if (optind + 2 < argc)
		return too_many("sync", sync_usage);
	if (!strcmp(argv[optind + 1], "cpu")) {
		to_dev = 0;
	} else if (!strcmp(argv[optind + 1], "device")) {
		to_dev = 1;
	} else {
		msg("sync: '%s' is neither cpu nor device", argv[optind + 1]);
		return EX_USAGE;
	}
	r = open_buffer(argv[optind], 0, &b);
	if (r)
		return r;
	r = check_range(b, off, have_size, &size);
	if (!r) {
		int e = to_dev ? udmabuf_buffer_sync_for_device(b, off, size, dir) :
				 udmabuf_buffer_sync_for_cpu(b, off, size, dir);

		switch (-e) {
		case 0:
			break;
		case EACCES:
		case EPERM:
			r = perm_buffer(udmabuf_buffer_get_sysfs_path(b));
			break;
		case ENODEV:
			msg("the device of '%s' is gone (its parent was "
			    "unbound): nothing to sync",
			    udmabuf_buffer_get_name(b));
			r = EX_FAIL;
			break;
		default:
			msg("sync of '%s' failed: %s",
			    udmabuf_buffer_get_name(b), strerror(-e));
			r = -e == EINVAL ? EX_USAGE : EX_FAIL;
		}
	}
	udmabuf_buffer_close(b);
	return r;
}

/* ------------------------------------------------------- read, write */

struct progress {
	int on;
	const char *what;
	uint64_t total;
};

static void progress_show(struct progress *p, uint64_t done)
{
	if (!p->on)
		return;
	fprintf(stderr, "\r%s: %8.1f / %.1f MiB %3u%%", p->what,
		(double)done / 1048576.0, (double)p->total / 1048576.0,
		p->total ? (unsigned int)(done * 100 / p->total) : 100);
	if (done == p->total)
		fputc('\n', stderr);
	fflush(stderr);
}

static void progress_init(struct progress *p, int quiet, const char *what,
			  uint64_t total)
{
	p->on = !quiet && total >= PROGRESS_MIN && isatty(STDERR_FILENO);
	p->what = what;
	p->total = total;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int rw_opts(int argc, char **argv, const char *usage, uint64_t *off,
		   uint64_t *size, int *have_size, int *sync, int *quiet)
{
	static const struct option lo[] = {
		{ "offset", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 's' },
		{ "sync", no_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "o:s:Sqh", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (parse_size(optarg, off))
				return bad_size("offset", optarg);
			break;
		case 's':
			if (parse_size(optarg, size))
				return bad_size("size", optarg);
			*have_size = 1;
			break;
		case 'S':
			*sync = 1;
			break;
		case 'q':
			*quiet = 1;
			break;
		case 'h':
			help_or_usage(usage, 0);
			return -1;	/* done: exit 0 */
		default:
			return help_or_usage(usage, 1);
		}
	}
	if (optind >= argc)
		return missing(argv[0], "NAME", usage);
	if (optind + 2 < argc)
		return too_many(argv[0], usage);
	return 0;
}

static int cmd_read(int argc, char **argv)
{
	uint64_t off = 0, size = 0, done = 0;
	int have_size = 0, sync = 0, quiet = 0, r, fd = STDOUT_FILENO;
	const char *file;
	struct udmabuf_buffer *b;
	struct progress pg;
	char *chunk;

	r = rw_opts(argc, argv, read_usage, &off, &size, &have_size, &sync,
		    &quiet);
	if (r)
		return r < 0 ? EX_OK : r;
	file = optind + 1 < argc ? argv[optind + 1] : "-";
	if (!strcmp(file, "-") && isatty(STDOUT_FILENO)) {
		msg("read: not writing binary data to a terminal: name a FILE "
		    "or redirect stdout (udmabuf read NAME > file)");
		return EX_USAGE;
	}
	r = open_buffer(argv[optind], UDMABUF_OPEN_RDONLY |
			(sync ? UDMABUF_OPEN_SYNC : 0), &b);
	if (r)
		return r;
	r = check_range(b, off, have_size, &size);
	if (r) {
		udmabuf_buffer_close(b);
		return r;
	}
	if (strcmp(file, "-")) {
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0) {
			msg("cannot create %s: %s", file, strerror(errno));
			udmabuf_buffer_close(b);
			return errno == EACCES ? EX_PERM : EX_FAIL;
		}
	}
	chunk = malloc(CHUNK);
	if (!chunk) {
		msg("out of memory");
		r = EX_FAIL;
		goto out;
	}
	progress_init(&pg, quiet, "read", size);
	while (done < size) {
		size_t n = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
		int64_t got = udmabuf_buffer_read(b, off + done, chunk, n);

		if (got <= 0) {
			msg("reading '%s' at 0x%" PRIx64 " failed: %s",
			    udmabuf_buffer_get_name(b), off + done,
			    got ? strerror((int)-got) : "unexpected end");
			r = EX_FAIL;
			break;
		}
		if (write_all(fd, chunk, (size_t)got)) {
			msg("writing %s failed: %s",
			    strcmp(file, "-") ? file : "stdout",
			    strerror(errno));
			r = EX_FAIL;
			break;
		}
		done += (uint64_t)got;
		progress_show(&pg, done);
	}
	if (!size)
		progress_show(&pg, 0);
	free(chunk);
out:
	if (fd != STDOUT_FILENO && close(fd) && !r) {
		msg("writing %s failed: %s", file, strerror(errno));
		r = EX_FAIL;
	}
	udmabuf_buffer_close(b);
	return r;
}

/* read up to n bytes, looping over short reads; bytes or -1 */
static ssize_t read_full(int fd, char *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int cmd_write(int argc, char **argv)
{
	uint64_t off = 0, size = 0, room, done = 0, want;
	int have_size = 0, sync = 0, quiet = 0, r, fd = STDIN_FILENO;
	const char *file;
	struct udmabuf_buffer *b;
	struct progress pg;
	struct stat st;
	char *chunk;

	r = rw_opts(argc, argv, write_usage, &off, &size, &have_size, &sync,
		    &quiet);
	if (r)
		return r < 0 ? EX_OK : r;
	file = optind + 1 < argc ? argv[optind + 1] : "-";
	r = open_buffer(argv[optind], sync ? UDMABUF_OPEN_SYNC : 0, &b);
	if (r)
		return r;
	if (off > udmabuf_buffer_get_size(b)) {
		uint64_t z = 0;

		r = check_range(b, off, 1, &z);
		udmabuf_buffer_close(b);
		return r;
	}
	room = udmabuf_buffer_get_size(b) - off;
	if (strcmp(file, "-")) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			msg("cannot open %s: %s", file, strerror(errno));
			udmabuf_buffer_close(b);
			return errno == ENOENT ? EX_USAGE :
			       errno == EACCES ? EX_PERM : EX_FAIL;
		}
	}
	want = have_size ? size : room;
	if (have_size && size > room) {
		msg("--size 0x%" PRIx64 " at offset 0x%" PRIx64 " passes the "
		    "end of '%s' (room for 0x%" PRIx64 " bytes)", size, off,
		    udmabuf_buffer_get_name(b), room);
		r = EX_USAGE;
		goto out;
	}
	if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
		uint64_t len = (uint64_t)st.st_size;

		if (!have_size && len > room) {
			msg("%s (%" PRIu64 " bytes) does not fit into '%s' at "
			    "offset 0x%" PRIx64 " (room for %" PRIu64 " bytes; "
			    "--size writes part of it)", file, len,
			    udmabuf_buffer_get_name(b), off, room);
			r = EX_USAGE;
			goto out;
		}
		if (len < want)
			want = len;
	}
	chunk = malloc(CHUNK);
	if (!chunk) {
		msg("out of memory");
		r = EX_FAIL;
		goto out;
	}
	progress_init(&pg, quiet, "write", want);
	while (done < want) {
		size_t n = want - done < CHUNK ? (size_t)(want - done) : CHUNK;
		ssize_t got = read_full(fd, chunk, n);
		int64_t put;

		if (got < 0) {
			msg("reading %s failed: %s",
			    strcmp(file, "-") ? file : "stdin",
			    strerror(errno));
			r = EX_FAIL;
			break;
		}
		if (got == 0)
			break;
		put = udmabuf_buffer_write(b, off + done, chunk, (size_t)got);
		if (put != got) {
			msg("writing '%s' at 0x%" PRIx64 " failed: %s",
			    udmabuf_buffer_get_name(b), off + done,
			    put < 0 ? strerror((int)-put) : "short write");
			r = EX_FAIL;
			break;
		}
		done += (uint64_t)got;
		if (pg.on && done < want)
			progress_show(&pg, done);
	}
	if (pg.on) {
		pg.total = done;
		progress_show(&pg, done);
	}
	/* stdin longer than the room (without --size): say so */
	if (!r && !have_size && done == room) {
		char extra;
		ssize_t more = read(fd, &extra, 1);

		if (more > 0) {
			msg("the input is longer than the room in '%s' at "
			    "offset 0x%" PRIx64 " (%" PRIu64 " bytes written; "
			    "--size writes part of the input on purpose)",
			    udmabuf_buffer_get_name(b), off, done);
			r = EX_FAIL;
		}
	}
	free(chunk);
out:
	if (fd != STDIN_FILENO)
		close(fd);
	udmabuf_buffer_close(b);
	return r;
}

/* ------------------------------------------------------------- main */

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "list", cmd_list },
	{ "info", cmd_info },
	{ "create", cmd_create },
	{ "delete", cmd_delete },
	{ "sync", cmd_sync },
	{ "read", cmd_read },
	{ "write", cmd_write },
	{ "bench", cmd_bench },
};

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		fputs(main_usage, stderr);
		return EX_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(main_usage, stdout);
		return EX_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("udmabuf (libudmabuf %s)\n", udmabuf_api_version());
		return EX_OK;
	}
	if (!strcmp(argv[1], "help")) {
		char *h[] = { argv[2], (char *)"--help", NULL };

		if (argc < 3) {
			fputs(main_usage, stdout);
			return EX_OK;
		}
		c = find(argv[2]);
		if (!c) {
			msg("no command '%s' (udmabuf --help lists them)",
			    argv[2]);
			return EX_USAGE;
		}
		return c->fn(2, h);
	}
	c = find(argv[1]);
	if (!c) {
		msg("no command '%s' (udmabuf --help lists them)", argv[1]);
		return EX_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
