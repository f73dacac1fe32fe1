/*
 * template — "{name}" placeholders in scenario strings, and random UUIDs for "{uuid}".
 *
 * A template is compiled once into a list of segments: literal runs (with "{{" already turned
 * into "{") and placeholders.  Expanding then only copies segments, which is cheap enough for
 * the driver to do per request.  A "{" that does not start "{word}" is a literal, so JSON bodies
 * such as {"id": "{uuid}"} need no escaping; "{{" is only needed to write "{port}" literally.
 */
#include "base/template.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/vec.h"

enum seg_kind { SEG_LITERAL, SEG_PORT, SEG_SEQ, SEG_UUID };

/* Indexed by seg_kind: the placeholder's name. */
static const char *const seg_names[] = { NULL, "port", "seq", "uuid" };

struct seg {
	enum seg_kind kind;
	size_t off, len;	/* the literal's bytes in template.lit */
};

struct template {
	struct seg *segs;
	size_t n_segs, cap_segs;
	char *lit;		/* every literal run, back to back */
	unsigned uses;		/* bit (1 << kind) for each placeholder present */
};

static int is_name_start(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static int is_name_char(char ch)
{
	return is_name_start(ch) || (ch >= '0' && ch <= '9');
}

/* Length of the "{word}" starting at p (0 if p does not start one); the word is p[1..n-2]. */
static size_t placeholder_len(const char *p)
{
	size_t n = 1;

	if (!is_name_start(p[1]))
		return 0;
	while (is_name_char(p[n]))
		n++;
	return p[n] == '}' ? n + 1 : 0;
}

static enum seg_kind kind_of(const char *name, size_t len)
{
	for (int k = SEG_PORT; k <= SEG_UUID; k++)
		if (strlen(seg_names[k]) == len && !memcmp(seg_names[k], name, len))
			return (enum seg_kind)k;
	return SEG_LITERAL;
}

static int push_seg(struct template *t, enum seg_kind kind, size_t off, size_t len)
{
	if (kind == SEG_LITERAL && len == 0)
		return 0;
	struct seg *segs = vec_grow(t->segs, &t->cap_segs, t->n_segs + 1, sizeof(*segs));

	if (!segs)
		return -1;
	t->segs = segs;
	t->segs[t->n_segs++] = (struct seg){ .kind = kind, .off = off, .len = len };
	t->uses |= 1u << kind;
	return 0;
}

/* Walk text, copying literals into t->lit and cutting segments at each placeholder. */
static int compile_into(struct template *t, const char *text, char **bad_name)
{
	size_t out = 0, run = 0;	/* write position in lit; start of the current literal run */

	for (const char *p = text; *p;) {
		size_t n = *p == '{' && p[1] != '{' ? placeholder_len(p) : 0;
		enum seg_kind kind;

		if (n == 0) {
			/* "{{" is one literal "{"; anything else is copied as it stands. */
			t->lit[out++] = *p;
			p += (p[0] == '{' && p[1] == '{') ? 2 : 1;
			continue;
		}
		kind = kind_of(p + 1, n - 2);
		if (kind == SEG_LITERAL) {
			if (bad_name)
				*bad_name = strndup(p + 1, n - 2);
			return -1;
		}
		if (push_seg(t, SEG_LITERAL, run, out - run) < 0 || push_seg(t, kind, 0, 0) < 0)
			return -1;
		run = out;
		p += n;
	}
	t->lit[out] = '\0';
	return push_seg(t, SEG_LITERAL, run, out - run);
}

struct template *template_compile(const char *text, char **bad_name)
{
	struct template *t = calloc(1, sizeof(*t));

	if (bad_name)
		*bad_name = NULL;
	if (!t)
		return NULL;
	t->lit = malloc(strlen(text) + 1);
	if (!t->lit || compile_into(t, text, bad_name) < 0)
		template_free(&t);
	return t;
}

int template_uses(const struct template *t, const char *name)
{
	enum seg_kind kind = kind_of(name, strlen(name));

	return kind != SEG_LITERAL && (t->uses & (1u << kind)) != 0;
}

/* A placeholder's value, or the placeholder itself when the caller gave none. */
static const char *var_of(const struct template_vars *v, enum seg_kind kind)
{
	switch (kind) {
	case SEG_PORT:
		return v->port ? v->port : "{port}";
	case SEG_SEQ:
		return v->seq ? v->seq : "{seq}";
	case SEG_UUID:
		return v->uuid ? v->uuid : "{uuid}";
	case SEG_LITERAL:
		break;
	}
	return "";
}

size_t template_expand(const struct template *t, const struct template_vars *v,
		       char *buf, size_t len)
{
	size_t need = 0;

	for (size_t i = 0; i < t->n_segs; i++) {
		const struct seg *sg = &t->segs[i];
		const char *s = sg->kind == SEG_LITERAL ? t->lit + sg->off : var_of(v, sg->kind);
		size_t n = sg->kind == SEG_LITERAL ? sg->len : strlen(s);

		if (need + 1 < len)
			memcpy(buf + need, s, need + n < len ? n : len - 1 - need);
		need += n;
	}
	if (len)
		buf[need < len ? need : len - 1] = '\0';
	return need;
}

char *template_expand_dup(const struct template *t, const struct template_vars *v)
{
	size_t len = template_expand(t, v, NULL, 0) + 1;
	char *s = malloc(len);

	if (s)
		template_expand(t, v, s, len);
	return s;
}

long template_expand_buf(const struct template *t, const struct template_vars *v, char **buf,
			 size_t *cap)
{
	size_t n = template_expand(t, v, *buf, *cap);
	char *grown;

	if (n < *cap)
		return (long)n;
	if (!(grown = vec_grow(*buf, cap, n + 1, 1)))
		return -1;
	*buf = grown;
	template_expand(t, v, *buf, *cap);
	return (long)n;
}

void template_free(struct template **t)
{
	if (!*t)
		return;
	free((*t)->segs);
	free((*t)->lit);
	free(*t);
	*t = NULL;
}

/* ---- UUIDs ---- */

/* xorshift64* (Vigna): one multiply and three shifts a draw, good enough for unique request ids. */
static uint64_t xorshift64s(unsigned long long *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * UINT64_C(0x2545F4914F6CDD1D);
}

static void put_hex(char *out, uint64_t x, int bytes)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 2 * bytes - 1; i >= 0; i--, x >>= 4)
		out[i] = hex[x & 0xf];
}

