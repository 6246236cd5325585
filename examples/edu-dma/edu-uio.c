// SPDX-License-Identifier: GPL-2.0
/*
 * edu-uio: a user-space driver for QEMU's "edu" PCI device, moving data
 * between a u-dma-buf buffer and the device's DMA engine through UIO.
 *
 * Copy it and adapt it to your own device.  It does what every user-space
 * DMA driver does, one numbered step at a time (see main()):
 *
 *   1. find the device (PCI 1234:11e8) in /sys/bus/pci/devices
 *   2. make sure uio_pci_generic drives it, and open /dev/uioN
 *   3. enable bus mastering in the PCI command register (the config file)
 *   4. map the registers (BAR0) through .../resource0
 *   5. open the u-dma-buf buffer: its DMA address and size from sysfs, and
 *      a mapping of its memory
 *   6. per round: the CPU fills a source region, syncs it for the device,
 *      the device DMAs it into its own memory and back into a destination
 *      region, the CPU waits for each transfer (interrupt or polling),
 *      syncs the destination for the CPU and compares byte by byte.
 *
 * The address written into the DMA engine is the buffer's DMA address
 * (sysfs phys_addr, ioctl U_DMA_BUF_IOCTL_GET_DMA_ADDR): what the device
 * sees, an I/O virtual address behind an IOMMU.  The CPU physical address
 * (cpu_phys_addr) is shown for information only and never goes into a
 * device register.  Walk-through: docs/user-space-driver.md.
 *
 * The edu device (QEMU hw/misc/edu.c), BAR0 registers used here:
 *   0x00 (32-bit) identification 0xRRrr00ed; 0x04 (32-bit) liveness: reads
 *   back the inverse of what was written; 0x24 (32-bit) interrupt status;
 *   0x64 (32-bit) interrupt acknowledge (write the bits to clear);
 *   0x80 DMA source, 0x88 DMA destination, 0x90 DMA count, 0x98 DMA command
 *   (64-bit): bit 0 start (reads 1 until the transfer is done), bit 1
 *   direction (0: RAM -> device, 1: device -> RAM), bit 2 raise interrupt
 *   0x100 when done.  The device's own memory is 4096 bytes at 0x40000.
 *   Registers below 0x80 take 32-bit accesses only.
 * Limits of the emulated device: its DMA engine reaches 28 address bits
 * unless QEMU starts it with dma_mask=...; it tells nobody (no register),
 * hence --mask.  QEMU 7.2 aborts on a 4096-byte transfer at 0x40000, so a
 * transfer is at most 4095 bytes here.  A transfer takes about 100 ms.
 *
 * Build: cc -O2 -Wall -I<u-dma-buf>/include/uapi -o edu-uio edu-uio.c
 * Run as root: edu-uio --buffer udmabuf0 [options]; edu-uio --help.
 * Exit status: 0 when every round matched, 1 on a mismatch or a timeout,
 * 2 when the setup failed (no device, no buffer, out of reach, bad option).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/u-dma-buf.h>	/* include/uapi/linux/u-dma-buf.h */

/* ------------------------------------------------------- the device */

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8

#define EDU_REG_ID		0x00
#define EDU_REG_LIVENESS	0x04
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_DMA_START		0x1	/* reads 1 while the transfer runs */
#define EDU_DMA_TO_RAM		0x2	/* 0: RAM -> device, 1: device -> RAM */
#define EDU_DMA_IRQ		0x4	/* raise EDU_IRQ_DMA when done */
#define EDU_IRQ_DMA		0x100	/* interrupt status bit of the DMA */

#define EDU_MEM_ADDR		0x40000	/* the device's 4 KiB of memory */
#define EDU_MAX_XFER		4095	/* QEMU 7.2: 4096 at 0x40000 aborts */

/* PCI configuration space (the sysfs "config" file) */
#define PCI_CMD			0x04	/* 16-bit command register */
#define PCI_CMD_MEMORY		0x0002	/* answer memory cycles (BARs) */
#define PCI_CMD_MASTER		0x0004	/* bus master: may start DMA */
#define PCI_CMD_INTX_OFF_HI	0x04	/* bit 10 (INTx disable) in byte 5 */
#define PCI_STATUS		0x06
#define PCI_STATUS_INTX		0x0008	/* INTx asserted */

#define SYS_PCI			"/sys/bus/pci"
#define SYS_UDMABUF		"/sys/class/u-dma-buf"

/* ------------------------------------------------------------ state */

struct opts {
	const char *buffer;	/* --buffer NAME */
	const char *pci;	/* --pci BDF, or NULL: the first edu found */
	size_t sizes[16];	/* --size N[,N...] */
	int nsizes;
	const char *patterns[16]; /* --pattern P[,P...] */
	int npatterns;
	uint64_t src_off;	/* --src-offset */
	uint64_t dst_off;	/* --dst-offset; UINT64_MAX: after the source */
	uint64_t seed;		/* --seed */
	int rounds;		/* --rounds; 0: one per size/pattern */
	int poll;		/* --poll: no interrupts */
	uint64_t mask;		/* --mask: edu's DMA reach */
	int mask_bits;
	int use_sysfs_sync;	/* --sync sysfs */
	int timeout_ms;		/* --timeout */
	int no_bind;		/* --no-bind: never bind a driver */
};

