/*
 * scenario — load and validate a scenario JSON file (leaksoak(1), SCENARIO FILES).
 *
 * jansson parses the file (rejecting duplicate keys); the rest of this file is the schema,
 * walked by hand, one function per object: every key is checked against the list allowed at
 * its level and every value's type and range.  The walk keeps its key path in a keypath
 * (keypath.h), which reads the typed values and turns an error's path back into a line and
 * column of the text; every URL is held to the policy on where load may go (urlpolicy.h).
 */
#include "scenario/scenario.h"

#include "proc/cap.h"
#include "base/diag.h"
#include "base/runfiles.h"
#include "base/units.h"
#include "base/vec.h"
#include "scenario/keypath.h"
#include "scenario/strval.h"
#include "scenario/urlpolicy.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Larger than any sane scenario; stops "leaksoak run /dev/zero" from eating memory. */
#define MAX_FILE_BYTES (16u << 20)
#define READ_CHUNK 65536
#define MAX_WEIGHT 1000000	/* keeps the driver's sum of weights far from overflow */

/* ---- values at the current path ---- */

/* strval_get of a URL, held to the policy on where load may go (urlpolicy.h) when given. */
static int get_url(struct keypath *c, json_t *obj, const char *key, enum strval_vars vars,
		   const char *required_hint, int allow_remote, char **out)
{
	int ret = strval_get(c, obj, key, vars, required_hint, out);

	if (ret < 0 || !*out)
		return ret;
	keypath_push(c, key);
	ret = urlpolicy_check(c, *out, allow_remote, NULL);
	keypath_pop(c);
	return ret;
}

/*
 * Every number has a max (units.h): without one, "duration_s": 1e10 overflowed the nanosecond
 * deadline.
 */
static const struct keypath_range duration = { 0, 0, 0, UNITS_MAX_DURATION_S,
						"a number > 0 and at most 2678400 (31 days)" };
static const struct keypath_range warmup = { 0, 1, 0, UNITS_MAX_DURATION_S,
					     "a number >= 0 and at most 2678400 (31 days)" };
static const struct keypath_range timeout = { 0, 0, 0, UNITS_MAX_TIMEOUT_S,
					      "a number > 0 and at most 3600" };
static const struct keypath_range grace = { 0, 1, 0, UNITS_MAX_TIMEOUT_S,
					    "a number >= 0 and at most 3600" };
static const struct keypath_range rate = { 0, 1, 0, UNITS_MAX_RATE_PER_S,
					   "a number >= 0 and at most 1000000" };

/* A gate threshold: a number >= 0, or null for "not gated" (stored as -1). */
static int get_gate(struct keypath *c, json_t *obj, const char *key, double *out)
{
	static const struct keypath_range gated = {
		0, 1, 0, UNITS_MAX_PER_MIN, "a number from 0 to 1e12, or null for not gated",
	};

	if (!json_is_null(json_object_get(obj, key)))
		return keypath_get_number(c, obj, key, &gated, out);
	*out = -1;
	return 0;
}

/* ---- the schema, one function per object ---- */

static const char *const top_keys[] = {
	"name", "description", "target", "drive", "duration_s", "warmup_s", "sample", "gate",
	"expect", "early_stop",
	"evidence",
	NULL,
};
static const char *const target_keys[] = {
	"cmd", "env", "ready", "stop_grace_s", "max_rss_kib", "max_procs",
	"profile",
	NULL,
};
static const char *const evidence_keys[] = { "http_get", "go_pprof", "jvm", NULL };
static const char *const go_pprof_keys[] = { "url", NULL };
static const char *const ready_keys[] = { "http_get", "timeout_s", NULL };
static const char *const drive_keys[] = { "http", "exec", "allow_remote", NULL };
static const char *const exec_keys[] = { "cmd", "env", "restart", NULL };
static const char *const http_keys[] = {
	"method", "url", "headers", "body", "rate_per_s", "concurrency", "timeout_s", "mix",
	"threads", NULL,
};
static const char *const mix_keys[] = { "method", "url", "headers", "body", "weight", NULL };
static const char *const sample_keys[] = {
	"interval_ms", "lazyfree_interval_ms", "prometheus", NULL,
};
static const char *const prometheus_keys[] = { "url", "interval_ms", "timeout_ms", "series",
					       NULL };