void template_uuid(unsigned long long *state, char out[37])
{
	uint64_t hi, lo;

	/* Zero is xorshift's fixed point: a zeroed state would repeat one UUID forever. */
	if (*state == 0)
		*state = UINT64_C(0x9E3779B97F4A7C15);
	hi = xorshift64s(state);
	lo = xorshift64s(state);
	hi = (hi & ~UINT64_C(0xF000)) | UINT64_C(0x4000);		/* version 4 */
	lo = (lo & ~(UINT64_C(3) << 62)) | (UINT64_C(2) << 62);	/* variant 10xx */
	put_hex(out, hi >> 32, 4);
	out[8] = '-';
	put_hex(out + 9, hi >> 16, 2);
	out[13] = '-';
	put_hex(out + 14, hi, 2);
	out[18] = '-';
	put_hex(out + 19, lo >> 48, 2);
	out[23] = '-';
	put_hex(out + 24, lo, 6);
	out[36] = '\0';
}

/* splitmix64's finaliser: spreads a weak seed (a clock) over all 64 bits. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

unsigned long long template_uuid_seed(void)
{
	uint64_t seed = 0;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		/* No entropy yet (early boot) or no syscall: ids need only differ between runs. */
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = mix64((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
		       mix64((uint64_t)getpid());
	}
	return seed ? seed : UINT64_C(0x9E3779B97F4A7C15);
}
