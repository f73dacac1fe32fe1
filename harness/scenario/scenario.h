/*
 * scenario — load and validate a scenario JSON file (leaksoak(1), SCENARIO FILES).
 *
 * Loading is strict: a syntax error, an unknown key, a wrong type or an out-of-range value is
 * one line on stderr naming the file and either the line and column (syntax) or the key's path
 * and, where it can be located in the text, its line:
 *   leaksoak: scenarios/x.json:7:12: syntax error: '}' expected near '"warmup_s"'
 *   leaksoak: scenarios/x.json:9:3: unknown key 'duraton_s' (did you mean 'duration_s'?)
 *   leaksoak: scenarios/x.json:14:20: 'target.ready.timeout_s' must be a number > 0 (got "10")
 * and the caller exits with LS_EXIT_USAGE.
 *
 * Placeholders: "{port}" may appear in any string but the free-text description and is
 * replaced when a run binds its port (port_bind, run/port.h);
 * "{seq}" and "{uuid}" may appear only in drive request URLs, headers and bodies and are
 * expanded per request by the driver (template.h).  Any other "{word}" is an error.
 *
 * Every URL is held to the policy on where load may go (urlpolicy.h): http(s), loopback
 * unless drive.allow_remote.  The walk's messages come from keypath.h.
 */
#ifndef LEAKSOAK_SCENARIO_H
#define LEAKSOAK_SCENARIO_H

#include <stddef.h>

#include "scenario/metric.h"
#include "scenario/prom.h"

enum scenario_expect {
	SCENARIO_EXPECT_NONE,
	SCENARIO_EXPECT_LEAK,
	SCENARIO_EXPECT_PASS,
};

/* One kind of request the driver sends (drive.http, or one entry of drive.http.mix). */
struct scenario_request {
	char *method;		/* "GET", "POST", "OPTIONS", ...; default "GET" */
	char *url;		/* template: {port} bound at start, {seq}/{uuid} per request */
	char **headers;		/* "Name: value" templates, NULL-terminated (never NULL itself) */
	char *body;		/* template, or NULL for no body */
	unsigned weight;	/* share of the mix, >= 1; default 1 */
};

struct scenario_drive {
	struct scenario_request *requests;	/* n_requests >= 1 entries */
	size_t n_requests;
	double rate_per_s;	/* requests started per second on a steady schedule; 0: flat out */
	unsigned concurrency;	/* keep-alive connections (easy handles in flight); default 8 */
	unsigned threads;	/* driver threads, 1..1024; 0 (absent): driver_default_threads.
				   The driver never runs more than concurrency. */
	double timeout_s;	/* per request; default 10 */
	int allow_remote;	/* drive.allow_remote: 0 refuses any non-loopback address */
};

struct scenario_gate {
	/*
	 * Growth allowed per minute of each metric, indexed like scenario.metrics; a negative
	 * value means the metric is not gated.  Defaults: metric_def.gate_default.  Given by the
	 * metric's gate_key ("rss_kib_per_min") or under gate.metrics by its name.
	 */
	double per_min[METRIC_MAX];
	/* Gate on RSS minus LazyFree (pages freed with MADV_FREE that the kernel reclaims on
	 * demand) rather than raw RSS.  Default 1; needs sample.lazyfree_interval_ms > 0. */
	int rss_discount_lazyfree;
	double alpha;			/* trend-test significance level; default 0.01 */
};

/* One series of sample.prometheus: a metric of the run, read from the target's page. */
struct scenario_series {
	char *name;		/* the run's metric: samples.csv column and gate.metrics key */
	char *metric;		/* the sample name on the page (prom.h) */
	char **label_kv;	/* n_labels (name, value) pairs, owned */
	struct prom_label *labels;	/* n_labels exact matchers pointing into label_kv */
	size_t n_labels;
};

/* sample.prometheus: the target's metrics page, scraped at its own interval (scrape.h). */
struct scenario_prometheus {
	char *url;		/* NULL: nothing scraped; {port} bound like every URL */
	unsigned interval_ms;	/* default 1000, 100..600000 */
	unsigned timeout_ms;	/* default interval_ms; at most interval_ms */
	struct scenario_series *series;	/* n_series >= 1, in the order of the metric set */
	size_t n_series;
};

/*
 * drive.exec: a load generator of the user's own, started from an argv (no shell) once the
 * target is ready and stopped when the run ends; contained like the target, sampled apart.
 */
