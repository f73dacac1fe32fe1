/*
 * options — a command's option table into getopt_long, its --help text and its messages.
 */
#include "cli/options.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/units.h"

/* What a count gate takes (a KiB gate's is the table's: the commands word it differently). */
#define OPT_COUNT_GATE_WHAT "a number from 0 to 1e12"

/* -h, --help: every command's. */
static const struct opt help_row = {
	.kind = OPT_KIND_HELP, .short_name = 'h', .name = "help", .help = "this text",
};

/* The rows of a table in their order, help_row among them: it ends the command's own rows
 * (before the first group, else last).  Start with { opts, 0 }; NULL after the last. */
struct walk {
	const struct opt *next;
	int helped;
};

static const struct opt *walk_next(struct walk *w)
{
	if (!w->helped && (w->next->kind == OPT_KIND_GROUP || w->next->kind == OPT_KIND_END)) {
		w->helped = 1;
		return &help_row;
	}
	return w->next->kind == OPT_KIND_END ? NULL : w->next++;
}

/* The rows a table row stands for: a gates row one per built-in metric, a group none. */
static size_t n_unfolded(const struct opt *o)
{
	switch (o->kind) {
	case OPT_KIND_END:
	case OPT_KIND_GROUP:
		return 0;
	case OPT_KIND_GATES:
		return METRIC_N_BUILTIN;
	default:
		return 1;
	}
}

/* "(default 1024; 2MiB works)", "(default: not gated)": a gate's default in the words of w. */
static void gate_default_text(const struct metric_def *d, enum opt_gate_words w, char *buf,
			      size_t len)
{
	if (d->gate_default < 0)
		snprintf(buf, len, "(default: not gated)");
	else
		snprintf(buf, len, "(default %g%s)", d->gate_default,
			 strcmp(d->unit, "KiB") != 0 ? "" :
			 w == OPT_GATES_BY_KEY ? "; 2MiB works" : "; sizes like 2MiB work");
}

/* The name ("--max-rss-kib-per-min") and the help in both wordings of each gate option, from
 * the metric table: made on first use, kept for the program's life (a `seen` may point at a
 * name). */
static const struct gate_text {
	char name[METRIC_GATE_OPTION_LEN];
	char help[2][METRIC_GATE_OPTION_LEN + 64];
} *gate_texts(void)
{
	static struct gate_text t[METRIC_N_BUILTIN];
	static int made;

	for (size_t i = 0; !made && i < METRIC_N_BUILTIN; i++) {
		const struct metric_def *d = &metric_builtin[i];
		char def[48];

		metric_gate_option(d->gate_key, t[i].name, sizeof(t[i].name));
		gate_default_text(d, OPT_GATES_BY_KEY, def, sizeof(def));
		snprintf(t[i].help[OPT_GATES_BY_KEY], sizeof(t[i].help[0]), "gate.%s %s",
			 d->gate_key, def);
		gate_default_text(d, OPT_GATES_BY_NOUN, def, sizeof(def));
		snprintf(t[i].help[OPT_GATES_BY_NOUN], sizeof(t[i].help[0]), "%s gate%s %s",
			 d->noun, strcmp(d->unit, "KiB") == 0 ? ", KiB/min" : "", def);
	}
	made = 1;
	return t;
}

/* Row i of what o stands for, into *out. */
static void unfold(const struct opt *o, size_t i, struct opt *out)
{
	const struct metric_def *d = &metric_builtin[i];
	const struct gate_text *t = &gate_texts()[i];

	*out = *o;
	if (o->kind != OPT_KIND_GATES)
		return;
	out->name = t->name + 2;
	out->value = (double *)o->value + i;
	if (strcmp(d->unit, "KiB") == 0) {
		out->kind = OPT_KIND_KIB;
	} else {
		out->kind = OPT_KIND_NUMBER;
		out->what = OPT_COUNT_GATE_WHAT;
	}
	out->help = t->help[o->gate_words];
}

/* Row k of g from row i of o; seen is the group's. */
static void add_row(struct opt_getopt *g, size_t k, const struct opt *o, size_t i,
		    const char **seen, size_t *s)
{
	struct opt *r = &g->rows[k];

	unfold(o, i, r);
	if (!r->seen)
		r->seen = seen;
	g->longopts[k] = (struct option){
		r->name, r->argh ? required_argument : no_argument, NULL,
		r->short_name ? r->short_name : OPT_VAL_BASE + (int)k,
	};
	if (r->short_name && *s + 3 < sizeof(g->shortopts)) {
		g->shortopts[(*s)++] = (char)r->short_name;
		if (r->argh)
			g->shortopts[(*s)++] = ':';
	}
}

