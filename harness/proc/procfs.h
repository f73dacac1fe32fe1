/*
 * procfs — the ways leaksoak opens a file of /proc: always relative to a directory held open
 * (the /proc root, a process's directory, or a test fixture laid out like them), read-only
 * and close-on-exec.  A process directory held open keeps naming that process: once it is
 * gone, what is under it fails with ENOENT or ESRCH instead of reading a reused PID.
 */
#ifndef LEAKSOAK_PROCFS_H
#define LEAKSOAK_PROCFS_H

#include <dirent.h>
#include <stdio.h>
#include <sys/types.h>

/* proc_dir ("/proc" when NULL) opened as a directory: its descriptor, or -1 with errno set. */
int procfs_open_root(const char *proc_dir);

/*
 * The start of the file path under dir, at most len - 1 bytes (len > 0), NUL-terminated:
 * read until the end of the file or of buf.  Its length, or -1 with errno set.
 */
ssize_t procfs_read(int dir, const char *path, char *buf, size_t len);

/* The file path under dir as a stream, or NULL with errno set. */
FILE *procfs_fopen(int dir, const char *path);

/* The directory path under dir, or NULL with errno set. */
DIR *procfs_opendir(int dir, const char *path);

#endif