struct edu {
	char bdf[64];		/* 0000:00:04.0 */
	char dir[128];		/* /sys/bus/pci/devices/<bdf> */
	int uio_fd;		/* /dev/uioN: interrupts */
	int uio_num;
	int cfg_fd;		/* PCI configuration space */
	volatile uint8_t *regs;	/* BAR0 */
	size_t regs_len;
	uint32_t irqs;		/* interrupt count last read from uio */
};

struct buf {
	const char *name;
	int fd;			/* /dev/<name> */
	uint8_t *mem;		/* its mapping */
	uint64_t size;
	uint64_t dma_addr;	/* phys_addr: what the device is given */
	uint64_t cpu_phys;	/* cpu_phys_addr, when the driver has it */
	int have_cpu_phys;
};

static struct opts opt;

/* -------------------------------------------------------- utilities */

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "edu-uio: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

/* read a small sysfs file into buf without the trailing newline; -errno */
static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

/* a number as sysfs prints it: decimal or 0x hex */
static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	/* clang 14 takes errno as maybe 0 after a failed open() in read_text() */
	/* NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Branch) */
	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

static int read_u64(const char *path, uint64_t *v)
{
	char text[64];
	int r = read_text(path, text, sizeof(text));

	return r ? r : parse_u64(text, v);
}

static uint64_t opt_u64(const char *name, const char *s)
{
	uint64_t v;

	if (parse_u64(s, &v))
		die("--%s: \"%s\" is not a number", name, s);
	return v;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* --------------------------------------------- device register access */

/*
 * The mapping of BAR0 is uncached device memory: every volatile access is
 * one bus cycle of exactly that width, in program order.  (A 32-bit CPU
 * may split a 64-bit access into two 32-bit ones; edu then takes the low
 * half and ignores the high one: addresses below 4 GiB only there.)
 */
static uint32_t rd32(struct edu *e, unsigned int reg)
{
	return *(volatile uint32_t *)(e->regs + reg);
}

static void wr32(struct edu *e, unsigned int reg, uint32_t v)
{
	*(volatile uint32_t *)(e->regs + reg) = v;
}

static void wr64(struct edu *e, unsigned int reg, uint64_t v)
{
	*(volatile uint64_t *)(e->regs + reg) = v;
}

/* -------------------------------------------------- 1. find the device */

static int is_edu(const char *dir)
{
	char path[PATH_MAX];
	uint64_t vendor, device;

	snprintf(path, sizeof(path), "%s/vendor", dir);
	if (read_u64(path, &vendor))
		return 0;
	snprintf(path, sizeof(path), "%s/device", dir);
	if (read_u64(path, &device))
		return 0;
	return vendor == EDU_VENDOR && device == EDU_DEVICE;
}

static void set_device(struct edu *e, const char *bdf)
{
	if (strlen(bdf) >= sizeof(e->bdf) || strchr(bdf, '/'))
		die("\"%s\" is not a PCI address", bdf);
	snprintf(e->bdf, sizeof(e->bdf), "%s", bdf);
	snprintf(e->dir, sizeof(e->dir), SYS_PCI "/devices/%s", bdf);
}

static void find_edu(struct edu *e)
{
	struct dirent **list;
	int n, i, found = 0;

	if (opt.pci) {
		set_device(e, opt.pci);
		if (access(e->dir, F_OK))
			die("no PCI device %s (%s: %s)", e->bdf, e->dir,
			    strerror(errno));
		if (!is_edu(e->dir))
			die("PCI device %s is not an edu device (%04x:%04x)",
			    e->bdf, EDU_VENDOR, EDU_DEVICE);
		printf("1. device: edu at %s (--pci)\n", e->bdf);
		return;
	}
	n = scandir(SYS_PCI "/devices", &list, NULL, alphasort);
	if (n < 0)
		die(SYS_PCI "/devices: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), SYS_PCI "/devices/%s", name);
		if (name[0] != '.' && is_edu(dir)) {
			if (!found)
				set_device(e, name);
			else
				printf("   (another edu at %s: use --pci to "
				       "choose it)\n", name);
			found++;
		}
		free(list[i]);
	}
	free(list);
	if (!found)
		die("no edu device (PCI %04x:%04x) in " SYS_PCI "/devices; "
		    "start QEMU with -device edu", EDU_VENDOR, EDU_DEVICE);
	printf("1. device: edu at %s (PCI %04x:%04x)\n", e->bdf, EDU_VENDOR,
	       EDU_DEVICE);
}

/* ---------------------------------------- 2. uio_pci_generic, /dev/uioN */

/* the name of the driver bound to the device, "" when none */
static void bound_driver(struct edu *e, char *name, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "%s/driver", e->dir);
	n = readlink(link, target, sizeof(target) - 1);
	name[0] = '\0';
	if (n > 0) {
		target[n] = '\0';
		snprintf(name, len, "%s", strrchr(target, '/') + 1);
	}
}

