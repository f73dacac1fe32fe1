/*
 * proctree — read PROC/PID/task/TID/children.  The file is a space-separated list of the
 * thread's children, built by the kernel at read time; it needs CONFIG_PROC_CHILDREN (on in
 * Debian's kernels and every kernel with checkpoint/restore support).
 */
#include "proc/proctree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void read_children(int task_fd, const char *tid, void (*add)(void *, pid_t), void *cls)
{
	char path[64], buf[8192], *p, *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%.20s/children", tid);
	fd = openat(task_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (p = buf;; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v > 0)
			add(cls, (pid_t)v);
	}
}

void proctree_children(int proc_fd, pid_t pid, void (*add)(void *cls, pid_t child), void *cls)
{
	char path[32];
	struct dirent *e;
	int fd;
	DIR *d;

	snprintf(path, sizeof(path), "%d/task", (int)pid);
	fd = openat(proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			read_children(dirfd(d), e->d_name, add, cls);
	closedir(d);
}
