/*
 * test_vec — the one array grower: first room, doubling, no move when there is room, and an
 * overflowing request refused with the array and its capacity untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "base/vec.h"

static void test_grows_by_doubling(void **state)
{
	(void)state;
	int *v = NULL;
	size_t cap = 0, n = 0;

	for (int i = 0; i < 1000; i++) {
		int *g = vec_grow(v, &cap, n + 1, sizeof(*g));

		assert_non_null(g);
		v = g;
		v[n++] = i;
		assert_true(cap >= n);
	}
	assert_int_equal(cap, 1024);	/* 16 doubled six times */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(v[i], i);
	free(v);
}

static void test_room_left_is_no_move(void **state)
{
	(void)state;
	size_t cap = 0;
	char *v = vec_grow(NULL, &cap, 0, 1);

	assert_non_null(v);
	assert_int_equal(cap, VEC_MIN_CAP);
	assert_ptr_equal(vec_grow(v, &cap, VEC_MIN_CAP, 1), v);
	assert_int_equal(cap, VEC_MIN_CAP);
	v = vec_grow(v, &cap, 100, 1);
	assert_non_null(v);
	assert_int_equal(cap, 128);
	free(v);
}

static void test_overflow_refused(void **state)
{
	(void)state;
	size_t cap = 0;
	double *v = vec_grow(NULL, &cap, 4, sizeof(*v));

	assert_non_null(v);
	v[3] = 2.5;
	assert_null(vec_grow(v, &cap, SIZE_MAX / 4, sizeof(*v)));
	assert_null(vec_grow(v, &cap, SIZE_MAX, 1));
	assert_int_equal(cap, VEC_MIN_CAP);
	assert_true(v[3] == 2.5);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grows_by_doubling),
		cmocka_unit_test(test_room_left_is_no_move),
		cmocka_unit_test(test_overflow_refused),
	};

	return cmocka_run_group_tests_name("vec", tests, NULL, NULL);
}
