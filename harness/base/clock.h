/*
 * clock — monotonic time for every interval leaksoak measures.  The wall clock jumps (NTP,
 * a suspended laptop, an operator); a sample's t_s or a grace period must not.
 */
#ifndef LEAKSOAK_CLOCK_H
#define LEAKSOAK_CLOCK_H

#include <stdint.h>
#include <time.h>

#define CLOCK_NS_PER_S 1000000000LL
#define CLOCK_NS_PER_MS 1000000LL

/* Nanoseconds on CLOCK_MONOTONIC. */
static inline int64_t clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * CLOCK_NS_PER_S + ts.tv_nsec;
}

#endif