struct scenario_exec {
	char **cmd;		/* argv, NULL-terminated; NULL: no generator */
	char **env;		/* "KEY=VALUE" added, NULL-terminated (never NULL when cmd is set) */
	int restart;		/* drive.exec.restart: start again when it ends with status 0 */
};

enum scenario_profile {
	SCENARIO_PROFILE_NONE,
	SCENARIO_PROFILE_HEAPTRACK,	/* target.profile "heaptrack": run under heaptrack */
};

struct scenario {
	char *path;		/* the file as given */
	char *name;
	char *description;	/* NULL when absent */
	char **cmd;		/* argv, NULL-terminated, cmd[0] != NULL */
	char **env;		/* "KEY=VALUE" added to the harness environment, NULL-terminated */
	char *ready_url;	/* target.ready.http_get, or NULL: ready once started */
	double ready_timeout_s;	/* default 10 */
	double stop_grace_s;	/* target.stop_grace_s: SIGTERM to SIGKILL; default 3 */
	unsigned max_rss_kib;	/* target.max_rss_kib: memory cap of the tree; 0: default */
	unsigned max_procs;	/* target.max_procs: process cap of the tree; 0: default */
	int has_drive;		/* drive.http is set: the built-in driver runs */
	struct scenario_drive drive;	/* drive.http (and drive.allow_remote) */
	struct scenario_exec exec;	/* drive.exec; without it or drive.http the target
					   drives itself */
	double duration_s;	/* default 30 */
	double warmup_s;	/* default 5; must be < duration_s */
	unsigned interval_ms;	/* sample.interval_ms; default 100, 10..60000 */
	unsigned lazyfree_interval_ms;	/* sample.lazyfree_interval_ms; default 1000, 0 = never */
	struct scenario_prometheus prometheus;
	/* What is sampled and may be gated: the built-ins, then sample.prometheus's series
	 * (metrics.def[METRIC_N_BUILTIN + i] is prometheus.series[i]). */
	struct metric_set metrics;
	struct scenario_gate gate;
	enum scenario_expect expect;
	int early_stop;		/* default 1: end the run once the verdict is settled */
	enum scenario_profile profile;	/* target.profile; default none */
	char *evidence_url;	/* evidence.http_get: fetched at the fit window's edges, or NULL */
	char *go_pprof_url;	/* evidence.go_pprof.url: Go's pprof index (evidence_go.h), or NULL */
	int jvm;		/* evidence.jvm: 1 true, 0 false, -1 absent (auto: when jcmd is
				   installed and a java process is in the tree) */
};

/*
 * Read and validate path into *out (fully initialised on success; the caller releases it with
 * scenario_release).  Returns 0, or -1 after printing one diagnostic line; *out then owns
 * nothing.
 */
int scenario_load(const char *path, struct scenario *out);

/* scenario_load of text[0, len) already read; path only names it in messages. */
int scenario_load_text(const char *path, const char *text, size_t len, struct scenario *out);

/* The gate of a scenario that says nothing of it: every metric's default, LazyFree
 * discounted, alpha 0.01. */
void scenario_gate_defaults(struct scenario_gate *g);

/*
 * Check a URL given outside a scenario (watch's --prometheus) as a scenario's URLs are
 * checked: http or https, a valid URL, a loopback host; no placeholder.  origin and key name
 * it in the message ("watch: '--prometheus' must be ..."), remote_hint says why a remote
 * host is refused.  0, or -1 after printing why.
 */
int scenario_check_url(const char *origin, const char *key, const char *url,
		       const char *remote_hint);

/*
 * Call fn on every string of s that may hold "{port}" (leaving out the NULL ones), with the
 * string's address so that fn may replace it, and request 1 for the templates of drive
 * requests (url, headers, body: the driver expands their {seq} and {uuid} per request) or 0.
 * Stops at fn's first nonzero return and returns it; 0 when every call returned 0.  The one
 * list of where "{port}" may stand: a run binds its port through it (run/port.h).
 */
typedef int scenario_string_fn(char **str, int request, void *cls);
int scenario_foreach_port_string(struct scenario *s, scenario_string_fn *fn, void *cls);

/* Free everything the scenario owns and zero it; safe on a zeroed or released scenario. */
void scenario_release(struct scenario *s);

#endif