static const char *const series_keys[] = { "name", "metric", "labels", NULL };
/* samples.csv columns that are no metric: a series must not take their names either. */
static const char *const other_columns[] = {
	"t_s", "procs", "cpu_s", "lazyfree_kib", "requests", "errors", NULL,
};
/* The gate's keys besides each built-in metric's gate_key (metric.h). */
static const char *const gate_keys[] = { "metrics", "rss_discount_lazyfree", "alpha", NULL };
#define N_GATE_KEYS (sizeof(gate_keys) / sizeof(gate_keys[0]) - 1)
/* The values of enum keys, by their enum's value. */
static const char *const profile_names[] = { [SCENARIO_PROFILE_HEAPTRACK] = "heaptrack" };
static const char *const expect_names[] = {
	[SCENARIO_EXPECT_LEAK] = "leak", [SCENARIO_EXPECT_PASS] = "pass",
};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* The body of one object of the schema: obj is at the current path, its keys checked. */
typedef int load_fn(struct keypath *c, json_t *obj, struct scenario *s);

/* parent.key, an object of the allowed keys, read by load when it is there. */
static int load_object(struct keypath *c, json_t *parent, const char *key,
		       const char *const *allowed, load_fn *load, struct scenario *s)
{
	json_t *obj;
	int ret = keypath_get_object(c, parent, key, &obj);

	if (ret < 0 || !obj)
		return ret;
	keypath_push(c, key);
	if ((ret = keypath_check_keys(c, obj, allowed)) == 0)
		ret = load(c, obj, s);
	keypath_pop(c);
	return ret;
}

/* Scenario names become directory names under results/. */
static int is_good_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/*
 * A soak folder holds a folder per scenario beside its own report files: a scenario named
 * like one of them (or like their temporary files, "summary.json.tmp.123", or hidden) would
 * take its place and the report would never be written.  Compared without case, for
 * file systems that ignore it.  The reserved name, or NULL.
 */
static const char *reserved_name(const char *s)
{
	static const char *const reserved[] = RUNFILES_OF_A_SOAK;

	if (s[0] == '.')
		return ".";
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		size_t n = strlen(reserved[i]);
		if (strncasecmp(s, reserved[i], n) == 0 && (s[n] == '\0' || s[n] == '.'))
			return reserved[i];
	}
	return NULL;
}

static int load_ready(struct keypath *c, json_t *ready, struct scenario *s)
{
	if (get_url(c, ready, "http_get", STRVAL_PORT, "the URL that answers once the target is "
		    "up, e.g. \"http://127.0.0.1:{port}/healthz\"", s->drive.allow_remote,
		    &s->ready_url) < 0)
		return -1;
	return keypath_get_number(c, ready, "timeout_s", &timeout, &s->ready_timeout_s);
}

/* evidence.go_pprof: {"url": ".../debug/pprof/"}, held to the driver's URL rules. */
static int load_go_pprof(struct keypath *c, json_t *gp, struct scenario *s)
{
	return get_url(c, gp, "url", STRVAL_PORT, "net/http/pprof's index, "
		       "\"http://127.0.0.1:{port}/debug/pprof/\"", s->drive.allow_remote,
		       &s->go_pprof_url);
}

/* evidence.http_get: a URL kept at the window's edges, held to the driver's URL rules. */
static int load_evidence(struct keypath *c, json_t *ev, struct scenario *s)
{
	if (get_url(c, ev, "http_get", STRVAL_PORT, NULL, s->drive.allow_remote,
		    &s->evidence_url) < 0 ||
	    load_object(c, ev, "go_pprof", go_pprof_keys, load_go_pprof, s) < 0)
		return -1;
	return keypath_get_bool(c, ev, "jvm", &s->jvm);
}

static int load_target(struct keypath *c, json_t *target, struct scenario *s)
{
	int profile = s->profile;

	if (strval_get_argv(c, target, "cmd", "an argv array, e.g. [\"targets/bin/x\", "
			    "\"--port\", \"{port}\"]", &s->cmd) < 0 ||
	    strval_get_pairs(c, target, "env", STRVAL_ENV, &s->env) < 0 ||
	    load_object(c, target, "ready", ready_keys, load_ready, s) < 0 ||
	    keypath_get_integer(c, target, "max_rss_kib", CAP_MIN_RSS_KIB, CAP_MAX_RSS_KIB,
				&s->max_rss_kib) < 0 ||
	    keypath_get_integer(c, target, "max_procs", 1, CAP_MAX_PROCS, &s->max_procs) < 0 ||
	    keypath_get_enum(c, target, "profile", profile_names, N_OF(profile_names),
			     "\"heaptrack\"", &profile) < 0)
		return -1;
	s->profile = (enum scenario_profile)profile;
	return keypath_get_number(c, target, "stop_grace_s", &grace, &s->stop_grace_s);
}