static void bind_uio(struct edu *e)
{
	char drv[128], path[PATH_MAX];
	int r;

	bound_driver(e, drv, sizeof(drv));
	if (!strcmp(drv, "uio_pci_generic")) {
		printf("2. driver: uio_pci_generic is bound already\n");
		return;
	}
	if (drv[0])
		die("%s is driven by %s; hand it to uio_pci_generic:\n"
		    "  echo %s > %s/drivers/%s/unbind\n"
		    "  echo uio_pci_generic > %s/driver_override\n"
		    "  echo %s > %s/drivers/uio_pci_generic/bind",
		    e->bdf, drv, e->bdf, SYS_PCI, drv, e->dir, e->bdf,
		    SYS_PCI);
	if (access(SYS_PCI "/drivers/uio_pci_generic", F_OK))
		die("no driver bound to %s and uio_pci_generic is not "
		    "loaded: modprobe uio_pci_generic, then run again", e->bdf);
	if (opt.no_bind)
		die("no driver bound to %s (--no-bind):\n"
		    "  echo uio_pci_generic > %s/driver_override\n"
		    "  echo %s > %s/drivers/uio_pci_generic/bind",
		    e->bdf, e->dir, e->bdf, SYS_PCI);
	/*
	 * driver_override makes uio_pci_generic take this one device (its
	 * new_id file would take every edu device that has no driver), then
	 * bind asks it to.
	 */
	snprintf(path, sizeof(path), "%s/driver_override", e->dir);
	r = write_text(path, "uio_pci_generic");
	if (r)
		die("%s: %s", path, strerror(-r));
	r = write_text(SYS_PCI "/drivers/uio_pci_generic/bind", e->bdf);
	bound_driver(e, drv, sizeof(drv));
	if (strcmp(drv, "uio_pci_generic"))
		die("binding %s to uio_pci_generic failed (%s); see the "
		    "kernel log", e->bdf, r ? strerror(-r) : "not bound");
	printf("2. driver: bound %s to uio_pci_generic (driver_override, "
	       "bind)\n", e->bdf);
}

static void open_uio(struct edu *e)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/uio", e->dir);
	dir = opendir(path);
	if (!dir)
		die("%s: %s (is uio_pci_generic bound?)", path,
		    strerror(errno));
	e->uio_num = -1;
	while ((d = readdir(dir)))
		if (sscanf(d->d_name, "uio%d", &e->uio_num) == 1)
			break;
	closedir(dir);
	if (e->uio_num < 0)
		die("no uio device under %s", path);
	/*
	 * Keep /dev/uioN open while the device may do DMA: uio_pci_generic
	 * clears bus mastering when the last user closes it.
	 */
	snprintf(path, sizeof(path), "/dev/uio%d", e->uio_num);
	e->uio_fd = open(path, O_RDWR | O_CLOEXEC);
	if (e->uio_fd < 0)
		die("%s: %s", path, strerror(errno));
	printf("   opened %s (interrupts; bus mastering stays on while it "
	       "is open)\n", path);
}

/* ----------------------------------------------- 3. PCI bus mastering */

static uint16_t cfg_read16(struct edu *e, off_t off)
{
	uint16_t v;

	if (pread(e->cfg_fd, &v, 2, off) != 2)
		die("reading the PCI config space of %s: %s", e->bdf,
		    strerror(errno));
	return v;	/* sysfs gives config space in CPU byte order */
}

static void enable_bus_master(struct edu *e)
{
	char path[PATH_MAX];
	uint16_t before, after;

	snprintf(path, sizeof(path), "%s/config", e->dir);
	e->cfg_fd = open(path, O_RDWR | O_CLOEXEC);
	if (e->cfg_fd < 0)
		die("%s: %s", path, strerror(errno));
	before = cfg_read16(e, PCI_CMD);
	after = before | PCI_CMD_MEMORY | PCI_CMD_MASTER;
	if (after != before &&
	    pwrite(e->cfg_fd, &after, 2, PCI_CMD) != 2)
		die("writing the PCI command register of %s: %s", e->bdf,
		    strerror(errno));
	after = cfg_read16(e, PCI_CMD);
	if (!(after & PCI_CMD_MASTER))
		die("bus mastering of %s stays off (command 0x%04x)", e->bdf,
		    after);
	printf("3. PCI command register 0x%04x -> 0x%04x: memory space and "
	       "bus master on\n", before, after);
}

/* ------------------------------------------------- 4. map the registers */

