/*
 * cmdline — options to a scenario document, loaded by the one scenario loader.
 *
 * Only what was given goes into the document: everything else keeps the loader's default, so
 * a saved scenario reads like one written by hand and a default changed later applies to it
 * as to every file.
 */
#include "cli/cmdline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "record/results.h"

#define ORIGIN "command line"
#define NAME_MAX_LEN 128

/* Each option and the scenario key it twins; the gates are added from metric_builtin. */
static const struct twin {
	const char *key, *option;
} twins[] = {
	{ "name", "--name" },
	{ "target.cmd", "-- CMD" },
	{ "target.ready.http_get", "--ready-url" },
	{ "target.ready.timeout_s", "--ready-timeout" },
	{ "drive.http.url", "--url" },
	{ "drive.http.rate_per_s", "--rate" },
	{ "drive.http.concurrency", "--concurrency" },
	{ "duration_s", "--duration" },
	{ "warmup_s", "--warmup" },
	{ "sample.interval_ms", "--interval-ms" },
};
#define N_TWINS (sizeof(twins) / sizeof(twins[0]))

void cmdline_opts_init(struct cmdline_opts *o)
{
	*o = (struct cmdline_opts){
		.ready_timeout_s = -1, .rate_per_s = -1, .concurrency = -1, .duration_s = -1,
		.warmup_s = -1, .interval_ms = -1,
	};
	for (size_t i = 0; i < METRIC_N_BUILTIN; i++)
		o->gate[i] = -1;
}

/* "--max-" and the gate key with '-' for '_' into buf: --max-rss-kib-per-min. */
static void gate_option(size_t i, char *buf, size_t len)
{
	metric_gate_option(metric_builtin[i].gate_key, buf, len);
}

const char *cmdline_option_of(const char *key)
{
	static char gate[METRIC_GATE_OPTION_LEN];

	for (size_t i = 0; i < N_TWINS; i++)
		if (strcmp(twins[i].key, key) == 0)
			return twins[i].option;
	for (size_t i = 0; i < METRIC_N_BUILTIN; i++) {
		if (strncmp(key, "gate.", 5) == 0 && strcmp(key + 5, metric_builtin[i].gate_key) == 0) {
			gate_option(i, gate, sizeof(gate));
			return gate;
		}
	}
	return NULL;
}

/* 1 when path is a regular file we may execute. */
static int executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* 1 when name is an executable file in a directory of PATH. */
static int on_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *save = NULL, full[4096];
	int found = 0;

	for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && !found;
	     dir = strtok_r(NULL, ":", &save))
		found = snprintf(full, sizeof(full), "%s/%s", *dir ? dir : ".", name) <
			(int)sizeof(full) && executable(full);
	free(copy);
	return found;
}

int cmdline_check_program(const char *const *cmd)
{
	if (!cmd || !cmd[0])
		return diag_error("run: missing command after '--' (try 'leaksoak run --help')");
	if (!cmd[0][0])
		return diag_error("run: the command after '--' must name a program (got \"\")");
	if (strchr(cmd[0], '/') ? executable(cmd[0]) : on_path(cmd[0]))
		return 0;
	return diag_error("run: program '%s' not found or not executable (%s)", cmd[0],
			  strchr(cmd[0], '/') ? "a path with a '/' is taken from the current "
			  "directory" : "a bare name is looked up in PATH; give a path like ./prog");
}

/* The program's base name made a scenario name: [A-Za-z0-9._-], at most 128 characters. */
static json_t *default_name(const char *prog)
{
	const char *base = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
	char name[NAME_MAX_LEN + 1];
	size_t n = 0;

	for (; *base && n < NAME_MAX_LEN; base++)
		name[n++] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
				   *base) ? *base : '_';
	name[n] = '\0';
	if (n == 0 || name[0] == '.')
		return json_string("command");
	return json_string(name);
}