/* One request: drive.http itself, or one entry of drive.http.mix. */
static int load_request(struct keypath *c, json_t *obj, int allow_remote,
			struct scenario_request *req)
{
	int ret;

	req->weight = 1;
	if (!(req->method = strdup("GET")))
		return keypath_fail_oom(c);
	if ((ret = strval_get(c, obj, "method", STRVAL_PORT, NULL, &req->method)) == 0 &&
	    !strval_is_token(req->method))
		ret = keypath_fail_value_at(c, obj, "method",
					    "an HTTP method such as \"GET\" or \"POST\"");
	if (ret == 0)
		ret = get_url(c, obj, "url", STRVAL_REQUEST, "e.g. \"http://127.0.0.1:{port}/\"",
			      allow_remote, &req->url);
	if (ret == 0)
		ret = strval_get_pairs(c, obj, "headers", STRVAL_HEADERS, &req->headers);
	if (ret == 0)
		ret = strval_get(c, obj, "body", STRVAL_REQUEST, NULL, &req->body);
	if (ret == 0)
		ret = keypath_get_integer(c, obj, "weight", 1, MAX_WEIGHT, &req->weight);
	return ret;
}

static int load_mix(struct keypath *c, json_t *mix, struct scenario_drive *d)
{
	json_t *entry;
	size_t i;
	int ret = 0;

	keypath_push(c, "mix");
	if (!json_is_array(mix) || json_array_size(mix) == 0)
		ret = keypath_fail_value(c, mix, "a non-empty array of request objects");
	else if (!(d->requests = calloc(json_array_size(mix), sizeof(*d->requests))))
		ret = keypath_fail_oom(c);
	json_array_foreach(mix, i, entry) {
		if (ret < 0)
			break;
		keypath_push_index(c, i);
		d->n_requests = i + 1;	/* so that scenario_release frees what is filled */
		if (!json_is_object(entry))
			ret = keypath_fail_value(c, entry, "an object");
		else if ((ret = keypath_check_keys(c, entry, mix_keys)) == 0)
			ret = load_request(c, entry, d->allow_remote, &d->requests[i]);
		keypath_pop(c);
	}
	keypath_pop(c);
	return ret;
}

/* drive.http holds one request itself (url) or a weighted list of them (mix), never both. */
static int load_requests(struct keypath *c, json_t *http, struct scenario_drive *d)
{
	static const char *const one_request_keys[] = { "url", "method", "headers", "body", NULL };
	json_t *mix = json_object_get(http, "mix");
	int ret;

	if (!mix && !json_object_get(http, "url"))
		return keypath_fail_missing(c, "url", "or 'drive.http.mix', a list of weighted "
					    "requests");
	for (const char *const *k = one_request_keys; mix && *k; k++) {
		if (!json_object_get(http, *k))
			continue;
		keypath_push(c, *k);
		ret = keypath_fail(c, "'%s' cannot be used with 'drive.http.mix' (%s)",
				   keypath_text(c), k == one_request_keys ?
				   "use url for one request or mix for several" :
				   "set it in each mix entry");
		keypath_pop(c);
		return ret;
	}
	if (mix)
		return load_mix(c, mix, d);
	if (!(d->requests = calloc(1, sizeof(*d->requests))))
		return keypath_fail_oom(c);
	d->n_requests = 1;
	return load_request(c, http, d->allow_remote, &d->requests[0]);
}

static int load_http(struct keypath *c, json_t *http, struct scenario *s)
{
	struct scenario_drive *d = &s->drive;

	s->has_drive = 1;
	if (load_requests(c, http, d) < 0 ||
	    keypath_get_number(c, http, "rate_per_s", &rate, &d->rate_per_s) < 0 ||
	    keypath_get_integer(c, http, "concurrency", 1, 1024, &d->concurrency) < 0 ||
	    keypath_get_integer(c, http, "threads", 1, 1024, &d->threads) < 0)
		return -1;
	return keypath_get_number(c, http, "timeout_s", &timeout, &d->timeout_s);
}