int opt_getopt_init(struct opt_getopt *g, const struct opt *opts)
{
	struct walk w = { opts, 0 };
	size_t n = 0, k = 0, s = 0;
	const struct opt *o;

	memset(g, 0, sizeof(*g));
	while ((o = walk_next(&w)))
		n += n_unfolded(o);
	g->rows = calloc(n + 1, sizeof(*g->rows));
	g->longopts = calloc(n + 1, sizeof(*g->longopts));
	if (!g->rows || !g->longopts) {
		opt_getopt_release(g);
		return diag_error("out of memory");
	}
	/* The gates last, as the commands have always listed them to getopt: an ambiguous
	 * abbreviation ("--max") lists its candidates in that order. */
	for (int gates = 0; gates < 2; gates++) {
		const char **seen = NULL;

		for (w = (struct walk){ opts, 0 }; (o = walk_next(&w));) {
			if (o->kind == OPT_KIND_GROUP)
				seen = o->seen;
			if ((o->kind == OPT_KIND_GATES) != gates)
				continue;
			for (size_t i = 0; i < n_unfolded(o); i++)
				add_row(g, k++, o, i, seen, &s);
		}
	}
	g->n = n;
	return 0;
}

void opt_getopt_release(struct opt_getopt *g)
{
	free(g->rows);
	free(g->longopts);
	memset(g, 0, sizeof(*g));
}

/* ----------------------------------------------------------------------------------------- */
/* --help and --list-options                                                                 */

/* "  -j, --jobs N", padded to col (two spaces when it reaches col), then the help's lines. */
static void usage_row(FILE *f, const struct opt *o, int col)
{
	char lead[8] = "";
	int len;

	if (o->short_name)
		snprintf(lead, sizeof(lead), "-%c, ", o->short_name);
	len = fprintf(f, "  %s--%s%s%s", lead, o->name, o->argh ? " " : "", o->argh ? o->argh : "");
	fprintf(f, "%*s", len < col ? col - len : 2, "");
	for (const char *h = o->help ? o->help : ""; *h; h++) {
		fputc(*h, f);
		if (*h == '\n' && h[1])
			fprintf(f, "%*s", col, "");
	}
	fputc('\n', f);
}

void opt_usage(FILE *f, const struct opt_cmd *c, const struct opt *opts)
{
	struct walk w = { opts, 0 };
	const struct opt *o;
	int col = c->col;

	for (const char *l = c->synopsis, *end; l; l = *end ? end + 1 : NULL) {
		end = l + strcspn(l, "\n");
		fprintf(f, "%s leaksoak %s %.*s\n", l == c->synopsis ? "usage:" : "      ", c->name,
			(int)(end - l), l);
	}
	fputc('\n', f);
	if (c->about)
		fprintf(f, "%s\n\n", c->about);
	while ((o = walk_next(&w))) {
		if (o->kind == OPT_KIND_GROUP) {
			fprintf(f, "\n%s\n", o->help);
			col = o->col ? o->col : col;
			continue;
		}
		for (size_t i = 0; i < n_unfolded(o); i++) {
			struct opt r;

			unfold(o, i, &r);
			usage_row(f, &r, r.col ? r.col : col);
		}
	}
	if (c->epilogue)
		fprintf(f, "\n%s", c->epilogue);
}

int opt_list(FILE *f, const struct opt *opts)
{
	struct opt_getopt g;

	if (opt_getopt_init(&g, opts) < 0)
		return -1;
	for (size_t i = 0; i < g.n; i++) {
		fprintf(f, "--%s", g.rows[i].name);
		if (g.rows[i].short_name)
			fprintf(f, " -%c", g.rows[i].short_name);
		fputc('\n', f);
	}
	opt_getopt_release(&g);
	return 0;
}

/* ----------------------------------------------------------------------------------------- */
/* Parsing                                                                                   */

int opt_error(const struct opt_cmd *c, const char *why, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n = 0;

	if (fmt) {
		va_start(ap, fmt);
		n = vasprintf(&msg, fmt, ap);
		va_end(ap);
		if (n < 0)
			msg = NULL;
	}
	diag_error("%s%s%s%stry 'leaksoak %s%s--help'%s", msg ? msg : "", msg ? " (" : "",
		   why ? why : "", why ? "; " : "", c ? c->name : "", c ? " " : "", msg ? ")" : "");
	free(msg);
	return -1;
}

int opt_invalid(const struct opt_cmd *c, const char *option, const char *arg, const char *what)
{
	return opt_error(c, what, "invalid %s '%s'", option, arg);
}

