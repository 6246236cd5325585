// SPDX-License-Identifier: GPL-2.0
/*
 * E1 / G5: buffers owned by a process (auto-delete=1: deleted when the
 * manager file that created them is closed, as when the process dies) and
 * by a user (the creator owns /dev/<name> and its sysfs attributes, mode=
 * sets the node's mode, only the creator or root deletes).  design.md
 * "Owners and auto-delete".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ut.h"
#include "tu_helpers.h"

#define MGR	"/dev/u-dma-buf-mgr"
#define USER_A	1000
#define USER_B	1001

static int mgr_open_x(void)
{
	int fd = open(MGR, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		UT_FAIL("open %s: %s", MGR, strerror(errno));
	return fd;
}

/* one command on an open manager file: 0 or -errno */
static int mgr_cmd(int fd, const char *cmd)
{
	ssize_t n = write(fd, cmd, strlen(cmd));

	return n == (ssize_t)strlen(cmd) ? 0 : -errno;
}

/* auto-delete buffers go with the manager file; others stay */
UT_TEST(E1_mgr_auto_delete_on_close, "")
{
	struct tu_meminfo before, after;
	int fd;

	before = tu_mem_settled_x();
	fd = mgr_open_x();
	UT_OK(mgr_cmd(fd, "create own1 0x400000 auto-delete=1"));
	UT_OK(mgr_cmd(fd, "create own2 0x1000 auto-delete=0"));
	UT_OK(mgr_cmd(fd, "create own3 0x1000 auto-delete=1"));
	UT_OK(mgr_cmd(fd, "delete own3"));	/* an explicit delete works */
	UT_EQ(mgr_cmd(fd, "create ownx 0x1000 auto-delete=maybe"), -EINVAL);
	UT_ASSERT(tu_dev_exists("own1"));
	UT_ASSERT(tu_class_exists("own1"));
	/* another manager file does not own them */
	close(mgr_open_x());
	UT_ASSERT(tu_dev_exists("own1"));
	close(fd);
	UT_ASSERT(!tu_dev_exists("own1"));
	UT_ASSERT(!tu_class_exists("own1"));
	UT_ASSERT(tu_dev_exists("own2"));
	tu_mgr_delete_x("own2");
	after = tu_mem_settled_x();
	tu_mem_expect_back_x("auto-delete buffer after its manager file closed",
			     &before, &after);
}

/*
 * A process dies with an auto-delete buffer: the buffer goes; another
 * process that has it mapped keeps the memory and its data until it
 * lets go.
 */
UT_TEST(E1_mgr_auto_delete_process_death, "")
{
	unsigned char *p;
	int st, fd, go[2];
	pid_t pid;

	UT_OK(pipe(go));
	pid = fork();
	UT_OK(pid);
	if (pid == 0) {
		int m = open(MGR, O_RDWR);

		/* only the parent reads the pipe: it could take our byte */
		close(go[0]);
		if (m < 0 || mgr_cmd(m, "create own4 0x10000 auto-delete=1"))
			_exit(1);
		if (write(go[1], "x", 1) != 1)
			_exit(1);
		/* wait to be killed, the manager file still open */
		for (;;)
			pause();
	}
	close(go[1]);
	{
		char c;

		/* 1: the buffer is there; 0 (EOF): the child failed */
		UT_EQ(read(go[0], &c, 1), 1);
	}
	fd = ut_open_dev("own4", O_RDWR);
	p = tu_mmap(fd, 0x10000, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	memset(p, 0x3c, 0x10000);
	UT_OK(kill(pid, SIGKILL));
	UT_OK(waitpid(pid, &st, 0));
	UT_ASSERT(WIFSIGNALED(st));
	UT_ASSERT(!tu_dev_exists("own4"));
	UT_EQ(tu_first_not(p, 0x10000, 0x3c), -1);
	munmap(p, 0x10000);
	close(fd);
	close(go[0]);
}

/* run fn as uid/gid in a child; its exit status */
static int as_user(uid_t uid, int (*fn)(void))
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		UT_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
		    setresuid(uid, uid, uid))
			_exit(100);
		_exit(fn());
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		UT_FAIL("the child as uid %u did not exit normally", uid);
	return WEXITSTATUS(st);
}

static int user_a_creates(void)
{
	int m = open(MGR, O_RDWR);

	if (m < 0)
		return 1;
	if (mgr_cmd(m, "create usr1 0x10000"))
		return 2;
	if (mgr_cmd(m, "create usr2 0x10000 mode=0660"))
		return 3;
	if (mgr_cmd(m, "create usrx 0x10000 mode=01777") != -EINVAL)
		return 4;
	close(m);
	return 0;
}

static int user_a_uses(void)
{
	int fd = open("/dev/usr1", O_RDWR);
	int s = open("/sys/class/u-dma-buf/usr1/sync_mode", O_WRONLY);

	if (fd < 0)
		return 1;
	if (s < 0 || write(s, "2", 1) != 1)
		return 2;
	close(s);
	close(fd);
	return 0;
}

static int user_b_tries(void)
{
	int m = open(MGR, O_RDWR);

	if (open("/dev/usr1", O_RDWR) >= 0 || errno != EACCES)
		return 1;
	if (m < 0)
		return 2;
	if (mgr_cmd(m, "delete usr1") != -EPERM)
		return 3;
	close(m);
	return 0;
}

static int user_a_deletes(void)
{
	int m = open(MGR, O_RDWR);

	if (m < 0 || mgr_cmd(m, "delete usr1"))
		return 1;
	close(m);
	return 0;
}

/*
 * Non-root use: a manager the users may open (here chmod; a udev rule on
 * a system), the creator owns the node (0600, or mode=) and the sysfs
 * attributes; another user can neither open nor delete it; root can.
 */
UT_TEST(E1_mgr_owner_and_mode, "")
{
	struct stat st;

	UT_OK(chmod(MGR, 0666));
	UT_EQ(as_user(USER_A, user_a_creates), 0);
	UT_OK(stat("/dev/usr1", &st));
	UT_EQ(st.st_uid, USER_A);
	UT_EQ(st.st_gid, USER_A);
	UT_EQ(st.st_mode & 07777, 0600);
	UT_OK(stat("/dev/usr2", &st));
	UT_EQ(st.st_mode & 07777, 0660);
	UT_OK(stat("/sys/class/u-dma-buf/usr1/sync_mode", &st));
	UT_EQ(st.st_uid, USER_A);
	UT_EQ(as_user(USER_A, user_a_uses), 0);
	UT_EQ(ut_sysfs_u64("usr1", "sync_mode"), 2);
	UT_EQ(as_user(USER_B, user_b_tries), 0);
	UT_LOG_HAS("only its creator or root may delete it");
	UT_EQ(as_user(USER_A, user_a_deletes), 0);
	UT_ASSERT(!tu_dev_exists("usr1"));
	/* root deletes anyone's */
	tu_mgr_delete_x("usr2");
	UT_OK(chmod(MGR, 0600));
}
