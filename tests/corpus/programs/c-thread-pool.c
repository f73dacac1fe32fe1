/* c-thread-pool: a worker pool that grows on demand once and then stays. NOT A LEAK.
 *
 * Reproduces a C server with a lazily grown thread pool (as in many RPC frameworks): a
 * dispatcher queues jobs; when a job waits and fewer than MAX workers exist, it starts one.
 * Load ramps up over the first seconds, the pool grows to its maximum, and from then on the
 * same threads take every job. Threads rise once and stay flat; memory is flat after the
 * threads' stacks are touched. Not a leak: the pool is capped.
 *
 * Usage: c-thread-pool [MAX_THREADS] [RAMP_S]
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int queued, idle, workers;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	char scratch[16384];

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&mu);
		idle++;
		while (queued == 0)
			pthread_cond_wait(&cv, &mu);
		idle--;
		queued--;
		pthread_mutex_unlock(&mu);
		memset(scratch, queued & 0xff, sizeof(scratch));
		nap_ms(40); /* the job: a backend call */
	}
	return NULL;
}

static void submit(int max)
{
	pthread_t tid;

	pthread_mutex_lock(&mu);
	queued++;
	if (idle < queued && workers < max && pthread_create(&tid, NULL, worker, NULL) == 0) {
		pthread_detach(tid);
		workers++;
	}
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

int main(int argc, char **argv)
{
	int max = argc > 1 ? atoi(argv[1]) : 8;
	double ramp = argc > 2 ? strtod(argv[2], NULL) : 3;
	double start = now_s();

	for (;;) {
		double t = now_s() - start;
		int burst = 1 + (int)((max - 1) * (t < ramp ? t / ramp : 1));

		for (int i = 0; i < burst; i++)
			submit(max);
		nap_ms(50);
	}
}