/* snprintf with a format from a table (no format attribute: the table is ours, not input). */
static void format_what(char *buf, size_t len, const char *what, ...)
{
	va_list ap;

	va_start(ap, what);
	vsnprintf(buf, len, what, ap);
	va_end(ap);
}

/* The value of row o from arg into its variable: 0, or -1 after the "invalid" message. */
static int take(const struct opt_cmd *c, const struct opt *o, const char *arg)
{
	double d = 0;
	unsigned long n = 0;
	int bad = 0;

	switch (o->kind) {
	case OPT_KIND_FLAG:
		if (o->value)
			*(int *)o->value = 1;
		break;
	case OPT_KIND_STRING:
		if (o->value)
			*(const char **)o->value = arg;
		break;
	case OPT_KIND_DURATION0:
	case OPT_KIND_DURATION:
		if (o->kind == OPT_KIND_DURATION0 && strcmp(arg, "0") == 0)
			d = 0;
		else
			bad = units_parse_duration_s(arg, &d) < 0;
		if (!bad && o->value)
			*(double *)o->value = d;
		break;
	case OPT_KIND_KIB:
	case OPT_KIND_NUMBER:
		bad = (o->kind == OPT_KIND_KIB ? units_parse_kib(arg, &d) :
		       units_parse_double(arg, &d)) < 0;
		if (!bad && o->value)
			*(double *)o->value = d;
		break;
	case OPT_KIND_ULONG:
	case OPT_KIND_LONG:
		bad = units_parse_uint(arg, o->min, o->max, &n) < 0;
		if (!bad && o->value && o->kind == OPT_KIND_ULONG)
			*(unsigned long *)o->value = n;
		else if (!bad && o->value)
			*(long *)o->value = (long)n;
		break;
	case OPT_KIND_STRINGS:
		bad = *o->count >= o->max;
		if (!bad)
			((const char **)o->value)[(*o->count)++] = arg;
		break;
	case OPT_KIND_CALLBACK:
		bad = o->parse(arg, o->value) < 0;
		break;
	default:
		break;
	}
	if (bad) {
		char name[METRIC_GATE_OPTION_LEN + 64], what[256];

		if (o->short_name)
			snprintf(name, sizeof(name), "-%c", o->short_name);
		else
			snprintf(name, sizeof(name), "--%s", o->name);
		if (o->kind == OPT_KIND_STRINGS)
			format_what(what, sizeof(what), o->what ? o->what : "", o->max);
		else
			format_what(what, sizeof(what), o->what ? o->what : "", o->min, o->max);
		return opt_invalid(c, name, arg, what);
	}
	if (o->text)
		*o->text = arg;
	if (o->seen && !*o->seen)
		*o->seen = o->name;
	return 0;
}

/* The row getopt_long's answer ch stands for, or NULL ('?': getopt said what was wrong). */
static const struct opt *row_of(const struct opt_getopt *g, int ch)
{
	if (ch >= OPT_VAL_BASE && (size_t)(ch - OPT_VAL_BASE) < g->n)
		return &g->rows[ch - OPT_VAL_BASE];
	for (size_t i = 0; ch != '?' && i < g->n; i++)
		if (g->rows[i].short_name == ch)
			return &g->rows[i];
	return NULL;
}

int opt_parse(const struct opt_cmd *c, const struct opt *opts, int argc, char **argv)
{
	struct opt_getopt g;
	int ch, ret = 0;

	if (argc == 2 && strcmp(argv[1], "--list-options") == 0) {
		optind = argc;
		return opt_list(stdout, opts) < 0 ? -1 : 1;
	}
	if (opt_getopt_init(&g, opts) < 0)
		return -1;
	optind = 0;	/* from argv[1], whatever parsed before (the unit tests parse often) */
	while (ret == 0 && (ch = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		const struct opt *o = row_of(&g, ch);

		if (!o) {
			ret = opt_error(c, NULL, NULL);
		} else if (o->kind == OPT_KIND_HELP) {
			opt_usage(stdout, c, opts);
			ret = 1;
		} else {
			ret = take(c, o, optarg);
		}
	}
	opt_getopt_release(&g);
	return ret;
}

const char *opt_operand(const struct opt_cmd *c, int argc, char **argv, const char *missing,
			const char *too_many)
{
	if (optind == argc - 1)
		return argv[optind];
	opt_error(c, NULL, "%s", optind >= argc ? missing : too_many);
	return NULL;
}

int opt_exit(int p)
{
	return p > 0 && fflush(stdout) == 0 ? LS_EXIT_PASS : LS_EXIT_USAGE;
}
