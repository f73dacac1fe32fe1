/*
 * soak — the child runs of `leaksoak soak`: start them, watch them in one poll (a signalfd
 * and a pidfd per child), show their progress, bound them in time, reap them all.
 */
#include "cli/soak.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/diag.h"
#include "base/path.h"
#include "base/runfiles.h"
#include "out/report_text.h"
#include "record/results.h"
#include "base/text.h"
#include "base/spawn.h"
#include "proc/proctree.h"

#define TICK_MS 1000
/* Bound on the last sweep: each round ends one generation of orphans. */
#define SOAK_SWEEP_ROUNDS 64
/* The tail of samples.csv read for a live slope: ~700 rows, a minute at 10 Hz. */
#define TAIL_BYTES 32768

/* A job being run. */
struct slot {
	struct soak_job *job;
	char *dir;
	char *log;
	struct spawn *run;
	pid_t pid;		/* 0: slot free */
	int64_t start_ns;
	int64_t term_at_ns;	/* SIGTERM when passed (the run's time limit) */
	int64_t kill_at_ns;	/* SIGKILL when passed; 0 until a SIGTERM was sent */
};

struct soak {
	const struct soak_options *o;
	struct soak_job *jobs;
	size_t n, started;
	struct slot *slots;
	struct report *rep;
	int lines_drawn;	/* live lines on the terminal below the permanent ones */
};

/* ----------------------------------------------------------------------------------------- */
/* Live progress                                                                             */

/* Parse "t_s,rss_kib,..." at line into *t and *rss; 0 or -1. */
static int parse_row(const char *line, double *t, double *rss)
{
	char *end;

	*t = strtod(line, &end);
	if (end == line || *end != ',')
		return -1;
	line = end + 1;
	*rss = strtod(line, &end);
	return end == line ? -1 : 0;
}

