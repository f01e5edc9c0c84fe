/*
 * test_auditlog: the one audit emitter of the module and the tools:
 * the JSON-lines file, the store, and the spool when the store is away.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "auditlog.h"
#include "th_store.h"

struct fx {
	char dir[256], spool[300], jsonl[300];
	struct og_config cfg;
	struct og_store *st;
	struct th_logbuf lb;
	struct og_log log;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	char key[300], store[800], audit[400];

	if (x == NULL)
		return -1;
	th_log_init(&x->log, &x->lb);
	th_mkdtemp(x->dir, sizeof(x->dir));
	th_path(x->spool, sizeof(x->spool), x->dir, "audit.spool");
	th_path(x->jsonl, sizeof(x->jsonl), x->dir, "audit.jsonl");
	th_path(key, sizeof(key), x->dir, "master.key");
	snprintf(store, sizeof(store), "store = { backend = \"sqlite\"; path = \"%s/otpgate.db\";"
		 " spool = \"%s\"; };", x->dir, x->spool);
	snprintf(audit, sizeof(audit), "audit = { syslog = false; jsonl = \"%s\"; };\n", x->jsonl);
	if (og_master_key_create(key) != OG_OK ||
	    th_store_config(x->dir, "otpgate.conf", key, store, audit, &x->cfg, &x->log) != 0 ||
	    th_store_init(&x->cfg, &x->log, &x->st) != 0)
		return -1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	th_store_remove(x->dir, &x->cfg, x->st);
	free(x);
	return 0;
}

static int64_t stored(struct fx *x)
{
	struct og_store_counts n;

	assert_int_equal(og_store_counts(x->st, &n), OG_OK);
	return n.audit;
}

/* Lines in path (0 when it does not exist). */
static int lines(const char *path)
{
	char buf[16384];
	int n = 0;

	if (th_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	for (const char *p = buf; *p; p++)
		n += *p == '\n';
	return n;
}

static const struct og_audit_event ev = {
	.ts = 1000, .event = "admin", .result = "success", .reason = "unlock", .user = "alice",
	.source = "local", .service = "otpgate-provision", .actor = "root",
};

/* To the store and the file; a row the store took already goes to the file alone. */
static void test_store_and_file(void **state)
{
	struct fx *x = *state;
	const struct og_auditor a = { &x->cfg, x->st, &x->log, NULL };

	assert_int_equal(og_audit_emit(&a, &ev, 0), OG_OK);
	assert_int_equal(stored(x), 1);
	assert_int_equal(lines(x->jsonl), 1);
	assert_int_equal(og_audit_emit(&a, &ev, 1), OG_OK);
	assert_int_equal(stored(x), 1);
	assert_int_equal(lines(x->jsonl), 2);
	assert_int_equal(lines(x->spool), 0);
}

/* The store away: the row waits in the spool, and the spool flush takes it in. */
static void test_spool_when_the_store_is_away(void **state)
{
	struct fx *x = *state;
	const struct og_auditor a = { &x->cfg, NULL, &x->log, NULL };
	struct og_audit_event quiet = ev;

	assert_int_equal(og_audit_emit(&a, &ev, 0), OG_ERR_STORE);
	assert_int_equal(lines(x->spool), 1);
	assert_int_equal(lines(x->jsonl), 1);
	quiet.syslog_only = 1;	/* audit.store off: nothing waits for the store */
	assert_int_equal(og_audit_emit(&a, &quiet, 0), OG_OK);
	assert_int_equal(lines(x->spool), 1);
}

/* The spool cannot take it either: said so, and logged. */
static void test_spool_unwritable(void **state)
{
	struct fx *x = *state;
	const struct og_auditor a = { &x->cfg, NULL, &x->log, NULL };

	free(x->cfg.store_spool);
	x->cfg.store_spool = strdup("/nonexistent-otpgate-dir/audit.spool");
	assert_int_equal(og_audit_emit(&a, &ev, 0), OG_ERR_IO);
	assert_non_null(strstr(x->lb.text, "row lost"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_and_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_when_the_store_is_away, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_unwritable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