static const char exec_hint[] =
	"an argv array, e.g. [\"wrk\", \"-d\", \"1h\", \"http://127.0.0.1:{port}/\"]";

/* drive.exec as an object: the generator's argv as cmd, the options beside it. */
static int load_exec_object(struct keypath *c, json_t *v, struct scenario *s)
{
	struct scenario_exec *e = &s->exec;

	if (strval_get_argv(c, v, "cmd", exec_hint, &e->cmd) < 0 ||
	    strval_get_pairs(c, v, "env", STRVAL_ENV, &e->env) < 0)
		return -1;
	return keypath_get_bool(c, v, "restart", &e->restart);
}

/*
 * drive.exec: the generator's argv, or an object with it as cmd and the options beside it.
 * The argv is held to target.cmd's rules (leaksoak(1), SAFETY): an execve, never a shell.
 */
static int load_exec(struct keypath *c, json_t *drive, struct scenario *s)
{
	json_t *v = json_object_get(drive, "exec");
	int ret;

	if (!v || json_is_object(v))
		return load_object(c, drive, "exec", exec_keys, load_exec_object, s);
	ret = strval_get_argv(c, drive, "exec", exec_hint, &s->exec.cmd);
	if (ret == 0 && !(s->exec.env = strval_new(0)))
		ret = keypath_fail_oom(c);
	return ret;
}

static int load_drive(struct keypath *c, json_t *drive, struct scenario *s)
{
	s->drive.concurrency = 8;
	s->drive.timeout_s = 10;
	if (keypath_get_bool(c, drive, "allow_remote", &s->drive.allow_remote) < 0)
		return -1;
	if (!json_object_get(drive, "http") && !json_object_get(drive, "exec"))
		return keypath_fail_missing(c, "http", "an object with the url to request, or "
					    "'drive.exec', the argv of a load generator");
	if (load_object(c, drive, "http", http_keys, load_http, s) < 0)
		return -1;
	return load_exec(c, drive, s);
}

static int load_durations(struct keypath *c, json_t *root, struct scenario *s)
{
	int ret;

	if ((ret = keypath_get_number(c, root, "duration_s", &duration, &s->duration_s)) < 0 ||
	    (ret = keypath_get_number(c, root, "warmup_s", &warmup, &s->warmup_s)) < 0 ||
	    s->warmup_s < s->duration_s)
		return ret;
	/* Point at warmup_s when it was written, else at the duration that is too short. */
	if (json_object_get(root, "warmup_s"))
		return keypath_fail_at(c, "warmup_s", "'warmup_s' must be less than 'duration_s' "
				       "(got %g, duration_s is %g)", s->warmup_s, s->duration_s);
	return keypath_fail_at(c, "duration_s", "'duration_s' must be more than 'warmup_s' (%g by "
			       "default; set warmup_s lower) (got %g)", s->warmup_s,
			       s->duration_s);
}

/* ---- sample.prometheus ---- */

/* A series' name is a column of samples.csv and a key of gate.metrics: a plain word. */
static int check_series_name(struct keypath *c, const char *name, const struct scenario *s)
{
	size_t n = strlen(name);

	if (!n || n > METRIC_SERIES_NAME_MAX || !prom_label_name_ok(name))
		return keypath_fail(c, "'%s' must be a name of letters, digits and '_' (at most %d, "
				    "not starting with a digit) for its samples.csv column (got "
				    "\"%s\"; {\"name\": ..., \"metric\": ...} names a series)",
				    keypath_text(c), METRIC_SERIES_NAME_MAX, name);
	for (const char *const *k = other_columns; *k; k++)
		if (strcmp(*k, name) == 0)
			return keypath_fail(c, "'%s': '%s' is a samples.csv column already (name "
					    "the series otherwise)", keypath_text(c), name);
	for (size_t i = 0; i < s->metrics.n; i++)
		if (strcmp(s->metrics.def[i].name, name) == 0 ||
		    strcmp(s->metrics.def[i].column, name) == 0)
			return keypath_fail(c, "'%s': '%s' names a metric already (give each "
					    "series its own name)", keypath_text(c), name);
	return 0;
}

/* The series' metric, which the current path holds: a name the page could carry. */
static int check_metric_name(struct keypath *c, const char *metric)
{
	if (prom_metric_name_ok(metric))
		return 0;
	return keypath_fail(c, "'%s' is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) "
			    "(got \"%s\")", keypath_text(c), metric);
}

