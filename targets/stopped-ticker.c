/*
 * stopped-ticker — a batching queue strands one flusher thread per size-triggered flush.
 *
 * The original bug: a Go batching queue flushed every 10 s (a ticker started on the first
 * push of a batch, with a goroutine waiting on the ticker's channel) or at once when 5,000
 * items were queued.  The size-triggered path stopped the ticker and dropped it; a stopped
 * ticker never sends again, so the waiting goroutine blocked forever.  Only production
 * traffic filled a batch within 10 s, so only production leaked — hundreds of thousands of
 * goroutines, and a heap diff showed nothing, because the stuck function allocates nothing.
 *
 * This file: POST /push queues its body as one item.  The first push of a batch arms a
 * one-shot timer (a mutex, a condition variable and a deadline) and starts a flusher thread
 * that waits for it to fire.  The BATCH_LIMIT-th push flushes at once and stops the timer:
 * the timer is disarmed, and a disarmed timer never fires, so the thread — which nobody
 * wakes — waits forever.  The thread count grows by one per size-triggered flush; RSS grows
 * only by what each parked thread touched of its stack.
 *
 * --fixed: stopping the timer also tells its waiter to give up and wakes it (the stop
 * channel of the real fix); the thread exits.
 *
 * Safety: at most MAX_FLUSHERS flusher threads exist at once.  Past that, a new batch gets no
 * timer and is flushed by size only, so a long soak cannot exhaust the machine's threads
 * (the leak then shows as a plateau at MAX_FLUSHERS + 2 threads).
 */
#include "svc.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH_LIMIT 100		/* items that force a flush */
#define FLUSH_AFTER_S 10	/* a batch that stays smaller is flushed after this long */
#define FLUSHER_STACK (64 * 1024)
#define MAX_FLUSHERS 4000

static int fixed;

/* ---- A one-shot timer a thread can wait on (Go's time.Timer and its channel) ---- */

struct timer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct timespec deadline;	/* CLOCK_MONOTONIC */
	bool armed;		/* cleared by timer_stop: the timer will never fire */
	bool abandoned;		/* --fixed only: the waiter should give up */
};

static struct timer *timer_start(unsigned after_s)
{
	struct timer *t = calloc(1, sizeof(*t));
	pthread_condattr_t ca;

	if (!t)
		return NULL;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&t->mu, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t->deadline);
	t->deadline.tv_sec += after_s;
	t->armed = true;
	return t;
}

/*
 * Blocks until the timer fires (returns true) or, on the fixed path, is abandoned (false).
 * A waiter whose timer was disarmed without a wake-up sleeps to the old deadline, finds the
 * timer disarmed, and then waits for a firing that can never come.
 */
static bool timer_wait(struct timer *t)
{
	bool fired = false;

	pthread_mutex_lock(&t->mu);
	while (!t->abandoned) {
		if (!t->armed) {
			/* Disarmed: nothing will ever fire.  Without a stop signal, this is forever. */
			pthread_cond_wait(&t->cv, &t->mu);
		} else if (pthread_cond_timedwait(&t->cv, &t->mu, &t->deadline) == ETIMEDOUT &&
			   t->armed) {
			fired = true;
			break;
		}
	}
	pthread_mutex_unlock(&t->mu);
	return fired;
}

/* Disarms the timer.  The leaky version stops here, like ticker.Stop(): nobody is woken. */
static void timer_stop(struct timer *t)
{
	pthread_mutex_lock(&t->mu);
	t->armed = false;
	if (fixed) {
		t->abandoned = true;
		pthread_cond_broadcast(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
}

static void timer_free(struct timer *t)
{
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

/* ---- The batching queue ---- */

static struct {
	pthread_mutex_t mu;
	char *items[BATCH_LIMIT];
	unsigned n;
	struct timer *timer;	/* the current batch's timer, NULL when none */
	unsigned long flushed;	/* items written out so far */
} queue = { .mu = PTHREAD_MUTEX_INITIALIZER };

static atomic_uint flushers;

/* Writes the batch out (here: counts it) and empties the queue.  Caller holds queue.mu. */
static void flush_locked(void)
{
	for (unsigned i = 0; i < queue.n; i++)
		free(queue.items[i]);
	queue.flushed += queue.n;
	queue.n = 0;
}

static void *flusher(void *arg)
{
	struct timer *t = arg;

	/* named, so that leaksoak's evidence says which threads pile up */
	pthread_setname_np(pthread_self(), "flusher");
	if (timer_wait(t)) {
		pthread_mutex_lock(&queue.mu);
		if (queue.timer == t) {
			flush_locked();
			queue.timer = NULL;
		}
		pthread_mutex_unlock(&queue.mu);
	}
	timer_free(t);
	atomic_fetch_sub(&flushers, 1);
	return NULL;
}

/* Arms the batch's timer and starts the thread that waits for it.  Caller holds queue.mu. */
static void schedule_flush_locked(void)
{
	pthread_attr_t attr;
	pthread_t tid;
	struct timer *t;

	if (atomic_fetch_add(&flushers, 1) >= MAX_FLUSHERS)
		goto no_thread;
	t = timer_start(FLUSH_AFTER_S);
	if (!t)
		goto no_thread;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, FLUSHER_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, flusher, t) != 0) {
		pthread_attr_destroy(&attr);
		timer_free(t);
		goto no_thread;
	}
	pthread_attr_destroy(&attr);
	queue.timer = t;
	return;
no_thread:
	atomic_fetch_sub(&flushers, 1);
}

/* Queues one item; returns how many items have been flushed so far, or -1. */
static long push(const char *item)
{
	char *copy = strdup(item);
	long flushed;

	if (!copy)
		return -1;
	pthread_mutex_lock(&queue.mu);
	if (queue.n == 0 && !queue.timer)
		schedule_flush_locked();
	queue.items[queue.n++] = copy;
	if (queue.n == BATCH_LIMIT) {
		flush_locked();
		if (queue.timer) {
			timer_stop(queue.timer);
			queue.timer = NULL;	/* dropped: the flusher still holds it */
		}
	}
	flushed = (long)queue.flushed;
	pthread_mutex_unlock(&queue.mu);
	return flushed;
}

static enum MHD_Result answer(void *cls, const struct svc_request *req)
{
	char ack[64];
	long flushed;
	int n;

	(void)cls;
	if (strcmp(req->url, "/push") != 0)
		return svc_respond(req->conn, 404, "text/plain", "not found\n", 10);
	if (strcmp(req->method, "POST") != 0)
		return svc_respond(req->conn, 405, "text/plain", "method not allowed\n", 19);
	flushed = push(req->body);
	if (flushed < 0)
		return svc_respond(req->conn, 500, "text/plain", "out of memory\n", 14);
	n = snprintf(ack, sizeof(ack), "{\"queued\": true, \"flushed\": %ld}\n", flushed);
	return svc_respond(req->conn, 202, "application/json", ack, (size_t)n);
}

int main(int argc, char **argv)
{
	struct svc_options o;

	if (svc_parse_args(argc, argv, &o) < 0)
		return 2;
	fixed = o.fixed;
	return svc_run(&o, answer, NULL);
}
