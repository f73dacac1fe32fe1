/*
 * proctree — read PROC/PID/task/TID/children.  The file is a space-separated list of the
 * thread's children, built by the kernel at read time; it needs CONFIG_PROC_CHILDREN (on in
 * Debian's kernels and every kernel with checkpoint/restore support).
 */
#include "proc/proctree.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "proc/procfs.h"

static void read_children(int task_fd, const char *tid, void (*add)(void *, pid_t), void *cls)
{
	char path[64], buf[8192], *p, *end;

	snprintf(path, sizeof(path), "%.20s/children", tid);
	if (procfs_read(task_fd, path, buf, sizeof(buf)) <= 0)
		return;
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
	DIR *d;

	snprintf(path, sizeof(path), "%d/task", (int)pid);
	if (!(d = procfs_opendir(proc_fd, path)))
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			read_children(dirfd(d), e->d_name, add, cls);
	closedir(d);
}

int proctree_children_live(pid_t pid, void (*add)(void *cls, pid_t child), void *cls)
{
	int proc_fd = procfs_open_root(NULL);

	if (proc_fd < 0)
		return -1;
	proctree_children(proc_fd, pid, add, cls);
	close(proc_fd);
	return 0;
}