static int series_labels(struct keypath *c, json_t *labels, struct scenario_series *se)
{
	size_t n = json_object_size(labels), i = 0;
	const char *key;
	json_t *v;

	se->label_kv = calloc(2 * n + 1, sizeof(char *));
	se->labels = calloc(n + 1, sizeof(*se->labels));
	if (!se->label_kv || !se->labels)
		return keypath_fail_oom(c);
	json_object_foreach(labels, key, v) {
		if (!prom_label_name_ok(key))
			return keypath_fail(c, "'%s': '%s' is not a Prometheus label name ([a-zA-Z_]"
					    "[a-zA-Z0-9_]*)", keypath_text(c), key);
		if (!json_is_string(v))
			return keypath_fail_value_at(c, labels, key,
						     "a string (the label's exact value)");
		char *name = strdup(key), *value = strdup(json_string_value(v));
		if (!name || !value) {
			free(name);
			free(value);
			return keypath_fail_oom(c);
		}
		se->label_kv[2 * i] = name;
		se->label_kv[2 * i + 1] = value;
		se->labels[i] = (struct prom_label){ se->label_kv[2 * i], se->label_kv[2 * i + 1] };
		se->n_labels = ++i;
	}
	return 0;
}

/* {"name": ..., "metric": ..., "labels": {...}}: the current path is the element. */
static int series_object(struct keypath *c, json_t *v, struct scenario_series *se)
{
	json_t *labels;
	int ret;

	if ((ret = keypath_check_keys(c, v, series_keys)) < 0 ||
	    (ret = strval_get(c, v, "metric", STRVAL_TEXT, "the sample name on the page, e.g. "
			      "\"go_goroutines\"", &se->metric)) < 0 ||
	    (ret = strval_get(c, v, "name", STRVAL_TEXT, NULL, &se->name)) < 0 ||
	    (ret = keypath_get_object(c, v, "labels", &labels)) < 0)
		return ret;
	keypath_push(c, "metric");
	ret = check_metric_name(c, se->metric);
	keypath_pop(c);
	if (ret == 0 && labels) {
		keypath_push(c, "labels");
		ret = series_labels(c, labels, se);
		keypath_pop(c);
	}
	return ret;
}

/* One element of sample.prometheus.series (the current path), added to the metric set. */
static int load_series(struct keypath *c, json_t *v, struct scenario *s,
		       struct scenario_series *se)
{
	int ret, named;

	if (json_is_string(v)) {
		se->metric = strdup(json_string_value(v));
		if (!se->metric)
			return keypath_fail_oom(c);
		if (check_metric_name(c, se->metric) < 0)
			return -1;
	} else if (json_is_object(v)) {
		if ((ret = series_object(c, v, se)) < 0)
			return ret;
	} else {
		return keypath_fail_value(c, v, "a metric name or an object with 'metric' (and "
					  "'name', 'labels')");
	}
	if (!se->name && !(se->name = strdup(se->metric)))
		return keypath_fail_oom(c);
	named = json_is_object(v) && json_object_get(v, "name");
	if (named)
		keypath_push(c, "name");
	ret = check_series_name(c, se->name, s);
	if (named)
		keypath_pop(c);
	if (ret == 0 && metric_set_add_series(&s->metrics, se->name) < 0)
		ret = keypath_fail(c, "'%s': cannot add series '%s'", keypath_text(c), se->name);
	return ret;
}

static int load_series_list(struct keypath *c, json_t *prom, struct scenario *s)
{
	struct scenario_prometheus *p = &s->prometheus;
	json_t *list = json_object_get(prom, "series");
	size_t n = json_array_size(list);
	int ret = 0;

	if (!list)
		return keypath_fail_missing(c, "series", "a list of metric names, e.g. "
					    "[\"go_goroutines\"]");
	keypath_push(c, "series");
	if (!json_is_array(list) || n == 0 || n > METRIC_MAX_SERIES)
		ret = keypath_fail_value(c, list, "a list of 1 to 16 series");
	else if (!(p->series = calloc(n, sizeof(*p->series))))
		ret = keypath_fail_oom(c);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		p->n_series = i + 1;	/* released whole even when it fails half-read */
		keypath_push_index(c, i);
		ret = load_series(c, json_array_get(list, i), s, &p->series[i]);
		keypath_pop(c);
	}
	keypath_pop(c);
	return ret;
}