static void map_registers(struct edu *e)
{
	char path[PATH_MAX];
	struct stat st;
	uint32_t id, probe = 0x12345678, back;
	int fd;

	snprintf(path, sizeof(path), "%s/resource0", e->dir);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		die("%s: %s", path, strerror(errno));
	e->regs_len = st.st_size;
	if (e->regs_len < EDU_REG_DMA_CMD + 8)
		die("%s: BAR0 is only %zu bytes", path, e->regs_len);
	e->regs = mmap(NULL, e->regs_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	close(fd);
	if (e->regs == MAP_FAILED)
		die("mmap %s: %s", path, strerror(errno));
	id = rd32(e, EDU_REG_ID);
	wr32(e, EDU_REG_LIVENESS, probe);
	back = rd32(e, EDU_REG_LIVENESS);
	printf("4. registers: %s mapped (%zu KiB); id 0x%08x (version "
	       "%u.%u), liveness 0x%08x -> 0x%08x\n", path, e->regs_len >> 10,
	       id, id >> 24, (id >> 16) & 0xff, probe, back);
	if ((id & 0xff) != 0xed || back != ~probe)
		die("the registers of %s do not answer like edu's", e->bdf);
}

/* ------------------------------------------------ 5. the DMA buffer */

static void open_buffer(struct buf *b, struct edu *e)
{
	char path[PATH_MAX], link[PATH_MAX], target[PATH_MAX];
	uint64_t ioctl_addr = 0, coherent = 0;
	ssize_t n;
	int r;

	b->name = opt.buffer;
	snprintf(path, sizeof(path), SYS_UDMABUF "/%s/size", b->name);
	r = read_u64(path, &b->size);
	if (r)
		die("%s: %s (is u-dma-buf loaded with this buffer?)", path,
		    strerror(-r));
	/* the DMA address: what the device must be programmed with */
	snprintf(path, sizeof(path), SYS_UDMABUF "/%s/phys_addr", b->name);
	r = read_u64(path, &b->dma_addr);
	if (r)
		die("%s: %s", path, strerror(-r));
	/* the CPU physical address: newer drivers only; information */
	snprintf(path, sizeof(path), SYS_UDMABUF "/%s/cpu_phys_addr",
		 b->name);
	b->have_cpu_phys = read_u64(path, &b->cpu_phys) == 0;
	snprintf(path, sizeof(path), SYS_UDMABUF "/%s/dma_coherent", b->name);
	read_u64(path, &coherent);

	snprintf(path, sizeof(path), "/dev/%s", b->name);
	b->fd = open(path, O_RDWR | O_CLOEXEC);	/* cached; see sync below */
	if (b->fd < 0)
		die("%s: %s", path, strerror(errno));
	/* the ioctl tells the same address as sysfs */
	if (ioctl(b->fd, U_DMA_BUF_IOCTL_GET_DMA_ADDR, &ioctl_addr))
		die("ioctl GET_DMA_ADDR on %s: %s", path, strerror(errno));
	if (ioctl_addr != b->dma_addr)
		die("%s: phys_addr 0x%" PRIx64 " but GET_DMA_ADDR 0x%" PRIx64,
		    b->name, b->dma_addr, ioctl_addr);
#ifdef U_DMA_BUF_IOCTL_GET_CPU_PHYS_ADDR
	/* and the CPU physical address, as cpu_phys_addr tells it */
	errno = 0;
	if (b->have_cpu_phys &&
	    (ioctl(b->fd, U_DMA_BUF_IOCTL_GET_CPU_PHYS_ADDR, &ioctl_addr) ||
	     ioctl_addr != b->cpu_phys))
		die("%s: cpu_phys_addr 0x%" PRIx64 " but GET_CPU_PHYS_ADDR "
		    "0x%" PRIx64 " (%s)", b->name, b->cpu_phys, ioctl_addr,
		    strerror(errno));
#endif
	if (b->size > SIZE_MAX)
		die("%s: %" PRIu64 " bytes do not fit this address space",
		    b->name, b->size);
	b->mem = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      b->fd, 0);
	if (b->mem == MAP_FAILED)
		die("mmap %s: %s", path, strerror(errno));

	printf("5. buffer: %s, %" PRIu64 " bytes, mapped; dma_coherent %"
	       PRIu64 "\n", path, b->size, coherent);
	printf("   DMA address (phys_addr, programmed into the device): "
	       "0x%016" PRIx64 "\n", b->dma_addr);
	if (b->have_cpu_phys)
		printf("   CPU physical address (cpu_phys_addr, never given to "
		       "the device): 0x%016" PRIx64 "%s\n", b->cpu_phys,
		       b->cpu_phys == b->dma_addr ? " (the same: nothing translates)" :
		       " (differs: an IOMMU translates)");

	/* bound to a parent device? then its DMA address is for that one */
	snprintf(link, sizeof(link), SYS_UDMABUF "/%s/device", b->name);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		if (!strcmp(strrchr(target, '/') + 1, e->bdf))
			printf("   bound to this device (%s)\n", e->bdf);
		else
			printf("   WARNING: bound to %s, not to %s: its DMA "
			       "address is meant for that device\n",
			       strrchr(target, '/') + 1, e->bdf);
	} else {
		printf("   not bound to a device: its DMA address is the one "
		       "of u-dma-buf's own device (its dma_mask_bit)\n");
	}
}

/*
 * edu's DMA engine drops the address bits above its mask: a buffer above it
 * would make the device read and write other memory.  Refuse regions out of
 * reach; only warn about the rest of the buffer.
 */
static void check_reach(const struct buf *b, uint64_t off, uint64_t len,
			const char *what)
{
	uint64_t last = b->dma_addr + off + len - 1;

	if (last < b->dma_addr || last > opt.mask)
		die("the %s region ends at DMA address 0x%" PRIx64 ", beyond "
		    "edu's reach (mask 0x%" PRIx64 ", --mask): load the buffer "
		    "with dma_mask_bit=%d, bind it to a device started with a "
		    "wider dma_mask, or give --mask", what, last, opt.mask,
		    opt.mask_bits);
}

/* ------------------------------------------------------ data patterns */

/* byte i of pattern p with seed s; every pattern is defined for any i */
static uint8_t pattern_byte(const char *p, uint64_t s, uint64_t i)
{
	uint64_t x;

	if (!strcmp(p, "inc"))
		return (uint8_t)(s + i);
	if (!strcmp(p, "dec"))
		return (uint8_t)(s - i);
	if (!strcmp(p, "55aa"))
		return i & 1 ? 0xaa : 0x55;
	if (!strcmp(p, "00"))
		return 0x00;
	if (!strcmp(p, "ff"))
		return 0xff;
	/* "random": a hash of (seed, index), the same on every machine */
	x = s * 0x9e3779b97f4a7c15ULL + i;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (uint8_t)((x ^ (x >> 31)) >> 56);
}

