/* c-madvfree: an upload buffer cache that releases buffers with MADV_FREE. NOT A LEAK
 * (on RSS net of LazyFree; raw RSS climbs).
 *
 * Reproduces an allocator that, like Go 1.12-1.15 and jemalloc, gives freed pages back with
 * madvise(MADV_FREE): each upload is parsed into a fresh 2 MiB region that is touched, then
 * released with MADV_FREE and parked. The pages stay counted in RSS (as LazyFree) until the
 * kernel needs memory, so raw RSS climbs by the region size per upload. After MAX regions
 * the oldest parked region is reused. Not a leak: the live memory (RSS minus LazyFree) is
 * flat; the climb is reclaimable pages. A detector that gates raw RSS calls it a leak.
 *
 * Usage: c-madvfree [UPLOADS_PER_S] [MAX_REGIONS]
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define REGION (2u << 20)

int main(int argc, char **argv)
{
	double rate = argc > 1 ? strtod(argv[1], NULL) : 1;
	long max = argc > 2 ? strtol(argv[2], NULL, 10) : 96;
	char **regions = calloc((size_t)max, sizeof(*regions));
	struct timespec ts;
	long next = 0, upload = 0;

	if (!regions || rate <= 0)
		return 1;
	ts.tv_sec = (time_t)(1 / rate);
	ts.tv_nsec = (long)((1 / rate - (double)ts.tv_sec) * 1e9);
	for (;;) {
		char *r = regions[next];

		if (!r) {
			r = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (r == MAP_FAILED)
				return 1;
			regions[next] = r;
		}
		memset(r, (int)(++upload & 0xff), REGION);
		madvise(r, REGION, MADV_FREE);
		next = (next + 1) % max;
		nanosleep(&ts, NULL);
	}
}
