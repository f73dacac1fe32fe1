/*
 * sockets — the sockets of a process tree by protocol and endpoint.
 *
 * An FD link says only "socket:[INODE]".  The inode is found in the network namespace's
 * tables, PID/net/{tcp,tcp6,udp,udp6,unix}, read once per snapshot for all the tree's
 * sockets.  A TCP socket is "listening on ADDR:PORT", "accepted on ADDR:PORT" (its local end
 * is a port the namespace listens on) or "to ADDR:PORT"; an unconnected UDP socket is
 * "on ADDR:PORT"; a unix socket is its path or "unnamed".  Sockets in none of the tables
 * (netlink, packet, ...) are counted as ("socket", "another family").  Each table keeps at
 * most SOCKETS_MAX_LISTENERS listening ports in mind; past that, accepted sockets read as "to".
 */
#ifndef LEAKSOAK_SOCKETS_H
#define LEAKSOAK_SOCKETS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "evidence/groups.h"

#define SOCKETS_MAX_LISTENERS 256

/*
 * Count the sockets inodes[0, n) (sorted; an inode twice is two FDs) into fds by kind
 * ("tcp", "tcp6", "udp", "udp6", "unix", "socket") and endpoint, from the tables of net_pid
 * under proc_fd.  0, or -1 when out of memory.
 */
int sockets_group(int proc_fd, pid_t net_pid, const uint64_t *inodes, size_t n,
		  struct groups *fds, int *truncated);

#endif