static int pattern_known(const char *p)
{
	static const char *const names[] = {
		"inc", "dec", "55aa", "00", "ff", "random", NULL
	};

	for (int i = 0; names[i]; i++)
		if (!strcmp(p, names[i]))
			return 1;
	return 0;
}

/* ------------------------------------------------------------ syncs */

/*
 * Hand a range of the buffer to the device (for_device = 1) or back to
 * the CPU (0).  On a non-coherent machine (ARM) this is the cache
 * maintenance: for the device the CPU's caches are written back, for the
 * CPU stale lines are invalidated.  On a coherent one (x86) the driver
 * skips the maintenance; the calls stay, so that the program is right
 * everywhere.  The packed argument names offset, size and direction for
 * this call only (include/uapi/linux/u-dma-buf.h); the same value works
 * written to the sysfs files sync_for_device / sync_for_cpu.
 */
static void sync_range(struct buf *b, int for_device, uint64_t off,
		       uint64_t len, int dir)
{
	uint64_t arg = U_DMA_BUF_SYNC_ARG(off, len, dir);
	static const char *const dirs[] = {
		"bidirectional", "to-device", "from-device"
	};
	const char *what = for_device ? "sync_for_device" : "sync_for_cpu";

	if (off > UINT32_MAX || len > 0xfffffff0ULL)
		die("a sync of offset 0x%" PRIx64 " size %" PRIu64 " does not "
		    "fit the packed form", off, len);
	if (opt.use_sysfs_sync) {
		char path[PATH_MAX], text[32];
		int r;

		snprintf(path, sizeof(path), SYS_UDMABUF "/%s/%s", b->name,
			 what);
		snprintf(text, sizeof(text), "0x%" PRIx64, arg);
		r = write_text(path, text);
		if (r)
			die("%s <- %s: %s", path, text, strerror(-r));
	} else if (ioctl(b->fd, for_device ?
			 U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE :
			 U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &arg)) {
		die("ioctl %s: %s", what, strerror(errno));
	}
	printf("   sync      %s: offset 0x%" PRIx64 " size %" PRIu64
	       " %s (%s 0x%" PRIx64 ")\n", what, off, len, dirs[dir],
	       opt.use_sysfs_sync ? "sysfs" : "ioctl", arg);
}

/* ----------------------------------------------------- interrupts */

/*
 * Allow the next interrupt.  uio_pci_generic masks INTx in the PCI command
 * register when the interrupt arrives and has no irqcontrol, so writing 1
 * to /dev/uioN (the UIO way) fails with ENOSYS there: then clear the
 * INTx-disable bit in the command register ourselves.
 */
static void irq_unmask(struct edu *e)
{
	int32_t one = 1;
	uint8_t hi;

	if (write(e->uio_fd, &one, sizeof(one)) == sizeof(one))
		return;
	if (errno != ENOSYS && errno != EINVAL)
		die("unmasking the interrupt through /dev/uio%d: %s",
		    e->uio_num, strerror(errno));
	if (pread(e->cfg_fd, &hi, 1, PCI_CMD + 1) != 1)
		die("reading the PCI command register: %s", strerror(errno));
	if (hi & PCI_CMD_INTX_OFF_HI) {
		hi &= ~PCI_CMD_INTX_OFF_HI;
		if (pwrite(e->cfg_fd, &hi, 1, PCI_CMD + 1) != 1)
			die("writing the PCI command register: %s",
			    strerror(errno));
	}
}

/* clear whatever edu still signals, so that the line is low */
static void irq_ack_all(struct edu *e)
{
	uint32_t st = rd32(e, EDU_REG_IRQ_STATUS);

	if (st)
		wr32(e, EDU_REG_IRQ_ACK, st);
}

static void show_state(struct edu *e)
{
	fprintf(stderr, "   state: DMA command 0x%08x, interrupt status "
		"0x%08x, PCI command 0x%04x, PCI status 0x%04x\n",
		rd32(e, EDU_REG_DMA_CMD), rd32(e, EDU_REG_IRQ_STATUS),
		cfg_read16(e, PCI_CMD), cfg_read16(e, PCI_STATUS));
}

/*
 * Wait until the transfer is done: by interrupt, a blocking read of the
 * interrupt count from /dev/uioN (poll() first, for a timeout), then the
 * device's own acknowledgement; or by polling the start bit.  Returns 0,
 * or -1 on a timeout.
 */
