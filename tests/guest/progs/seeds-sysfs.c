/* ut-cflags: -Wno-format -Wno-pointer-sign */
// SPDX-License-Identifier: GPL-2.0
/*
 * seeds-sysfs WHICH: one C fragment of the specification seeds
 * (/work/shared/seeds/001_b6578516f543f884.txt, the blocks headed
 * `C:u-dma-buf_test.c` of section "Device file"), run as it stands against
 * /sys/class/u-dma-buf/udmabuf0.  The fragments are copied verbatim between
 * the "seed fragment" markers; only the declarations they need (fd) and the
 * printing of what they read are added around them.  Their format
 * mismatches (%d with unsigned long, %x into unsigned long, unsigned char *
 * for char *) are the seeds' own, hence the ut-cflags line above.
 *
 * Prints "<name>=<value>" for the fragments that read a value, and
 * "open failed" when the fragment's open() did (the fragment itself then
 * silently does nothing).  Exit status 0, or 1 when open() failed, 2 for
 * an unknown WHICH.  tests/guest/t_seeds.c runs it and checks the effect.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int seed_phys_addr(void)
{
	int fd;

	/* ---- seed fragment 2 (phys_addr, seed line 496), verbatim ---- */
    unsigned char  attr[1024];
    unsigned long  phys_addr;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/phys_addr", O_RDONLY)) != -1) {
        read(fd, attr, 1024);
        sscanf(attr, "%x", &phys_addr);
        close(fd);
    }
	/* ---- end of seed fragment 2 ---- */
	/* "%x" stored an unsigned int into the low half only */
	if (fd != -1) {
		unsigned int low;

		memcpy(&low, &phys_addr, sizeof(low));
		printf("phys_addr=0x%x\n", low);
	}
	return fd == -1;
}

static int seed_size(void)
{
	int fd;

	/* ---- seed fragment 3 (size, seed line 511), verbatim ---- */
    unsigned char  attr[1024];
    unsigned int   buf_size;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/size", O_RDONLY)) != -1) {
        read(fd, attr, 1024);
        sscanf(attr, "%d", &buf_size);
        close(fd);
    }
	/* ---- end of seed fragment 3 ---- */
	if (fd != -1)
		printf("size=%u\n", (unsigned int)buf_size);
	return fd == -1;
}

static int seed_sync_mode(void)
{
	int fd;

	/* ---- seed fragment 4 (sync_mode, seed line 527), verbatim ---- */
    unsigned char  attr[1024];
    unsigned long  sync_mode = 2;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/sync_mode", O_WRONLY)) != -1) {
        sprintf(attr, "%d", sync_mode);
        write(fd, attr, strlen(attr));
        close(fd);
    }
	/* ---- end of seed fragment 4 ---- */
	return fd == -1;
}

static int seed_sync_offset(void)
{
	int fd;

	/* ---- seed fragment 5 (sync_offset, seed line 544), verbatim ---- */
    unsigned char  attr[1024];
    unsigned long  sync_offset = 0x00000000;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/sync_offset", O_WRONLY)) != -1) {
        sprintf(attr, "%d", sync_offset); /* or sprintf(attr, "0x%x", sync_offset); */
        write(fd, attr, strlen(attr));
        close(fd);
    }
	/* ---- end of seed fragment 5 ---- */
	return fd == -1;
}

static int seed_sync_size(void)
{
	int fd;

	/* ---- seed fragment 6 (sync_size, seed line 561), verbatim ---- */
    unsigned char  attr[1024];
    unsigned long  sync_size = 1024;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/sync_size", O_WRONLY)) != -1) {
        sprintf(attr, "%d", sync_size); /* or sprintf(attr, "0x%x", sync_size); */
        write(fd, attr, strlen(attr));
        close(fd);
    }
	/* ---- end of seed fragment 6 ---- */
	return fd == -1;
}

static int seed_sync_direction(void)
{
	int fd;

	/* ---- seed fragment 7 (sync_direction, seed line 582), verbatim ---- */
    unsigned char  attr[1024];
    unsigned long  sync_direction = 1;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/sync_direction", O_WRONLY)) != -1) {
        sprintf(attr, "%d", sync_direction);
        write(fd, attr, strlen(attr));
        close(fd);
    }
	/* ---- end of seed fragment 7 ---- */
	return fd == -1;
}

