/*
 * proctree — the children of a process, as the kernel lists them per thread in
 * PROC/PID/task/TID/children: the way down a process tree without looking at every process
 * of the machine.  Used by the sampler (the tree to sample), by the target's keeper (the
 * tree to end), by soak (orphans to end) and by heaptrack (the program it profiles).
 */
#ifndef LEAKSOAK_PROCTREE_H
#define LEAKSOAK_PROCTREE_H

#include <sys/types.h>

/*
 * Call add(cls, child) for each child of every thread of pid, reading under proc_fd (an open
 * /proc, or a fixture laid out like it).  A process that is gone has no children.  A thread
 * with more than about a thousand children is cut short: callers walk again anyway.
 */
void proctree_children(int proc_fd, pid_t pid, void (*add)(void *cls, pid_t child), void *cls);

/* proctree_children under the live /proc: 0, or -1 with errno set when it cannot be opened. */
int proctree_children_live(pid_t pid, void (*add)(void *cls, pid_t child), void *cls);

#endif
