// SPDX-License-Identifier: GPL-2.0
/*
 * udmabuf-large-bench: figures, not a test.  Success rate and creation time
 * of buffers far beyond the buddy allocator's 4 MiB (H8), created through
 * /dev/u-dma-buf-mgr of a loaded u-dma-buf, in a series of guest states:
 *
 *   fresh          nothing ran before
 *   hog exited     a process wrote ~90% of MemAvailable and exited
 *   hog holds      a process keeps every other MiB of ~80% of MemAvailable
 *                  (no free range above 1 MiB anywhere: pages must move)
 *   disk cache     ~80% of MemAvailable holds the page cache of a raw block
 *                  device (-b, e.g. /dev/vda), read with read(): such pages
 *                  are reclaimable but not movable (a block device's cache
 *                  is GFP_USER), like the metadata a file system reads
 *   + compaction   the same, after echo 1 > /proc/sys/vm/compact_memory
 *   + drop caches  the same, after echo 3 > /proc/sys/vm/drop_caches
 *
 * Every size is tried -t times (create, delete); a cell of the table is
 * "successes/tries median-ms (max-ms)" of the creation (allocation,
 * clearing and DMA mapping; the guest is an emulated CPU, so absolute
 * times are long: compare them with each other).  4 MiB is the buddy
 * allocator's largest block, the sizes above come from a contiguous range.
 *
 * usage: udmabuf-large-bench [-t tries] [-s MiB,MiB,...] [-b block-device]
 *   (sizes separated by ',' or ':'; without -b no disk-cache rows)
 *   default sizes 4,16,64,256,512 and 1024 when MemTotal is above 3 GiB
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#define MIB		(1024ULL * 1024ULL)
#define MAX_SIZES	16
#define MAX_TRIES	16

static int tries = 3;
static const char *bdev;
static unsigned long long sizes[MAX_SIZES];
static int nsizes;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/* a /proc/meminfo field in KiB, -1 if absent */
static long long meminfo(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = strtoll(line + kl + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/* ------------------------------------------------------- memory hog */

static pid_t hog_pid;

/* fill pct % of MemAvailable; keep: hold every other MiB until killed */
static void hog_start(int pct, int keep, char *note, size_t len)
{
	size_t fill = (size_t)(meminfo("MemAvailable") / 100 * pct) * 1024;
	int pfd[2];
	double t = now();
	char c;

	fill = fill / MIB * MIB;
	if (pipe(pfd)) {
		perror("pipe");
		exit(1);
	}
	fflush(stdout);
	hog_pid = fork();
	if (hog_pid < 0) {
		perror("fork");
		exit(1);
	}
	if (hog_pid == 0) {
		unsigned char *m;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pfd[0]);
		m = mmap(NULL, fill, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED)
			_exit(2);
		memset(m, 0xA5, fill);
		for (size_t off = 0; off < fill; off += MIB)
			if (!keep || (off / MIB) % 2)
				munmap(m + off, MIB);
		if (write(pfd[1], "r", 1) != 1)
			_exit(3);
		if (!keep)
			_exit(0);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1) {
		fprintf(stderr, "udmabuf-large-bench: the memory hog died\n");
		exit(1);
	}
	close(pfd[0]);
	if (!keep) {
		waitpid(hog_pid, NULL, 0);
		hog_pid = 0;
	}
	snprintf(note, len, "a process wrote %zu MiB in %.1f s%s",
		 (size_t)(fill / MIB), now() - t,
		 keep ? ", keeps every other MiB" : " and exited");
}

static void hog_stop(void)
{
	if (hog_pid > 0) {
		kill(hog_pid, SIGKILL);
		waitpid(hog_pid, NULL, 0);
	}
	hog_pid = 0;
}

/*
 * Read pct % of MemAvailable of the block device through its page cache;
 * returns the open file (the last close of a block device drops its cache)
 * or -1.
 */
static int fill_bdev_cache(int pct, char *note, size_t len)
{
	long long want = meminfo("MemAvailable") / 100 * pct * 1024;
	long long before = meminfo("Buffers"), got = 0;
	static char buf[1 << 20];
	double t = now();
	int fd = open(bdev, O_RDONLY);

	if (fd < 0) {
		snprintf(note, len, "%s: %s", bdev, strerror(errno));
		return -1;
	}
	while (got < want) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		got += n;
	}
	snprintf(note, len, "%lld MiB of %s read in %.1f s: Buffers %lld -> %lld MiB",
		 got / (long long)MIB, bdev, now() - t, before / 1024,
		 meminfo("Buffers") / 1024);
	return fd;
}

/* the physical place of the kernel's image (/proc/iomem "Kernel ...") */
static void kernel_image(char *out, size_t len)
{
	unsigned long long lo = ~0ULL, hi = 0, a, b;
	char line[256];
	FILE *f = fopen("/proc/iomem", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, " : Kernel ") &&
		    sscanf(line, " %llx-%llx", &a, &b) == 2) {
			lo = a < lo ? a : lo;
			hi = b > hi ? b : hi;
		}
	if (f)
		fclose(f);
	if (lo > hi)
		snprintf(out, len, "unknown");
	else
		snprintf(out, len, "0x%llx-0x%llx", lo, hi);
}

