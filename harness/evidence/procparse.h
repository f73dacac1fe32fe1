/*
 * procparse — pure parsers of the /proc text formats that evidence reads: a line of
 * PID/smaps, a "Key:   N kB" field (smaps and status), a line of PID/net/{tcp,tcp6,udp,udp6}
 * and PID/net/unix, the target of a PID/fd/N link, and PID/task/TID/syscall.
 *
 * Nothing here touches the file system: each function takes one line (or one small file's
 * text) and fills a plain struct, so unit tests and the fuzzer feed them any bytes.  Every
 * parser bounds what it copies and accepts any input without reading past it.
 */
#ifndef LEAKSOAK_PROCPARSE_H
#define LEAKSOAK_PROCPARSE_H

#include <stddef.h>
#include <stdint.h>

/* ---- smaps ------------------------------------------------------------------------ */

/* What kind of memory a mapping is: the classes evidence reports. */
enum procparse_map_class {
	PROCPARSE_MAP_HEAP,	/* [heap]: the brk heap (glibc's main arena) */
	PROCPARSE_MAP_STACK,	/* [stack], or an anonymous mapping holding a thread's stack */
	PROCPARSE_MAP_ANON,	/* anonymous: mmap'd chunks, other malloc arenas, [anon:name] */
	PROCPARSE_MAP_FILE,	/* backed by a file (libraries, mapped files, memfd, /dev/shm) */
	PROCPARSE_MAP_OTHER,	/* [vdso], [vvar], [vsyscall] and other kernel names */
	PROCPARSE_MAP_N,
};

#define PROCPARSE_NAME_MAX 64

/* One mapping header: "start-end perms offset dev inode [name]". */
struct procparse_mapping {
	uint64_t start, end;
	char perms[5];			/* "rw-p" */
	uint64_t inode;
	char name[PROCPARSE_NAME_MAX];	/* the path or [name], cut to fit; "" when anonymous */
	enum procparse_map_class cls;	/* from the name alone (stacks of threads are ANON) */
};

/*
 * Parse line as an smaps mapping header into *m.  Returns 1 when it is one, 0 when the line
 * is something else (a "Key: value" field line).
 */
int procparse_smaps_header(const char *line, struct procparse_mapping *m);

/*
 * Parse a "Key:   N kB" line (smaps fields, status's VmRSS, RssAnon, ...) whose key is key.
 * Returns 1 and sets *kib when it is, else 0.
 */
int procparse_kib_field(const char *line, const char *key, uint64_t *kib);

/* The class's word in evidence: "heap", "stack", "anon", "file", "other". */
const char *procparse_map_class_name(enum procparse_map_class cls);

/* ---- sockets ---------------------------------------------------------------------- */

#define PROCPARSE_ADDR_MAX 64	/* "[ffff:...:ffff]:65535" fits, a unix path is cut */

struct procparse_socket {
	uint64_t inode;
	char local[PROCPARSE_ADDR_MAX];		/* "127.0.0.1:50051", "[::1]:80"; unix: path or "" */
	char remote[PROCPARSE_ADDR_MAX];	/* "0.0.0.0:0" when unconnected; unix: "" */
	unsigned state;				/* TCP state (10 = LISTEN); unix: its st field */
};

#define PROCPARSE_TCP_LISTEN 10

/*
 * Parse a data line of net/tcp, tcp6, udp or udp6 (v6: 1 for the *6 files) into *out.
 * Returns 1, or 0 for the header line or anything malformed.
 */
int procparse_net_inet_line(const char *line, int v6, struct procparse_socket *out);

/* Parse a data line of net/unix into *out (local is the path, "" when unnamed): 1 or 0. */
int procparse_net_unix_line(const char *line, struct procparse_socket *out);

/* ---- fd links --------------------------------------------------------------------- */

enum procparse_fd_kind {
	PROCPARSE_FD_SOCKET,	/* socket:[INODE] */
	PROCPARSE_FD_PIPE,	/* pipe:[INODE] */
	PROCPARSE_FD_ANON,	/* anon_inode:[eventfd], anon_inode:inotify, ... */
	PROCPARSE_FD_FILE,	/* an absolute path: a file, a device, a directory */
	PROCPARSE_FD_OTHER,	/* anything else (net:[...], mnt:[...], /memfd: is a FILE) */
};

/*
 * Classify the target of a PID/fd/N link.  *inode gets the inode of a socket or pipe (else
 * 0); detail (len > 0) gets what groups it: the anon_inode kind without brackets
 * ("eventfd"), the directory of a file ("/var/log"; "/" for a file at the root), else "".
 */
enum procparse_fd_kind procparse_fd_link(const char *link, uint64_t *inode, char *detail,
					 size_t len);

/* ---- task/TID/syscall ------------------------------------------------------------- */

/*
 * The user stack pointer in the text of task/TID/syscall ("NR a1 a2 a3 a4 a5 a6 SP PC" for a
 * thread blocked in a system call; "-1 SP PC" outside one).  Returns 1 and sets *sp, or 0
 * when the thread is "running" (the kernel shows no registers then) or the text is not that.
 */
int procparse_syscall_sp(const char *text, uint64_t *sp);

#endif