static int wait_done(struct edu *e, const char **how)
{
	double t0 = now_ms();
	static char text[64];

	if (!opt.poll) {
		struct pollfd p = { .fd = e->uio_fd, .events = POLLIN };
		uint32_t count, st;
		int r = poll(&p, 1, opt.timeout_ms);

		if (r < 0)
			die("poll /dev/uio%d: %s", e->uio_num, strerror(errno));
		if (r == 0) {
			fprintf(stderr, "   TIMEOUT: no interrupt within %d ms\n",
				opt.timeout_ms);
			show_state(e);
			return -1;
		}
		if (read(e->uio_fd, &count, 4) != 4)
			die("read /dev/uio%d: %s", e->uio_num, strerror(errno));
		st = rd32(e, EDU_REG_IRQ_STATUS);
		if (!(st & EDU_IRQ_DMA)) {
			fprintf(stderr, "   interrupt %u, but edu's status "
				"0x%08x has no DMA bit\n", count, st);
			show_state(e);
			return -1;
		}
		wr32(e, EDU_REG_IRQ_ACK, EDU_IRQ_DMA);	/* lowers the line */
		snprintf(text, sizeof(text), "interrupt #%u", count);
		e->irqs = count;
		*how = text;
		/* the interrupt comes after the data: the engine is idle */
		if (rd32(e, EDU_REG_DMA_CMD) & EDU_DMA_START) {
			fprintf(stderr, "   interrupt, but the DMA still runs\n");
			show_state(e);
			return -1;
		}
		return 0;
	}
	while (rd32(e, EDU_REG_DMA_CMD) & EDU_DMA_START) {
		struct timespec ms = { 0, 1000000 };

		if (now_ms() - t0 > opt.timeout_ms) {
			fprintf(stderr, "   TIMEOUT: the DMA still runs after "
				"%d ms\n", opt.timeout_ms);
			show_state(e);
			return -1;
		}
		nanosleep(&ms, NULL);
	}
	*how = "polled";
	return 0;
}

/* ---------------------------------------------------- one transfer */

/* to_ram 0: buffer -> edu memory; 1: edu memory -> buffer */
static int dma(struct edu *e, struct buf *b, int to_ram, uint64_t off,
	       uint64_t len)
{
	uint64_t ram = b->dma_addr + off;	/* the DMA address, never the
						 * CPU physical address */
	uint64_t cmd = EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0);
	const char *how = "";
	double t0;

	if (!opt.poll) {
		cmd |= EDU_DMA_IRQ;
		irq_unmask(e);
	}
	wr64(e, EDU_REG_DMA_SRC, to_ram ? EDU_MEM_ADDR : ram);
	wr64(e, EDU_REG_DMA_DST, to_ram ? ram : EDU_MEM_ADDR);
	wr64(e, EDU_REG_DMA_COUNT, len);
	/*
	 * The CPU's stores to the buffer are ordered before this store by the
	 * sync call (a system call); the barrier says so for the registers.
	 */
	__sync_synchronize();
	t0 = now_ms();
	wr64(e, EDU_REG_DMA_CMD, cmd);
	if (wait_done(e, &how))
		return -1;
	__sync_synchronize();
	if (to_ram)
		printf("   DMA       edu 0x%x -> RAM 0x%016" PRIx64 ", %" PRIu64
		       " bytes: done in %.0f ms (%s)\n", EDU_MEM_ADDR, ram, len,
		       now_ms() - t0, how);
	else
		printf("   DMA       RAM 0x%016" PRIx64 " -> edu 0x%x, %" PRIu64
		       " bytes: done in %.0f ms (%s)\n", ram, EDU_MEM_ADDR, len,
		       now_ms() - t0, how);
	return 0;
}

/* --------------------------------------------------------- a round */

#define GUARD	64	/* bytes checked on each side of the destination */

static int in_region(uint64_t i, uint64_t off, uint64_t len)
{
	return i >= off && i - off < len;
}

/*
 * The destination window: the destination and up to GUARD bytes on either
 * side, clipped to the buffer, without the bytes of the source.  The
 * device must write exactly the destination: the guard bytes keep the
 * poison the CPU put there.
 */
static void window(const struct buf *b, uint64_t dst, uint64_t len,
		   uint64_t *lo, uint64_t *hi)
{
	*lo = dst > GUARD ? dst - GUARD : 0;
	*hi = b->size - (dst + len) > GUARD ? dst + len + GUARD : b->size;
}