static int seed_dma_coherent(void)
{
	int fd;

	/* ---- seed fragment 8 (dma_coherent, seed line 606), verbatim ---- */
    unsigned char  attr[1024];
    int dma_coherent;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/dma_coherent", O_RDONLY)) != -1) {
        read(fd, attr, 1024);
        sscanf(attr, "%x", &dma_coherent);
        close(fd);
    }
	/* ---- end of seed fragment 8 ---- */
	if (fd != -1)
		printf("dma_coherent=%u\n", (unsigned int)dma_coherent);
	return fd == -1;
}

static int seed_sync_owner(void)
{
	int fd;

	/* ---- seed fragment 9 (sync_owner, seed line 624), verbatim ---- */
    unsigned char  attr[1024];
    int sync_owner;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/sync_owner", O_RDONLY)) != -1) {
        read(fd, attr, 1024);
        sscanf(attr, "%x", &sync_owner);
        close(fd);
    }
	/* ---- end of seed fragment 9 ---- */
	if (fd != -1)
		printf("sync_owner=%u\n", (unsigned int)sync_owner);
	return fd == -1;
}

static int seed_sync_for_cpu(void)
{
	int fd;

	/* ---- seed fragment 10 (sync_for_cpu, seed line 646), verbatim ---- */
    unsigned char  attr[1024];
    unsigned long  sync_for_cpu = 1;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/sync_for_cpu", O_WRONLY)) != -1) {
        sprintf(attr, "%d", sync_for_cpu);
        write(fd, attr, strlen(attr));
        close(fd);
    }
	/* ---- end of seed fragment 10 ---- */
	return fd == -1;
}

static int seed_sync_for_cpu_packed(void)
{
	int fd;

	/* ---- seed fragment 11 (sync_for_cpu_packed, seed line 658), verbatim ---- */
    unsigned char  attr[1024];
    unsigned long  sync_offset    = 0;
    unsigned long  sync_size      = 0x10000;
    unsigned int   sync_direction = 0;
    unsigned long  sync_for_cpu   = 1;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/sync_for_cpu", O_WRONLY)) != -1) {
        sprintf(attr, "0x%08X%08X", (sync_offset & 0xFFFFFFFF), (sync_size & 0xFFFFFFF0) | (sync_direction << 2) | sync_for_cpu);
        write(fd, attr, strlen(attr));
        close(fd);
    }
	/* ---- end of seed fragment 11 ---- */
	return fd == -1;
}

static int seed_sync_for_device(void)
{
	int fd;

	/* ---- seed fragment 12 (sync_for_device, seed line 685), verbatim ---- */
    unsigned char  attr[1024];
    unsigned long  sync_for_device = 1;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/sync_for_device", O_WRONLY)) != -1) {
        sprintf(attr, "%d", sync_for_device);
        write(fd, attr, strlen(attr));
        close(fd);
    }
	/* ---- end of seed fragment 12 ---- */
	return fd == -1;
}

static int seed_sync_for_device_packed(void)
{
	int fd;

	/* ---- seed fragment 13 (sync_for_device_packed, seed line 697), verbatim ---- */
    unsigned char  attr[1024];
    unsigned long  sync_offset     = 0;
    unsigned long  sync_size       = 0x10000;
    unsigned int   sync_direction  = 0;
    unsigned long  sync_for_device = 1;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/sync_for_device", O_WRONLY)) != -1) {
        sprintf(attr, "0x%08X%08X", (sync_offset & 0xFFFFFFFF), (sync_size & 0xFFFFFFF0) | (sync_direction << 2) | sync_for_device);
        write(fd, attr, strlen(attr));
        close(fd);
    }
	/* ---- end of seed fragment 13 ---- */
	return fd == -1;
}

static const struct {
	const char *name;
	int (*run)(void);
} seeds[] = {
	{ "phys_addr", seed_phys_addr },
	{ "size", seed_size },
	{ "sync_mode", seed_sync_mode },
	{ "sync_offset", seed_sync_offset },
	{ "sync_size", seed_sync_size },
	{ "sync_direction", seed_sync_direction },
	{ "dma_coherent", seed_dma_coherent },
	{ "sync_owner", seed_sync_owner },
	{ "sync_for_cpu", seed_sync_for_cpu },
	{ "sync_for_cpu_packed", seed_sync_for_cpu_packed },
	{ "sync_for_device", seed_sync_for_device },
	{ "sync_for_device_packed", seed_sync_for_device_packed },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc == 2 && i < sizeof(seeds) / sizeof(seeds[0]);
	     i++) {
		if (strcmp(argv[1], seeds[i].name))
			continue;
		if (seeds[i].run()) {
			printf("open failed\n");
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: seeds-sysfs <fragment name>\n");
	return 2;
}
