/* c-arena-retention: glibc malloc arenas that keep freed memory. NOT A LEAK.
 *
 * Reproduces a multi-threaded C server whose worker threads each build a large set of small
 * objects per request batch (parsing, in many malloc'd nodes), free them all, and keep a
 * few long-lived objects (a connection's state) allocated last. glibc gives each thread its
 * own arena; the long-lived objects at the top of each arena's heap stop it from trimming,
 * so the freed memory stays in RSS. RSS rises to the high-water mark of the first batches
 * and then stays there: the next batches reuse the freed chunks. Not a leak: retention by
 * the allocator, bounded by the peak working set, flat after warm-up.
 *
 * Usage: c-arena-retention [THREADS] [NODES_PER_BATCH]
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct node {
	struct node *next;
	char data[];
};

static long nodes_per_batch = 60000;

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(unsigned long)arg;
	void *pinned[64] = { 0 };
	int npinned = 0;

	for (;;) {
		struct node *head = NULL;

		for (long i = 0; i < nodes_per_batch; i++) {
			size_t sz = 32 + (size_t)(rand_r(&seed) % 480);
			struct node *n = malloc(sizeof(*n) + sz);

			if (!n)
				break;
			memset(n->data, (int)i, sz);
			n->next = head;
			head = n;
		}
		/* A connection's state, allocated after the batch: it sits above the freed
		 * chunks and keeps the arena from trimming. Replaced, not accumulated. */
		free(pinned[npinned % 64]);
		pinned[npinned % 64] = malloc(256);
		npinned++;
		while (head) {
			struct node *next = head->next;

			free(head);
			head = next;
		}
		nap_ms(200);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t tid;

	if (argc > 2)
		nodes_per_batch = strtol(argv[2], NULL, 10);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&tid, NULL, worker, (void *)(unsigned long)(i + 1)) != 0)
			return 1;
	for (;;)
		nap_ms(1000);
}
