/*
 * test_spool_line.c: a spooled row whose every value is as long as the
 * audit format keeps and escaped all through still fits its line, and
 * reads back whole (found by fuzz/fuzz_audit_roundtrip.c: the line was cut
 * at 4096 bytes, and a flush dropped the cut row as malformed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "err.h"
#include "spool.h"
#include "test_helpers.h"

#define VALUE_LEN 200	/* what the format keeps of a value */
#define BIG (1 << 16)

static void test_longest_row_reads_back(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX], value[VALUE_LEN + 1];
	char *line = malloc(BIG), *buf = malloc(BIG);
	struct og_audit_event in, out;
	const char **fi[] = { &in.event, &in.result, &in.reason, &in.user, &in.source,
			      &in.service, &in.token, &in.key, &in.actor, &in.detail, &in.host };
	const char **fo[] = { &out.event, &out.result, &out.reason, &out.user, &out.source,
			      &out.service, &out.token, &out.key, &out.actor, &out.detail,
			      &out.host };
	FILE *f;

	(void)state;
	assert_non_null(line);
	assert_non_null(buf);
	memset(value, 0xff, VALUE_LEN);	/* each byte written as \xff */
	value[VALUE_LEN] = '\0';
	memset(&in, 0, sizeof(in));
	in.ts = INT64_MAX;
	for (size_t i = 0; i < TH_ARRAY_LEN(fi); i++)
		*fi[i] = value;
	th_mkdtemp(dir, sizeof(dir));
	th_path(path, sizeof(path), dir, "spool");
	assert_int_equal(og_spool_append(path, &in, NULL), OG_OK);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, BIG, f));
	assert_null(fgets(buf, BIG, f));	/* one line */
	fclose(f);
	assert_int_equal(og_spool_parse(line, &out, buf, BIG), OG_OK);
	assert_true(out.ts == INT64_MAX);
	for (size_t i = 0; i < TH_ARRAY_LEN(fo); i++) {
		assert_non_null(*fo[i]);
		assert_string_equal(*fo[i], value);
	}
	th_rmtree(dir);
	free(line);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longest_row_reads_back),
	};

	return cmocka_run_group_tests_name("spool line", tests, NULL, NULL);
}