/* ------------------------------------------------------------ table */

static void print_header(void)
{
	printf("%-14s", "state");
	for (int i = 0; i < nsizes; i++) {
		char h[32];

		snprintf(h, sizeof(h), "%llu MiB", sizes[i] / MIB);
		printf(" %17s", h);
	}
	printf("\n");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* one row: every size tries times through the manager */
static void row(const char *state, const char *note)
{
	printf("%-14s", state);
	fflush(stdout);
	for (int i = 0; i < nsizes; i++) {
		double ms[MAX_TRIES], max = 0;
		char cmd[64], cell[40];
		int ok = 0;

		for (int k = 0; k < tries; k++) {
			double t;
			int r;

			snprintf(cmd, sizeof(cmd), "create ulbench %llu",
				 sizes[i]);
			t = now();
			r = write_str("/dev/u-dma-buf-mgr", cmd);
			t = (now() - t) * 1e3;
			if (r)
				continue;
			ms[ok++] = t;
			if (t > max)
				max = t;
			if (write_str("/dev/u-dma-buf-mgr", "delete ulbench")) {
				fprintf(stderr, "udmabuf-large-bench: delete failed\n");
				exit(1);
			}
		}
		/* cppcheck-suppress uninitvar ; ms[0..ok) is set, qsort reads no more */
		qsort(ms, ok, sizeof(ms[0]), cmp_double);
		if (ok)
			snprintf(cell, sizeof(cell), "%d/%d %.0f (%.0f)", ok,
				 tries, ok % 2 ? ms[ok / 2] :
				 (ms[ok / 2 - 1] + ms[ok / 2]) / 2, max);
		else
			snprintf(cell, sizeof(cell), "%d/%d", ok, tries);
		printf(" %17s", cell);
		fflush(stdout);
	}
	printf("\n");
	if (note && note[0])
		printf("%-14s   (%s)\n", "", note);
}

static void parse_sizes(const char *s)
{
	char *end;

	nsizes = 0;
	while (*s && nsizes < MAX_SIZES) {
		unsigned long long v = strtoull(s, &end, 10);

		if (end == s || !v) {
			fprintf(stderr, "udmabuf-large-bench: bad size list\n");
			exit(2);
		}
		sizes[nsizes++] = v * MIB;
		s = *end == ',' || *end == ':' ? end + 1 : end;
	}
}

int main(int argc, char **argv)
{
	long long total = meminfo("MemTotal"), cma = meminfo("CmaTotal");
	char note[256];
	struct utsname u;
	int opt, fd;

	while ((opt = getopt(argc, argv, "t:s:b:")) != -1) {
		switch (opt) {
		case 't':
			tries = atoi(optarg);
			if (tries < 1 || tries > MAX_TRIES) {
				fprintf(stderr, "udmabuf-large-bench: -t 1..%d\n",
					MAX_TRIES);
				return 2;
			}
			break;
		case 's':
			parse_sizes(optarg);
			break;
		case 'b':
			bdev = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-t tries] [-s MiB,MiB,...] [-b block-device]\n",
				argv[0]);
			return 2;
		}
	}
	if (!nsizes)
		parse_sizes(total > 3 * 1024 * 1024 ? "4,16,64,256,512,1024" :
			    "4,16,64,256,512");
	if (access("/dev/u-dma-buf-mgr", W_OK)) {
		perror("udmabuf-large-bench: /dev/u-dma-buf-mgr");
		return 1;
	}
	uname(&u);
	kernel_image(note, sizeof(note));
	printf("Large buffers on %s %s: MemTotal %lld MiB, %s, kernel image at %s; %d tries per size\n",
	       u.machine, u.release, total / 1024,
	       cma < 0 ? "no CMA in this kernel" :
	       cma == 0 ? "a CMA area of 0 MiB" : "a CMA area", note, tries);
	if (cma > 0)
		printf("(CmaTotal %lld MiB: buffers up to that size may come from it)\n",
		       cma / 1024);
	printf("cell: successes/tries, median (max) milliseconds of a manager create\n");
	print_header();
	row("fresh", NULL);
	hog_start(90, 0, note, sizeof(note));
	row("hog exited", note);
	hog_start(80, 1, note, sizeof(note));
	row("hog holds", note);
	hog_stop();
	if (!bdev)
		return 0;
	fd = fill_bdev_cache(80, note, sizeof(note));
	if (fd < 0) {
		printf("(no disk-cache rows: %s)\n", note);
		return 0;
	}
	row("disk cache", note);
	if (write_str("/proc/sys/vm/compact_memory", "1"))
		printf("(compact_memory: not in this kernel)\n");
	row("+ compaction", NULL);
	snprintf(note, sizeof(note), "Buffers %lld MiB before",
		 meminfo("Buffers") / 1024);
	write_str("/proc/sys/vm/drop_caches", "3");
	snprintf(note + strlen(note), sizeof(note) - strlen(note),
		 ", %lld MiB after", meminfo("Buffers") / 1024);
	row("+ drop caches", note);
	close(fd);
	return 0;
}