static int load_prometheus(struct keypath *c, json_t *prom, struct scenario *s)
{
	struct scenario_prometheus *p = &s->prometheus;

	p->interval_ms = 1000;
	if (get_url(c, prom, "url", STRVAL_PORT, "the target's metrics page, e.g. "
		    "\"http://127.0.0.1:{port}/metrics\"", s->drive.allow_remote, &p->url) < 0 ||
	    keypath_get_integer(c, prom, "interval_ms", 100, 600000, &p->interval_ms) < 0)
		return -1;
	p->timeout_ms = p->interval_ms;
	if (keypath_get_integer(c, prom, "timeout_ms", 10, 600000, &p->timeout_ms) < 0)
		return -1;
	if (p->timeout_ms > p->interval_ms) {
		keypath_push(c, "timeout_ms");
		keypath_fail(c, "'%s' must be at most 'sample.prometheus.interval_ms': a scrape "
			     "ends before the next is due (got %u, interval_ms is %u)",
			     keypath_text(c), p->timeout_ms, p->interval_ms);
		keypath_pop(c);
		return -1;
	}
	return load_series_list(c, prom, s);
}

static int load_sample(struct keypath *c, json_t *sample, struct scenario *s)
{
	if (keypath_get_integer(c, sample, "interval_ms", 10, 60000, &s->interval_ms) < 0 ||
	    keypath_get_integer(c, sample, "lazyfree_interval_ms", 0, 86400000,
				&s->lazyfree_interval_ms) < 0)
		return -1;
	if (s->lazyfree_interval_ms && s->lazyfree_interval_ms < s->interval_ms)
		return keypath_fail_at(c, json_object_get(sample, "lazyfree_interval_ms") ?
				       "lazyfree_interval_ms" : "interval_ms",
				       "'sample.lazyfree_interval_ms' must be 0 (never) or at least "
				       "'sample.interval_ms' (got %u, interval_ms is %u)",
				       s->lazyfree_interval_ms, s->interval_ms);
	return load_object(c, sample, "prometheus", prometheus_keys, load_prometheus, s);
}

/* ---- the gate ---- */

/* gate.metrics: { "name": per-minute or null } for any metric of the set, gated once. */
static int load_gate_metrics(struct keypath *c, json_t *gate, struct scenario *s)
{
	const char *names[METRIC_MAX + 1] = { 0 };
	json_t *metrics, *v;
	const char *key;
	int ret = keypath_get_object(c, gate, "metrics", &metrics);

	if (ret < 0 || !metrics)
		return ret;
	for (size_t k = 0; k < s->metrics.n; k++)
		names[k] = s->metrics.def[k].name;
	keypath_push(c, "metrics");
	json_object_foreach(metrics, key, v) {
		int i = metric_find(&s->metrics, key);
		const char *gate_key = i < 0 ? NULL : s->metrics.def[i].gate_key;

		if (i < 0) {
			ret = keypath_fail_unknown_key(c, key, names);
		} else if (gate_key && json_object_get(gate, gate_key)) {
			keypath_push(c, key);
			ret = keypath_fail(c, "'%s' gates metric '%s' already gated by 'gate.%s' "
					   "(keep one)", keypath_text(c), key, gate_key);
			keypath_pop(c);
		} else {
			ret = get_gate(c, metrics, key, &s->gate.per_min[i]);
		}
		if (ret < 0)
			break;
	}
	keypath_pop(c);
	return ret;
}

static int load_gate_object(struct keypath *c, json_t *gate, struct scenario *s)
{
	static const struct keypath_range alpha = { 0, 0, 0.5, 0.5, "a number > 0 and < 0.5" };
	struct scenario_gate *g = &s->gate;

	for (size_t i = 0; i < METRIC_N_BUILTIN; i++)
		if (get_gate(c, gate, metric_builtin[i].gate_key, &g->per_min[i]) < 0)
			return -1;
	if (load_gate_metrics(c, gate, s) < 0 ||
	    keypath_get_bool(c, gate, "rss_discount_lazyfree", &g->rss_discount_lazyfree) < 0 ||
	    keypath_get_number(c, gate, "alpha", &alpha, &g->alpha) < 0)
		return -1;
	if (g->rss_discount_lazyfree && s->lazyfree_interval_ms == 0)
		return keypath_fail_at(c, "rss_discount_lazyfree", "'gate.rss_discount_lazyfree' "
				       "needs LazyFree samples (set sample.lazyfree_interval_ms "
				       "above 0, or this to false)");
	return 0;
}