int soak_tail_rss(const char *csv_path, double warmup_s, double *rss_kib, double *slope_per_min)
{
	char buf[TAIL_BYTES + 1];
	int fd = open(csv_path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	double sx = 0, sy = 0, sxx = 0, sxy = 0, t, rss, t0 = NAN;
	size_t n = 0;
	int found = 0;

	*slope_per_min = NAN;
	if (fd < 0)
		return -1;
	off_t from = fstat(fd, &st) == 0 && st.st_size > TAIL_BYTES ? st.st_size - TAIL_BYTES : 0;
	ssize_t len = pread(fd, buf, TAIL_BYTES, from);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	/* Skip the partial first line (or the header) and a last line still being written. */
	char *line = strchr(buf, '\n');
	while (line && (line = line + 1) && strchr(line, '\n')) {
		if (parse_row(line, &t, &rss) == 0) {
			*rss_kib = rss;
			found = 1;
			if (t >= warmup_s) {
				/* Times relative to the first: sums of t² at t ~ 86400 lose digits. */
				t0 = isnan(t0) ? t : t0;
				t -= t0;
				sx += t, sy += rss, sxx += t * t, sxy += t * rss;
				n++;
			}
		}
		line = strchr(line, '\n');
	}
	double den = (double)n * sxx - sx * sx;
	if (n >= 3 && den > 0)
		*slope_per_min = ((double)n * sxy - sx * sy) / den * 60;
	return found ? 0 : -1;
}

static int term_width(FILE *out)
{
	struct winsize ws;

	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

static void live_line(const struct slot *s, int64_t now, char *buf, size_t len)
{
	const struct soak_job *j = s->job;
	double elapsed = (double)(now - s->start_ns) / CLOCK_NS_PER_S;
	char *csv = path_join(s->dir, RUNFILE_SAMPLES);
	double rss = NAN, slope = NAN;
	int w;

	int have = csv && soak_tail_rss(csv, j->warmup_s, &rss, &slope) == 0;
	free(csv);
	w = snprintf(buf, len, "  %-28s %5.0f/%.0f s", j->name, elapsed, j->duration_s);
	if (w < 0 || (size_t)w >= len)
		return;
	if (!have)
		snprintf(buf + w, len - (size_t)w, "  starting");
	else if (isnan(slope))
		snprintf(buf + w, len - (size_t)w, "  rss %.1f MiB  (warming up)", rss / 1024);
	else
		snprintf(buf + w, len - (size_t)w, "  rss %.1f MiB  %+.0f KiB/min", rss / 1024,
			 slope);
}

/* Erase the live lines so a permanent line can be printed above them. */
static void live_clear(struct soak *k)
{
	if (k->lines_drawn)
		fprintf(k->o->out, "\033[%dA\r\033[J", k->lines_drawn);
	k->lines_drawn = 0;
}

static void live_draw(struct soak *k)
{
	int64_t now = clock_now_ns();
	int width = term_width(k->o->out);
	char line[512];

	for (unsigned i = 0; i < k->o->jobs; i++) {
		if (!k->slots[i].pid)
			continue;
		live_line(&k->slots[i], now, line, sizeof(line));
		/* A wrapped line would throw off the cursor arithmetic of live_clear. */
		size_t n = strlen(line);
		n = text_utf8_cut(line, n < (size_t)width - 1 ? n : (size_t)width - 1);
		fprintf(k->o->out, "%.*s\n", (int)n, line);
		k->lines_drawn++;
	}
	fflush(k->o->out);
}

/* A permanent line: between the live lines on a terminal, plain otherwise. */
static void say(struct soak *k, const char *line)
{
	if (k->o->tty)
		live_clear(k);
	fprintf(k->o->out, "%s\n", line);
	if (k->o->tty)
		live_draw(k);
	else
		fflush(k->o->out);
}

/* ----------------------------------------------------------------------------------------- */
/* Starting and stopping runs                                                                */

/*
 * Start `leaksoak run --out DIR [--duration D] [caps] -- FILE` with output to the log: the
 * binary itself re-executed, no shell.  Own group: the terminal's Ctrl-C reaches the soak
 * alone, which forwards it once.  SIGTERM, not SIGKILL, when the soak dies: a run that loses
 * its soak still stops its target (and its target's keeper ends the tree if even the run is
 * SIGKILLed).
 */
static struct spawn *exec_run(const struct soak_options *o, const struct slot *s)
{
	char share[24];
	const char *argv[16] = { "leaksoak", "run", "--out", s->dir };
	size_t n = 4;

	if (o->duration) {
		argv[n++] = "--duration";
		argv[n++] = o->duration;
	}
	if (o->max_rss_kib) {
		argv[n++] = "--max-rss-kib";
		argv[n++] = o->max_rss_kib;
	}
	if (o->max_procs) {
		argv[n++] = "--max-procs";
		argv[n++] = o->max_procs;
	}
	if (o->no_early_stop)
		argv[n++] = "--no-early-stop";
	/* each run's default memory cap is its share of what the machine has */
	snprintf(share, sizeof(share), "%u", o->jobs);
	argv[n++] = "--mem-share";
	argv[n++] = share;
	argv[n++] = "--";
	argv[n++] = s->job->file;
	argv[n] = NULL;
	/* spawn's argv predates const; nothing modifies the strings. */
	struct spawn_opts so = { .argv = (char *const *)argv, .exe = "/proc/self/exe",
				 .log_path = s->log, .death_signal = SIGTERM, .own_group = 1 };
	return spawn_start(&so);
}

/* Files a previous soak into the same folder may have left: never report them as this run's. */
static void remove_stale(const char *dir)
{
	static const char *const stale[] = RUNFILES_OF_A_RUN;

	for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
		char *path = path_join(dir, stale[i]);

		if (path)
			unlink(path);
		free(path);
	}
}

static void slot_clear(struct slot *s)
{
	free(s->dir);
	free(s->log);
	spawn_free(&s->run);
	memset(s, 0, sizeof(*s));
}

static int start_run(struct soak *k, struct slot *s, struct soak_job *job)
{
	s->job = job;
	if (!(s->dir = path_join(k->o->out_dir, job->name)))
		return diag_error("out of memory");
	if (!(s->log = path_join(s->dir, RUNFILE_RUN_LOG)))
		return diag_error("out of memory");
	if (results_mkdir_p(s->dir) < 0)
		return -1;
	remove_stale(s->dir);
	fflush(k->o->out);
	s->run = exec_run(k->o, s);
	if (!s->run)
		return diag_error("cannot start a run of '%s' (see above)", job->name);
	if (spawn_fd(s->run) < 0)
		return diag_error("cannot watch a run: pidfd_open: %s (needs Linux 5.3 or later)",
				  strerror(errno));
	s->pid = spawn_pid(s->run);
	s->start_ns = clock_now_ns();
	s->term_at_ns = s->start_ns + (int64_t)(job->limit_s * CLOCK_NS_PER_S);
	return 0;
}

static void record(struct soak *k, struct soak_job *job, const char *dir, const char *why)
{
	char body[600], line[640];

	if (report_add_run(k->rep, dir, job->name, job->exit_code, job->expect, why) < 0)
		return;
	report_run_line(&k->rep->runs[k->rep->n - 1], body, sizeof(body));
	for (char *p = body; (p = strchr(p, '\n')); )
		*p = ';';
	/* Numbered like its start line, whatever order the runs end in. */
	snprintf(line, sizeof(line), "[%zu/%zu] %s", (size_t)(job - k->jobs) + 1, k->n, body);
	say(k, line);
}

/* The run in s has exited with wait status st: report it and free the slot. */
static void finish_run(struct soak *k, struct slot *s, int st)
{
	struct soak_job *job = s->job;
	char why[512];

	job->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : LS_EXIT_SIGNAL_BASE + WTERMSIG(st);
	if (WIFSIGNALED(st))
		snprintf(why, sizeof(why), "no " RUNFILE_SUMMARY ": the run was killed by signal %d "
			 "(see %s)", WTERMSIG(st), s->log);
	else
		snprintf(why, sizeof(why), "no " RUNFILE_SUMMARY ": the run exited with status %d "
			 "(see %s)", job->exit_code, s->log);
	s->pid = 0;	/* no longer a live line */
	record(k, job, s->dir, why);
	slot_clear(s);
}

/* Reap s if its run has exited; 1 when it had. */
static int reap(struct soak *k, struct slot *s)
{
	int st = 0;

	if (!spawn_poll(s->run))
		return 0;
	spawn_exited(s->run, &st);
	finish_run(k, s, st);
	return 1;
}

/* Forward a signal to every run and give them SOAK_STOP_GRACE_S to stop. */
static void signal_runs(struct soak *k, int signo, int64_t now)
{
	for (unsigned i = 0; i < k->o->jobs; i++) {
		struct slot *s = &k->slots[i];
		if (!s->pid)
			continue;
		kill(s->pid, signo);
		if (!s->kill_at_ns)
			s->kill_at_ns = now + SOAK_STOP_GRACE_S * CLOCK_NS_PER_S;
	}
}

static void enforce_limits(struct soak *k, int64_t now)
{
	char line[256];

	for (unsigned i = 0; i < k->o->jobs; i++) {
		struct slot *s = &k->slots[i];
		if (!s->pid)
			continue;
		if (s->kill_at_ns && now >= s->kill_at_ns) {
			/* The whole group: the run and anything it started in it. */
			spawn_signal(s->run, SIGKILL);
			s->kill_at_ns = INT64_MAX;
		} else if (!s->kill_at_ns && now >= s->term_at_ns) {
			snprintf(line, sizeof(line), "leaksoak: warning: %s: still running after "
				 "%.0f s (its time limit); stopping it", s->job->name,
				 s->job->limit_s);
			say(k, line);
			kill(s->pid, SIGTERM);
			s->kill_at_ns = now + SOAK_STOP_GRACE_S * CLOCK_NS_PER_S;
		}
	}
}

/* ----------------------------------------------------------------------------------------- */
/* The loop                                                                                  */

static unsigned running(const struct soak *k)
{
	unsigned n = 0;

	for (unsigned i = 0; i < k->o->jobs; i++)
		n += k->slots[i].pid != 0;
	return n;
}

static struct slot *free_slot(struct soak *k)
{
	for (unsigned i = 0; i < k->o->jobs; i++)
		if (!k->slots[i].pid)
			return &k->slots[i];
	return NULL;
}

/* Start runs while there is room; -1 when one could not be started (nothing more starts). */
static int fill(struct soak *k)
{
	struct slot *s;
	char line[256];

	while (k->started < k->n && (s = free_slot(k))) {
		struct soak_job *job = &k->jobs[k->started++];
		if (start_run(k, s, job) < 0) {
			slot_clear(s);
			k->started--;	/* record_unstarted reports it */
			return -1;
		}
		if (!k->o->tty) {
			snprintf(line, sizeof(line), "[%zu/%zu] start  %s", k->started, k->n,
				 job->name);
			say(k, line);
		}
	}
	return 0;
}

/* Wait for a child to exit, a signal, or the next tick; returns a signal number or 0. */
static int wait_events(struct soak *k)
{
	struct pollfd p[1 + k->o->jobs];
	struct slot *owner[1 + k->o->jobs];
	nfds_t n = 0;
	int signo = 0;

	p[n++] = (struct pollfd){ .fd = k->o->signal_fd, .events = POLLIN };
	for (unsigned i = 0; i < k->o->jobs; i++) {
		if (!k->slots[i].pid)
			continue;
		owner[n] = &k->slots[i];
		p[n++] = (struct pollfd){ .fd = spawn_fd(k->slots[i].run), .events = POLLIN };
	}
	if (poll(p, n, TICK_MS) < 0)
		return 0;	/* EINTR: nothing happened that the next round will miss */
	if (p[0].revents & POLLIN) {
		struct signalfd_siginfo si;
		if (read(k->o->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			signo = (int)si.ssi_signo;
	}
	for (nfds_t i = 1; i < n; i++)
		if (p[i].revents)
			reap(k, owner[i]);
	return signo;
}

/* The jobs never started, as error rows: a report lists every scenario it was given. */
static void record_unstarted(struct soak *k, int signo)
{
	char why[128], *dir = NULL;

	if (signo)
		snprintf(why, sizeof(why), "not run: the soak was interrupted by SIG%s",
			 sigabbrev_np(signo) ? sigabbrev_np(signo) : "NAL");
	else
		snprintf(why, sizeof(why), "not run: the soak could not start it");
	for (; k->started < k->n; k->started++) {
		struct soak_job *job = &k->jobs[k->started];
		if (!(dir = path_join(k->o->out_dir, job->name)))
			return;
		job->exit_code = -1;
		record(k, job, dir, why);
		free(dir);
	}
}

/* 1 if pid is the leaksoak run of one of the slots. */
static int is_run(const struct soak *k, pid_t pid)
{
	for (unsigned i = 0; i < k->o->jobs; i++)
		if (k->slots[i].pid == pid)
			return 1;
	return 0;
}

/* sweep_orphans' count, as proctree hands it the children. */
struct sweep {
	const struct soak *k;
	unsigned n;
};

static void sweep_child(void *cls, pid_t pid)
{
	struct sweep *w = cls;

	if (is_run(w->k, pid))
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	w->n++;
}

/*
 * Kill and reap every child that is not a run; how many there were.  The soak is a child
 * subreaper, so when a run had to be SIGKILLed (past its time limit), its target's keeper
 * (which then ends the tree) and whatever of the tree survives are reparented here, and end
 * here.  Killing one may hand us its children: the last sweep goes round until none is left.
 */
static unsigned sweep_orphans(const struct soak *k)
{
	struct sweep w = { k, 0 };

	proctree_children_live(getpid(), sweep_child, &w);
	return w.n;
}

int soak_run(const struct soak_options *o, struct soak_job *jobs, size_t n, struct report *rep)
{
	struct soak k = { .o = o, .jobs = jobs, .n = n, .rep = rep };
	int signo = 0, failed = 0;

	k.slots = calloc(o->jobs, sizeof(*k.slots));
	if (!k.slots)
		return diag_error("out of memory");
	for (size_t i = 0; i < n; i++)
		jobs[i].exit_code = -1;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		diag_warning("cannot become a child subreaper: %s (a run killed past its time "
			     "limit may leave processes behind)", strerror(errno));
	for (;;) {
		if (!signo && !failed && fill(&k) < 0) {
			failed = 1;
			signal_runs(&k, SIGTERM, clock_now_ns());
		}
		if (!running(&k))
			break;
		int got = wait_events(&k);
		if (got) {
			signo = signo ? signo : got;
			signal_runs(&k, got, clock_now_ns());
		}
		enforce_limits(&k, clock_now_ns());
		sweep_orphans(&k);
		if (o->tty) {
			live_clear(&k);
			live_draw(&k);
		}
	}
	record_unstarted(&k, signo);
	for (int round = 0; round < SOAK_SWEEP_ROUNDS && sweep_orphans(&k); round++)
		;
	if (o->tty)
		live_clear(&k);
	fflush(o->out);
	free(k.slots);
	return failed ? -1 : signo;
}
