/*
 * test_chain.c: the audit chain's key, macs and pseudonyms. The expected
 * values were computed independently (Python's hmac and hashlib: HKDF-Expand-SHA256
 * per RFC 5869 section 2.3, then the length-prefixed encoding chain.h describes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "chain.h"
#include "err.h"
#include "util.h"

static struct og_chain_key key;

static int setup(void **state)
{
	struct og_key master;

	(void)state;
	for (int i = 0; i < OG_KEY_LEN; i++)
		master.k[i] = (unsigned char)i;
	return og_chain_key_derive(&master, &key) == OG_OK ? 0 : -1;
}

static struct og_audit_event sample(void)
{
	struct og_audit_event ev = {
		.ts = 1700000000, .host = "bastion1", .event = "auth", .result = "success",
		.reason = "ok", .user = "0123456789abcdef0123", .source = "127.0.0.1",
		.service = "sshd", .token = "HW-1", .detail = "",
	};
	return ev;
}

static void hex_of(const unsigned char *b, size_t n, char *out)
{
	og_hex_encode(b, n, out);
}

static void test_key_is_hkdf_expand_of_master(void **state)
{
	char hex[65];

	(void)state;
	hex_of(key.k, sizeof(key.k), hex);
	assert_string_equal(hex, "f0eaa9b54f36609c47e8663aaf50a6808e00216092043143dbd3a47886f9a938");
}

static void test_mac_known_answer(void **state)
{
	unsigned char prev[OG_CHAIN_LEN] = { 0 }, mac[OG_CHAIN_LEN];
	struct og_audit_event ev = sample();
	char hex[65];

	(void)state;
	assert_int_equal(og_chain_mac(&key, prev, 1, &ev, mac), OG_OK);
	hex_of(mac, sizeof(mac), hex);
	assert_string_equal(hex, "1f50088d99638f6971732149649ec7c52942d5f848851e276db10f8034dc49b9");
}

/* Any change to a field, the id, the time or the previous mac changes the mac. */
static void test_mac_covers_everything(void **state)
{
	unsigned char prev[OG_CHAIN_LEN] = { 0 }, base[OG_CHAIN_LEN], mac[OG_CHAIN_LEN];
	struct og_audit_event ev = sample(), e;
	const char **fields[] = { &e.host, &e.event, &e.result, &e.reason, &e.user, &e.source,
				  &e.service, &e.token, &e.key, &e.actor, &e.detail };

	(void)state;
	assert_int_equal(og_chain_mac(&key, prev, 1, &ev, base), OG_OK);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		e = ev;
		*fields[i] = *fields[i] == NULL ? "" : *fields[i][0] ? "x" : NULL;
		assert_int_equal(og_chain_mac(&key, prev, 1, &e, mac), OG_OK);
		assert_memory_not_equal(mac, base, OG_CHAIN_LEN);
	}
	/* a byte moved from one field to the next is a different entry */
	e = ev;
	e.host = "bastion";
	e.event = "1auth";
	assert_int_equal(og_chain_mac(&key, prev, 1, &e, mac), OG_OK);
	assert_memory_not_equal(mac, base, OG_CHAIN_LEN);
	assert_int_equal(og_chain_mac(&key, prev, 2, &ev, mac), OG_OK);
	assert_memory_not_equal(mac, base, OG_CHAIN_LEN);
	e = ev;
	e.ts++;
	assert_int_equal(og_chain_mac(&key, prev, 1, &e, mac), OG_OK);
	assert_memory_not_equal(mac, base, OG_CHAIN_LEN);
	prev[31] = 1;
	assert_int_equal(og_chain_mac(&key, prev, 1, &ev, mac), OG_OK);
	assert_memory_not_equal(mac, base, OG_CHAIN_LEN);
}

static void test_pseudonyms(void **state)
{
	unsigned char salt[OG_SUBJECT_SALT], salt2[OG_SUBJECT_SALT];
	char p[OG_SUBJECT_LEN + 1], q[OG_SUBJECT_LEN + 1];

	(void)state;
	memset(salt, 7, sizeof(salt));
	assert_int_equal(og_chain_subject_pseudonym(&key, salt, "alice", p), OG_OK);
	assert_string_equal(p, "2136e602aff3fc9556a4");
	assert_int_equal(og_chain_subject_pseudonym(&key, salt, "alicf", q), OG_OK);
	assert_string_not_equal(p, q);
	/* a new subject: a fresh salt, so the same name gets another pseudonym */
	assert_int_equal(og_chain_subject_new(&key, "alice", salt, p), OG_OK);
	assert_int_equal(og_chain_subject_new(&key, "alice", salt2, q), OG_OK);
	assert_string_not_equal(p, q);
	assert_int_equal(og_chain_subject_pseudonym(&key, salt2, "alice", p), OG_OK);
	assert_string_equal(p, q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_is_hkdf_expand_of_master),
		cmocka_unit_test(test_mac_known_answer),
		cmocka_unit_test(test_mac_covers_everything),
		cmocka_unit_test(test_pseudonyms),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
