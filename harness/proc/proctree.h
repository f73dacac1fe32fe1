/*
 * proctree — the children of a process, as the kernel lists them per thread in
 * PROC/PID/task/TID/children: the way down a process tree without looking at every process
 * of the machine.  Used by the sampler (the tree to sample) and by the target's keeper (the
 * tree to end).
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

#endif