static int load_gate(struct keypath *c, json_t *root, struct scenario *s)
{
	const char *keys[METRIC_N_BUILTIN + N_GATE_KEYS + 1] = { 0 };

	/* Without LazyFree samples there is nothing to discount: default the discount off. */
	if (s->lazyfree_interval_ms == 0)
		s->gate.rss_discount_lazyfree = 0;
	for (size_t i = 0; i < METRIC_N_BUILTIN; i++)
		keys[i] = metric_builtin[i].gate_key;
	for (size_t i = 0; i < N_GATE_KEYS; i++)
		keys[METRIC_N_BUILTIN + i] = gate_keys[i];
	return load_object(c, root, "gate", keys, load_gate_object, s);
}

/* ---- the whole file ---- */

static int load_name(struct keypath *c, json_t *root, struct scenario *s)
{
	if (strval_get(c, root, "name", STRVAL_PORT,
		       "it names the results directory, e.g. \"map-churn\"", &s->name) < 0)
		return -1;
	if (!is_good_name(s->name))
		return keypath_fail_value_at(c, root, "name", "1 to 128 characters from "
					     "[A-Za-z0-9._-], not \".\" or \"..\" (it names the "
					     "results directory)");
	if (reserved_name(s->name))
		return keypath_fail_at(c, "name", "'name' must not be \"%s\"%s: a soak writes "
				       "summary.json, junit.xml, index.html and trends/ beside the "
				       "run folders (rename the scenario)", s->name,
				       s->name[0] == '.' ? " (a hidden name)" : "");
	return 0;
}

void scenario_gate_defaults(struct scenario_gate *g)
{
	for (size_t i = 0; i < METRIC_MAX; i++)
		g->per_min[i] = i < METRIC_N_BUILTIN ? metric_builtin[i].gate_default : -1;
	g->rss_discount_lazyfree = 1;
	g->alpha = 0.01;
}

static void set_defaults(struct scenario *s)
{
	s->ready_timeout_s = 10;
	s->stop_grace_s = 3;
	s->duration_s = 30;
	s->warmup_s = 5;
	s->interval_ms = 100;
	s->lazyfree_interval_ms = 1000;
	metric_set_init(&s->metrics);
	scenario_gate_defaults(&s->gate);
	s->early_stop = 1;
	s->jvm = -1;
}

static int load_root(struct keypath *c, json_t *root, struct scenario *s)
{
	int expect = SCENARIO_EXPECT_NONE;

	set_defaults(s);
	/* Read ahead: drive.allow_remote decides every URL check, target.ready's before drive
	 * is read; a wrong type is reported in its turn by load_drive. */
	s->drive.allow_remote = json_is_true(json_object_get(json_object_get(root, "drive"),
							     "allow_remote"));
	if (keypath_check_keys(c, root, top_keys) < 0 ||
	    load_name(c, root, s) < 0 ||
	    strval_get(c, root, "description", STRVAL_TEXT, NULL, &s->description) < 0 ||
	    (!json_object_get(root, "target") &&
	     keypath_fail_missing(c, "target", "an object with at least \"cmd\", the argv to "
				  "start") < 0) ||
	    load_object(c, root, "target", target_keys, load_target, s) < 0 ||
	    load_object(c, root, "drive", drive_keys, load_drive, s) < 0 ||
	    load_durations(c, root, s) < 0 ||
	    load_object(c, root, "sample", sample_keys, load_sample, s) < 0 ||
	    load_gate(c, root, s) < 0 ||
	    keypath_get_enum(c, root, "expect", expect_names, N_OF(expect_names),
			     "\"leak\" or \"pass\"", &expect) < 0 ||
	    keypath_get_bool(c, root, "early_stop", &s->early_stop) < 0 ||
	    load_object(c, root, "evidence", evidence_keys, load_evidence, s) < 0)
		return -1;
	s->expect = (enum scenario_expect)expect;
	return 0;
}

/* ---- loading ---- */