static int round_trip(struct edu *e, struct buf *b, int r)
{
	const char *pat = opt.patterns[r % opt.npatterns];
	uint64_t len = opt.sizes[r % opt.nsizes];
	uint64_t seed = opt.seed + r, src = opt.src_off, dst = opt.dst_off;
	uint64_t lo, hi, i, bad = 0, guard_bad = 0, src_bad = 0, guards = 0;
	int shown = 0;

	printf("round %d/%d: %" PRIu64 " bytes, pattern %s (seed %" PRIu64
	       "), %s\n", r + 1, opt.rounds, len, pat, seed,
	       opt.poll ? "polling" : "interrupts");
	window(b, dst, len, &lo, &hi);

	/* the CPU writes the source, and poison where the copy will land */
	for (i = 0; i < len; i++)
		b->mem[src + i] = pattern_byte(pat, seed, i);
	for (i = lo; i < hi; i++)
		if (!in_region(i, src, len))
			b->mem[i] = ~pattern_byte(pat, seed, i - dst);
	printf("   fill      CPU wrote the pattern at offset 0x%" PRIx64
	       ", poison at 0x%" PRIx64 "..0x%" PRIx64 "\n", src, lo, hi - 1);

	/*
	 * Both regions go to the device: the source is read by it, the
	 * destination written (the poison must not be written back over the
	 * device's data later on a non-coherent machine).
	 */
	sync_range(b, 1, src, len, U_DMA_BUF_DIR_TO_DEVICE);
	sync_range(b, 1, dst, len, U_DMA_BUF_DIR_FROM_DEVICE);

	if (dma(e, b, 0, src, len) || dma(e, b, 1, dst, len))
		return -2;	/* the engine may still run: stop here */

	/* take the destination back before the CPU reads it */
	sync_range(b, 0, dst, len, U_DMA_BUF_DIR_FROM_DEVICE);

	for (i = lo; i < hi; i++) {
		uint8_t want, seen = b->mem[i];

		if (in_region(i, src, len))
			continue;
		if (in_region(i, dst, len)) {
			want = pattern_byte(pat, seed, i - dst);
		} else {
			want = ~pattern_byte(pat, seed, i - dst);
			guards++;
		}
		if (seen == want)
			continue;
		if (in_region(i, dst, len))
			bad++;
		else
			guard_bad++;
		if (shown++ < 8)
			printf("   MISMATCH  at offset 0x%" PRIx64 " (%s byte %"
			       PRId64 "): expected 0x%02x, found 0x%02x\n", i,
			       in_region(i, dst, len) ? "copy" : "guard",
			       (int64_t)(i - dst), want, seen);
	}
	for (i = 0; i < len; i++)
		if (b->mem[src + i] != pattern_byte(pat, seed, i))
			src_bad++;
	if (bad || guard_bad || src_bad) {
		printf("   verify    FAILED: %" PRIu64 " of %" PRIu64 " bytes "
		       "differ, %" PRIu64 " guard bytes changed, %" PRIu64
		       " source bytes changed\n", bad, len, guard_bad,
		       src_bad);
		return -1;
	}
	printf("   verify    %" PRIu64 " bytes match, %" PRIu64 " guard "
	       "bytes untouched, source intact\n", len, guards);
	return 0;
}

/* ---------------------------------------------------------- options */

static void usage(FILE *f)
{
	fprintf(f,
"usage: edu-uio --buffer NAME [options]\n"
"Moves data through QEMU's edu PCI device with a u-dma-buf buffer, via UIO.\n"
"  --buffer NAME      the u-dma-buf buffer /dev/NAME (required)\n"
"  --pci BDF          the edu device (default: the first one found)\n"
"  --size N[,N...]    bytes per transfer, 1..%d (default 4095); round r\n"
"                     uses the (r mod count)-th\n"
"  --pattern P[,P...] random, inc, dec, 55aa, 00, ff (default random,inc)\n"
"  --seed N           seed of round 0; round r uses seed + r (default 1)\n"
"  --rounds N         round trips (default: one per size or pattern, the\n"
"                     larger count)\n"
"  --src-offset N     where in the buffer the data comes from (default 0)\n"
"  --dst-offset N     where the copy lands (default: 4 KiB after the end\n"
"                     of the source, rounded up to 4 KiB)\n"
"  --poll             wait by polling the DMA command register, not by\n"
"                     interrupt\n"
"  --mask BITS|0xMASK edu's DMA reach (QEMU -device edu,dma_mask=...);\n"
"                     default 28 bits\n"
"  --sync ioctl|sysfs how to sync (default ioctl)\n"
"  --timeout MS       per transfer (default 5000)\n"
"  --no-bind          do not bind uio_pci_generic, only say how\n"
"Exit status: 0 all rounds matched, 1 a mismatch or timeout, 2 setup error.\n",
		EDU_MAX_XFER);
}

/* "a,b,c" into at most max pieces (the string is modified) */
static int split(char *s, const char **out, int max, const char *what)
{
	int n = 0;

	for (char *p = strtok(s, ","); p; p = strtok(NULL, ",")) {
		if (n == max)
			die("--%s: at most %d values", what, max);
		out[n++] = p;
	}
	if (!n)
		die("--%s: no value", what);
	return n;
}

