/*
 * procfs — files of /proc opened relative to a directory held open (procfs.h).
 */
#include "proc/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int procfs_open_root(const char *proc_dir)
{
	return open(proc_dir ? proc_dir : "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

ssize_t procfs_read(int dir, const char *path, char *buf, size_t len)
{
	int fd = openat(dir, path, O_RDONLY | O_CLOEXEC), err;
	size_t have = 0;
	ssize_t n = 0;

	if (fd < 0)
		return -1;
	while (have < len - 1 && (n = read(fd, buf + have, len - 1 - have)) > 0)
		have += (size_t)n;
	err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	buf[have] = '\0';
	return (ssize_t)have;
}

FILE *procfs_fopen(int dir, const char *path)
{
	int fd = openat(dir, path, O_RDONLY | O_CLOEXEC), err;
	FILE *f;

	if (fd < 0)
		return NULL;
	if (!(f = fdopen(fd, "r"))) {
		err = errno;
		close(fd);
		errno = err;
	}
	return f;
}

DIR *procfs_opendir(int dir, const char *path)
{
	int fd = openat(dir, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;
	DIR *d;

	if (fd < 0)
		return NULL;
	if (!(d = fdopendir(fd))) {
		err = errno;
		close(fd);
		errno = err;
	}
	return d;
}