static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0, n = 0;
	char *buf = NULL;
	int ret = -1;

	if (!f)
		return diag_error("%s: cannot read file: %s", path, strerror(errno));
	for (;;) {
		if (n == cap) {
			/* Room for one more chunk: 64 KiB, then doubling up to the limit. */
			char *grown = n < MAX_FILE_BYTES ? vec_grow(buf, &cap, n + READ_CHUNK, 1)
							 : NULL;

			if (!grown) {
				diag_error("%s: cannot read file: %s", path, n < MAX_FILE_BYTES ?
					   "out of memory" : "larger than 16 MiB");
				goto out;
			}
			buf = grown;
		}
		n += fread(buf + n, 1, cap - n, f);
		if (ferror(f)) {
			diag_error("%s: cannot read file: %s", path, strerror(errno));
			goto out;
		}
		if (feof(f))
			break;
	}
	*text = buf;
	*len = n;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	fclose(f);
	return ret;
}

int scenario_load_text(const char *path, const char *text, size_t len, struct scenario *out)
{
	struct keypath c;
	struct scenario s = { 0 };
	json_t *root = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	keypath_init(&c, path, text, len);
	if (keypath_parse(&c, &root) < 0)
		goto out;
	if (!json_is_object(root)) {
		diag_error("%s: a scenario must be a JSON object (got an array)", path);
		goto out;
	}
	if (!(s.path = strdup(path))) {
		keypath_fail_oom(&c);
		goto out;
	}
	if (load_root(&c, root, &s) < 0)
		goto out;
	*out = s;
	memset(&s, 0, sizeof(s));
	ret = 0;
out:
	scenario_release(&s);
	json_decref(root);
	return ret;
}

int scenario_load(const char *path, struct scenario *out)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (read_file(path, &text, &len) < 0)
		return -1;
	ret = scenario_load_text(path, text, len, out);
	free(text);
	return ret;
}

int scenario_check_url(const char *origin, const char *key, const char *url,
		       const char *remote_hint)
{
	struct keypath c;

	keypath_init(&c, origin, "", 0);
	keypath_push(&c, key);
	if (strchr(url, '{'))
		return keypath_fail(&c, "'%s' takes no placeholder (got '%s')", keypath_text(&c),
				    url);
	return urlpolicy_check(&c, url, 0, remote_hint);
}

/* ---- {port} ---- */

static int each_one(char **str, int request, scenario_string_fn *fn, void *cls)
{
	return *str ? fn(str, request, cls) : 0;
}

static int each_strv(char **v, int request, scenario_string_fn *fn, void *cls)
{
	int ret = 0;

	for (; v && *v && ret == 0; v++)
		ret = fn(v, request, cls);
	return ret;
}

int scenario_foreach_port_string(struct scenario *s, scenario_string_fn *fn, void *cls)
{
	char **const lists[] = { s->cmd, s->env, s->exec.cmd, s->exec.env };
	char **const urls[] = { &s->ready_url, &s->evidence_url, &s->go_pprof_url,
				&s->prometheus.url };
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < N_OF(lists); i++)
		ret = each_strv(lists[i], 0, fn, cls);
	for (size_t i = 0; ret == 0 && i < N_OF(urls); i++)
		ret = each_one(urls[i], 0, fn, cls);
	for (size_t i = 0; ret == 0 && i < s->drive.n_requests; i++) {
		struct scenario_request *r = &s->drive.requests[i];

		if ((ret = each_one(&r->url, 1, fn, cls)) == 0 &&
		    (ret = each_strv(r->headers, 1, fn, cls)) == 0)
			ret = each_one(&r->body, 1, fn, cls);
	}
	return ret;
}

/* ---- releasing ---- */

void scenario_release(struct scenario *s)
{
	for (size_t i = 0; i < s->drive.n_requests; i++) {
		struct scenario_request *r = &s->drive.requests[i];

		free(r->method);
		free(r->url);
		strval_free(r->headers);
		free(r->body);
	}
	free(s->drive.requests);
	for (size_t i = 0; i < s->prometheus.n_series; i++) {
		struct scenario_series *se = &s->prometheus.series[i];

		free(se->name);
		free(se->metric);
		strval_free(se->label_kv);
		free(se->labels);
	}
	free(s->prometheus.series);
	free(s->prometheus.url);
	free(s->path);
	free(s->name);
	free(s->description);
	strval_free(s->cmd);
	strval_free(s->env);
	strval_free(s->exec.cmd);
	strval_free(s->exec.env);
	free(s->ready_url);
	free(s->evidence_url);
	free(s->go_pprof_url);
	memset(s, 0, sizeof(*s));
}