static void parse_options(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "buffer", required_argument, NULL, 'b' },
		{ "pci", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "pattern", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 'S' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "src-offset", required_argument, NULL, 'o' },
		{ "dst-offset", required_argument, NULL, 'O' },
		{ "poll", no_argument, NULL, 'P' },
		{ "mask", required_argument, NULL, 'm' },
		{ "sync", required_argument, NULL, 'y' },
		{ "timeout", required_argument, NULL, 't' },
		{ "no-bind", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static char default_patterns[] = "random,inc";
	const char *sizes[16];
	uint64_t v;
	int c;

	opt.dst_off = UINT64_MAX;
	opt.seed = 1;
	opt.mask_bits = 28;
	opt.timeout_ms = 5000;
	opt.sizes[0] = EDU_MAX_XFER;
	opt.nsizes = 1;
	opt.npatterns = split(default_patterns, opt.patterns, 16, "pattern");
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'b':
			opt.buffer = optarg;
			break;
		case 'd':
			opt.pci = optarg;
			break;
		case 's':
			opt.nsizes = split(optarg, sizes, 16, "size");
			for (int i = 0; i < opt.nsizes; i++) {
				v = opt_u64("size", sizes[i]);
				if (v < 1 || v > EDU_MAX_XFER)
					die("--size %s: 1..%d bytes per "
					    "transfer", sizes[i], EDU_MAX_XFER);
				opt.sizes[i] = v;
			}
			break;
		case 'p':
			opt.npatterns = split(optarg, opt.patterns, 16,
					      "pattern");
			for (int i = 0; i < opt.npatterns; i++)
				if (!pattern_known(opt.patterns[i]))
					die("--pattern %s: unknown",
					    opt.patterns[i]);
			break;
		case 'S':
			opt.seed = opt_u64("seed", optarg);
			break;
		case 'r':
			v = opt_u64("rounds", optarg);
			if (v < 1 || v > 100000)
				die("--rounds: 1..100000");
			opt.rounds = (int)v;
			break;
		case 'o':
			opt.src_off = opt_u64("src-offset", optarg);
			break;
		case 'O':
			opt.dst_off = opt_u64("dst-offset", optarg);
			break;
		case 'P':
			opt.poll = 1;
			break;
		case 'm':
			v = opt_u64("mask", optarg);
			if (v >= 12 && v <= 64) {
				opt.mask_bits = (int)v;
			} else if (v > 64 && !(v & (v + 1))) {
				/* 2^n - 1 */
				opt.mask_bits = 64 - __builtin_clzll(v);
			} else {
				die("--mask %s: 12..64 bits, or a mask 2^n - 1",
				    optarg);
			}
			break;
		case 'y':
			if (strcmp(optarg, "ioctl") && strcmp(optarg, "sysfs"))
				die("--sync: ioctl or sysfs");
			opt.use_sysfs_sync = !strcmp(optarg, "sysfs");
			break;
		case 't':
			v = opt_u64("timeout", optarg);
			if (v < 1 || v > 600000)
				die("--timeout: 1..600000 ms");
			opt.timeout_ms = (int)v;
			break;
		case 'n':
			opt.no_bind = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc || !opt.buffer) {
		usage(stderr);
		exit(2);
	}
	if (!opt.rounds)
		opt.rounds = opt.nsizes > opt.npatterns ? opt.nsizes :
			     opt.npatterns;
	opt.mask = opt.mask_bits == 64 ? UINT64_MAX :
		   (1ULL << opt.mask_bits) - 1;
}

/* offsets against the buffer, now that its size is known */
static void check_layout(const struct buf *b)
{
	uint64_t max = 0, end;

	for (int i = 0; i < opt.nsizes; i++)
		if (opt.sizes[i] > max)
			max = opt.sizes[i];
	if (opt.dst_off == UINT64_MAX) {
		if (opt.src_off > UINT64_MAX / 2)
			die("--src-offset too large");
		end = (opt.src_off + max + 4095) & ~4095ULL;
		opt.dst_off = end + 4096;
	}
	if (opt.src_off > b->size || max > b->size - opt.src_off)
		die("source 0x%" PRIx64 "+%" PRIu64 " passes the end of %s "
		    "(%" PRIu64 " bytes)", opt.src_off, max, b->name, b->size);
	if (opt.dst_off > b->size || max > b->size - opt.dst_off)
		die("destination 0x%" PRIx64 "+%" PRIu64 " passes the end of "
		    "%s (%" PRIu64 " bytes): a larger buffer, or --dst-offset",
		    opt.dst_off, max, b->name, b->size);
	if (opt.src_off < opt.dst_off + max && opt.dst_off < opt.src_off + max)
		die("source 0x%" PRIx64 " and destination 0x%" PRIx64 " overlap "
		    "(%" PRIu64 " bytes each)", opt.src_off, opt.dst_off, max);
	check_reach(b, opt.src_off, max, "source");
	check_reach(b, opt.dst_off, max, "destination");
	if (b->size && b->dma_addr + b->size - 1 > opt.mask)
		printf("   WARNING: the buffer ends beyond edu's reach (DMA "
		       "address 0x%" PRIx64 " > mask 0x%" PRIx64 "); only the "
		       "regions used here are within it\n",
		       b->dma_addr + b->size - 1, opt.mask);
	printf("   edu reaches %d address bits (mask 0x%" PRIx64 "): source "
	       "0x%" PRIx64 " and destination 0x%" PRIx64 " are within\n",
	       opt.mask_bits, opt.mask, b->dma_addr + opt.src_off,
	       b->dma_addr + opt.dst_off);
}

int main(int argc, char **argv)
{
	struct edu e = { .uio_fd = -1, .cfg_fd = -1 };
	struct buf b = { .fd = -1 };
	int r, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_options(argc, argv);

	find_edu(&e);			/* 1 */
	bind_uio(&e);			/* 2 */
	open_uio(&e);
	enable_bus_master(&e);		/* 3 */
	map_registers(&e);		/* 4 */
	open_buffer(&b, &e);		/* 5 */
	check_layout(&b);

	/* 6: the rounds; stale interrupt state of an earlier user first */
	if (!opt.poll)
		irq_ack_all(&e);
	for (r = 0; r < opt.rounds; r++) {
		int rc = round_trip(&e, &b, r);

		if (rc)
			failed++;
		if (rc == -2) {
			printf("edu-uio: stopped after a transfer that did not "
			       "finish\n");
			break;
		}
	}

	if (failed)
		printf("edu-uio: FAILED: %d of %d rounds did not match\n",
		       failed, opt.rounds);
	else
		printf("edu-uio: all %d rounds matched (%s)\n", opt.rounds,
		       opt.poll ? "polling" : "interrupts");
	munmap(b.mem, b.size);
	close(b.fd);
	munmap((void *)e.regs, e.regs_len);
	close(e.cfg_fd);
	close(e.uio_fd);	/* uio_pci_generic turns bus mastering off */
	return failed ? 1 : 0;
}
