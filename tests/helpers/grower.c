/*
 * grower — a program whose growth the tests choose, to check leaksoak's verdicts on programs
 * shaped like real ones rather than on the bundled targets alone.
 *
 *   grower [--kib-per-s N] [--threads-per-s N] [--fds-per-s N] [--sawtooth S]
 *          [--grow-for S] [--workers N] [--signal-log FILE] [--map-file PATH --file-kib-per-s N]
 *
 * Every 100 ms it allocates and touches kib-per-s/10 KiB and keeps it, starts threads that
 * block forever and opens /dev/null, at the given rates.  --sawtooth S frees everything it
 * holds every S seconds, like a garbage collector with no trend.  --grow-for S stops growing
 * after S seconds, like a cache that fills during warm-up.  --workers N forks N children
 * that do the growth while the parent only waits, like a master/worker server.  --signal-log
 * appends the name of every signal received to FILE (to prove nobody signalled it); SIGTERM
 * still ends it.  --map-file maps PATH (created, 1 GiB sparse) and touches file-kib-per-s
 * KiB of it a second: resident memory that is page cache, not a leak of the program's.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

struct opts {
	double kib_per_s, threads_per_s, fds_per_s, sawtooth_s, grow_for_s, file_kib_per_s;
	long workers;
	const char *signal_log, *map_file;
};

#define MAP_FILE_BYTES (1ul << 30)

static int log_fd = -1;

static void on_signal(int sig)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "SIG%s\n", sigabbrev_np(sig));

	if (log_fd >= 0 && n > 0 && write(log_fd, line, (size_t)n) < 0)
		_exit(4);
	if (sig == SIGTERM)
		_exit(0);
}

static void *block_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int parse(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--kib-per-s"))
			o->kib_per_s = atof(v);
		else if (!strcmp(k, "--threads-per-s"))
			o->threads_per_s = atof(v);
		else if (!strcmp(k, "--fds-per-s"))
			o->fds_per_s = atof(v);
		else if (!strcmp(k, "--sawtooth"))
			o->sawtooth_s = atof(v);
		else if (!strcmp(k, "--grow-for"))
			o->grow_for_s = atof(v);
		else if (!strcmp(k, "--workers"))
			o->workers = atol(v);
		else if (!strcmp(k, "--signal-log"))
			o->signal_log = v;
		else if (!strcmp(k, "--map-file"))
			o->map_file = v;
		else if (!strcmp(k, "--file-kib-per-s"))
			o->file_kib_per_s = atof(v);
		else
			return -1;
	}
	return argc % 2 == 1 ? 0 : -1;
}

/* The growth loop, ten ticks a second; returns only on failure. */
static int grow(const struct opts *o)
{
	struct itimerspec its = { .it_value = { 0, 100000000 }, .it_interval = { 0, 100000000 } };
	int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	double kib = 0, threads = 0, fds = 0;
	char **held = NULL, *map = NULL;
	size_t n_held = 0, mapped = 0;
	double file_kib = 0;
	uint64_t ticks, tick = 0;

	if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0)
		return 1;
	if (o->map_file) {
		int fd = open(o->map_file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || ftruncate(fd, (off_t)MAP_FILE_BYTES) < 0)
			return 1;
		map = mmap(NULL, MAP_FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (map == MAP_FAILED)
			return 1;
	}
	while (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
		tick++;
		if (o->grow_for_s > 0 && tick > o->grow_for_s * 10)
			continue;
		for (kib += o->kib_per_s / 10; kib >= 64; kib -= 64) {
			char **h = realloc(held, (n_held + 1) * sizeof(*held));
			if (!h || !(h[n_held] = malloc(64 * 1024)))
				return 1;
			memset(h[n_held], (int)tick, 64 * 1024);
			held = h;
			n_held++;
		}
		for (file_kib += o->file_kib_per_s / 10; map && file_kib >= 4; file_kib -= 4) {
			if (mapped + 4096 > MAP_FILE_BYTES)
				break;
			map[mapped] = 1;
			mapped += 4096;
		}
		for (threads += o->threads_per_s / 10; threads >= 1; threads--) {
			pthread_t t;
			if (pthread_create(&t, NULL, block_forever, NULL) != 0)
				return 1;
		}
		for (fds += o->fds_per_s / 10; fds >= 1; fds--)
			if (open("/dev/null", O_RDONLY) < 0)
				return 1;
		if (o->sawtooth_s > 0 && tick % (uint64_t)(o->sawtooth_s * 10) == 0) {
			while (n_held)
				free(held[--n_held]);
		}
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };

	if (parse(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: grower [--kib-per-s N] [--threads-per-s N] [--fds-per-s N] "
			"[--sawtooth S] [--grow-for S] [--workers N] [--signal-log FILE] "
			"[--map-file PATH --file-kib-per-s N]\n");
		return 2;
	}
	if (o.signal_log) {
		log_fd = open(o.signal_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (log_fd < 0)
			return 1;
		for (int sig = 1; sig < 32; sig++)
			if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
				signal(sig, on_signal);
	}
	if (o.workers <= 0)
		return grow(&o);
	for (long i = 0; i < o.workers; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0)
			return grow(&o);
	}
	while (wait(NULL) > 0)
		;
	return 0;
}