static json_t *argv_json(const char *const *argv)
{
	json_t *a = json_array();

	for (size_t i = 0; a && argv[i]; i++)
		if (json_array_append_new(a, json_string(argv[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Set key to v (a new reference) unless v is NULL; err collects failures. */
static void put(json_t *obj, const char *key, json_t *v, int *err)
{
	if (!v)
		return;
	*err |= !obj || json_object_set_new(obj, key, v) < 0;
}

static json_t *num_or_null(double v)
{
	return v < 0 ? NULL : json_real(v);
}

static json_t *int_or_null(long v)
{
	return v < 0 ? NULL : json_integer(v);
}

static json_t *target_json(const struct cmdline_opts *o, int *err)
{
	json_t *t = json_object(), *ready = NULL;

	put(t, "cmd", argv_json(o->cmd), err);
	if (o->ready_url) {
		ready = json_object();
		put(ready, "http_get", json_string(o->ready_url), err);
		put(ready, "timeout_s", num_or_null(o->ready_timeout_s), err);
		put(t, "ready", ready, err);
	}
	return t;
}

static json_t *drive_json(const struct cmdline_opts *o, int *err)
{
	json_t *d, *http;

	if (!o->url)
		return NULL;
	d = json_object();
	http = json_object();
	put(http, "url", json_string(o->url), err);
	put(http, "rate_per_s", num_or_null(o->rate_per_s), err);
	put(http, "concurrency", int_or_null(o->concurrency), err);
	put(d, "http", http, err);
	if (o->allow_remote)
		put(d, "allow_remote", json_true(), err);
	return d;
}

static json_t *gate_json(const struct cmdline_opts *o, int *err)
{
	json_t *g = NULL;

	for (size_t i = 0; i < METRIC_N_BUILTIN; i++) {
		if (o->gate[i] < 0)
			continue;
		if (!g)
			g = json_object();
		put(g, metric_builtin[i].gate_key, json_real(o->gate[i]), err);
	}
	return g;
}

json_t *cmdline_json(const struct cmdline_opts *o)
{
	json_t *s = json_object(), *sample = NULL;
	int err = 0;

	put(s, "name", o->name ? json_string(o->name) : default_name(o->cmd[0]), &err);
	put(s, "target", target_json(o, &err), &err);
	put(s, "drive", drive_json(o, &err), &err);
	put(s, "duration_s", num_or_null(o->duration_s), &err);
	put(s, "warmup_s", num_or_null(o->warmup_s), &err);
	if (o->interval_ms >= 0) {
		sample = json_object();
		put(sample, "interval_ms", json_integer(o->interval_ms), &err);
		put(s, "sample", sample, &err);
	}
	put(s, "gate", gate_json(o, &err), &err);
	if (err) {
		json_decref(s);
		diag_error("run: out of memory");
		return NULL;
	}
	return s;
}

static int key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/* The option of the key that starts at p (a whole key: not inside a longer word), and the
 * key's length into *n; NULL when none does. */
static const char *option_at(const char *msg, const char *p, size_t *n)
{
	char key[128];
	size_t k = 0;

	if (p > msg && key_char(p[-1]))
		return NULL;
	while (key_char(p[k]) && k + 1 < sizeof(key)) {
		key[k] = p[k];
		k++;
	}
	while (k > 0 && p[k - 1] == '.')	/* a key ends a sentence: "... drive.http.url." */
		k--;
	key[k] = '\0';
	*n = k;
	return k ? cmdline_option_of(key) : NULL;
}

/*
 * msg with every scenario key that has a twin option ("drive.http.url", "target.cmd[1]")
 * replaced by the option ("--url", "-- CMD[1]"), and the loader's advice on remote hosts
 * put in command-line terms, into out.
 */
static void name_options(const char *msg, char *out, size_t len)
{
	static const char remote[] = "set drive.allow_remote to true to allow it";
	size_t o = 0, n;
	const char *opt;

	for (const char *p = msg; *p && o + 1 < len;) {
		if (strncmp(p, remote, sizeof(remote) - 1) == 0) {
			o += (size_t)snprintf(out + o, len - o, "pass --allow-remote to allow it");
			p += sizeof(remote) - 1;
		} else if ((opt = option_at(msg, p, &n))) {
			o += (size_t)snprintf(out + o, len - o, "%s", opt);
			p += n;
		} else {
			out[o++] = *p++;
		}
	}
	out[o < len ? o : len - 1] = '\0';
}

/* Load text with the loader's message captured, then print it naming options. */
static int load_naming_options(const char *text, struct scenario *out)
{
	char msg[1024] = "", named[1200];
	unsigned long outer_len;
	char *outer = diag_capturing(&outer_len);	/* a test's, put back after */
	const char *what;
	int ret;

	diag_capture(msg, sizeof(msg));
	ret = scenario_load_text(ORIGIN, text, strlen(text), out);
	diag_capture(outer, outer_len);
	if (ret == 0)
		return 0;
	/* "command line:1:52: 'x' ..." -> "'x' ...": a line and column of our own text is no help */
	what = strncmp(msg, ORIGIN ":", strlen(ORIGIN) + 1) == 0 ? msg + strlen(ORIGIN) + 1 : msg;
	while (*what == ':' || (*what >= '0' && *what <= '9'))
		what++;
	while (*what == ' ')
		what++;
	name_options(what, named, sizeof(named));
	return diag_error("run: %s", named);
}

int cmdline_scenario(const struct cmdline_opts *o, struct scenario *out)
{
	json_t *doc = cmdline_json(o);
	/* as results_write_json writes it: the saved file is this very text */
	char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) : NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!text) {
		diag_error("run: out of memory");
		goto out;
	}
	if (load_naming_options(text, out) < 0)
		goto out;
	if (o->save && results_write_json(o->save, doc) < 0) {
		scenario_release(out);
		goto out;
	}
	ret = 0;
out:
	free(text);
	json_decref(doc);
	return ret;
}
