/*
 * strval — the string values of a scenario (strval.h).
 */
#include "scenario/strval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/template.h"

/* Placeholders in text: only known names, and {seq}/{uuid} only in drive requests. */
static int check_placeholders(struct keypath *kp, const char *text, enum strval_vars vars)
{
	char *bad = NULL;
	struct template *t = template_compile(text, &bad);
	int ret = 0;

	if (!t && !bad)
		ret = keypath_fail_oom(kp);
	else if (!t)
		ret = keypath_fail(kp, "unknown placeholder '{%s}' in '%s' (known: {port}, {seq}, "
				   "{uuid})", bad, keypath_text(kp));
	else if (vars == STRVAL_PORT && (template_uses(t, "seq") || template_uses(t, "uuid")))
		ret = keypath_fail(kp, "placeholder '{%s}' in '%s' is only expanded in drive "
				   "requests (url, headers and body; use {port} here)",
				   template_uses(t, "seq") ? "seq" : "uuid", keypath_text(kp));
	free(bad);
	template_free(&t);
	return ret;
}

/* A string value with its placeholders checked, copied into *out (replacing any default). */
static int string_value(struct keypath *kp, const json_t *v, enum strval_vars vars, char **out)
{
	char *copy;

	if (!json_is_string(v))
		return keypath_fail_value(kp, v, "a string");
	if (vars != STRVAL_TEXT && check_placeholders(kp, json_string_value(v), vars) < 0)
		return -1;
	copy = strdup(json_string_value(v));
	if (!copy)
		return keypath_fail_oom(kp);
	free(*out);
	*out = copy;
	return 0;
}

int strval_get(struct keypath *kp, json_t *obj, const char *key, enum strval_vars vars,
	       const char *required_hint, char **out)
{
	json_t *v = json_object_get(obj, key);
	int ret;

	if (!v)
		return required_hint ? keypath_fail_missing(kp, key, required_hint) : 0;
	keypath_push(kp, key);
	ret = string_value(kp, v, vars, out);
	keypath_pop(kp);
	return ret;
}

int strval_is_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || (*s && strchr("!#$%&'*+-.^_`|~", *s))))
			return 0;
	return 1;
}

/* a, sep and b in one new string, or NULL when out of memory. */
static char *join(const char *a, const char *sep, const char *b)
{
	char *s;

	return asprintf(&s, "%s%s%s", a, sep, b) < 0 ? NULL : s;
}

char **strval_new(size_t n)
{
	return calloc(n + 1, sizeof(char *));
}

int strval_get_argv(struct keypath *kp, json_t *obj, const char *key, const char *hint,
		    char ***out)
{
	json_t *cmd = json_object_get(obj, key), *arg;
	size_t i;
	int ret = 0;

	if (!cmd)
		return keypath_fail_missing(kp, key, hint);
	keypath_push(kp, key);
	if (!json_is_array(cmd) || json_array_size(cmd) == 0)
		ret = keypath_fail_value(kp, cmd, "a non-empty array of strings (argv)");
	else if (!(*out = strval_new(json_array_size(cmd))))
		ret = keypath_fail_oom(kp);
	json_array_foreach(cmd, i, arg) {
		if (ret < 0)
			break;
		keypath_push_index(kp, i);
		ret = string_value(kp, arg, STRVAL_PORT, &(*out)[i]);
		if (ret == 0 && i == 0 && !*(*out)[0])
			ret = keypath_fail(kp, "'%s' must name a program (got \"\")",
					   keypath_text(kp));
		keypath_pop(kp);
	}
	keypath_pop(kp);
	return ret;
}

static int env_name_ok(const char *name)
{
	return *name && !strchr(name, '=');
}

/* How each kind of object of names to strings is stored and checked, by enum strval_pairs. */
static const struct {
	const char *sep;			/* "=", ": " */
	enum strval_vars vars;			/* what its values may hold */
	int (*name_ok)(const char *name);
	const char *bad_name;			/* what a name must be, after "'path': " */
	int one_line;				/* no line break in values (header injection) */
} pair_rules[] = {
	[STRVAL_ENV] = { "=", STRVAL_PORT, env_name_ok,
			 "an environment variable name must be non-empty and have no '='", 0 },
	[STRVAL_HEADERS] = { ": ", STRVAL_REQUEST, strval_is_token,
			     "a header name must be a token such as \"X-Request-Id\"", 1 },
};

int strval_get_pairs(struct keypath *kp, json_t *obj, const char *key, enum strval_pairs kind,
		     char ***out)
{
	const typeof(pair_rules[0]) *p = &pair_rules[kind];
	json_t *pairs, *v;
	const char *name;
	size_t i = 0;
	int ret = keypath_get_object(kp, obj, key, &pairs);

	if (ret == 0 && !(*out = strval_new(json_object_size(pairs))))
		ret = keypath_fail_oom(kp);
	if (ret < 0 || !pairs)
		return ret;
	keypath_push(kp, key);
	json_object_foreach(pairs, name, v) {
		char *value = NULL;

		keypath_push(kp, name);
		if (!p->name_ok(name))
			ret = keypath_fail(kp, "'%s': %s", keypath_text(kp), p->bad_name);
		else if ((ret = string_value(kp, v, p->vars, &value)) == 0 && p->one_line &&
			 strpbrk(value, "\r\n"))
			ret = keypath_fail(kp, "'%s' must not contain a line break",
					   keypath_text(kp));
		else if (ret == 0 && !((*out)[i++] = join(name, p->sep, value)))
			ret = keypath_fail_oom(kp);
		free(value);
		keypath_pop(kp);
		if (ret < 0)
			break;
	}
	keypath_pop(kp);
	return ret;
}

void strval_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

