/* test_crypto.c: AES-256-GCM sealing, data-key wrapping, secret sealing and
 * the master key file. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "err.h"
#include "util.h"
#include "test_helpers.h"

struct fixture {
	char dir[PATH_MAX];
	struct og_log log;
	struct th_logbuf lb;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	th_mkdtemp(f->dir, sizeof(f->dir));
	th_log_init(&f->log, &f->lb);
	umask(022);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	th_rmtree(f->dir);
	free(f);
	return 0;
}

static struct og_key key_of(unsigned char b)
{
	struct og_key k;

	memset(k.k, b, sizeof(k.k));
	return k;
}

/* ---- keys ---- */

static void test_key_generate_and_wipe(void **state)
{
	struct og_key a, b, zero;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(og_key_generate(&a), OG_OK);
	assert_int_equal(og_key_generate(&b), OG_OK);
	assert_memory_not_equal(a.k, b.k, OG_KEY_LEN);
	assert_memory_not_equal(a.k, zero.k, OG_KEY_LEN);
	og_key_wipe(&a);
	assert_memory_equal(a.k, zero.k, OG_KEY_LEN);
}

/* ---- og_seal / og_open ---- */

static void test_seal_open_round_trip(void **state)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 64, 1000 };
	struct og_key k = key_of(0x42);
	unsigned char pt[1000], back[1000], out[1000 + OG_SEAL_OVERHEAD];
	const char aad[] = "context-1";

	(void)state;
	for (size_t i = 0; i < sizeof(pt); i++)
		pt[i] = (unsigned char)(i * 13 + 5);
	for (size_t i = 0; i < TH_ARRAY_LEN(lens); i++) {
		size_t n = lens[i];

		memset(out, 0, sizeof(out));
		assert_int_equal(og_seal(&k, aad, strlen(aad), pt, n, out), OG_OK);
		if (n >= 8)	/* the plaintext is not in the blob */
			assert_null(memmem(out, n + OG_SEAL_OVERHEAD, pt, 8));
		memset(back, 0, sizeof(back));
		assert_int_equal(og_open(&k, aad, strlen(aad), out, n + OG_SEAL_OVERHEAD, back),
				 OG_OK);
		assert_memory_equal(back, pt, n);
	}
}

static void test_seal_is_randomised(void **state)
{
	struct og_key k = key_of(0x42);
	const unsigned char pt[16] = "same plaintext!";
	unsigned char a[16 + OG_SEAL_OVERHEAD], b[16 + OG_SEAL_OVERHEAD];

	(void)state;
	assert_int_equal(og_seal(&k, "x", 1, pt, sizeof(pt), a), OG_OK);
	assert_int_equal(og_seal(&k, "x", 1, pt, sizeof(pt), b), OG_OK);
	/* version byte may match; nonce and ciphertext must not */
	assert_memory_not_equal(a + 1, b + 1, 12);
	assert_memory_not_equal(a + 13, b + 13, sizeof(pt));
	/* ciphertext is not the plaintext */
	assert_memory_not_equal(a + 13, pt, sizeof(pt));
}

static void test_open_rejects_tampering(void **state)
{
	struct og_key k = key_of(0x42);
	const unsigned char pt[24] = "attack at dawn, at dawn";
	unsigned char blob[24 + OG_SEAL_OVERHEAD], bad[sizeof(blob)], back[24];
	const size_t len = sizeof(blob);
	int nfail = 0;

	(void)state;
	assert_int_equal(og_seal(&k, "aad", 3, pt, sizeof(pt), blob), OG_OK);
	assert_int_equal(og_open(&k, "aad", 3, blob, len, back), OG_OK);

	/* flipping any single bit anywhere (version, nonce, ciphertext, tag) fails */
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			int rc;

			memcpy(bad, blob, len);
			bad[i] ^= (unsigned char)(1u << bit);
			rc = og_open(&k, "aad", 3, bad, len, back);
			if (rc != OG_ERR_CRYPTO) {
				print_error("og_open with byte %zu bit %d flipped = %d, want OG_ERR_CRYPTO\n",
					    i, bit, rc);
				nfail++;
			}
		}
	}
	assert_int_equal(nfail, 0);
}

static void test_open_rejects_wrong_context(void **state)
{
	struct og_key k = key_of(0x42), k2 = key_of(0x43);
	const unsigned char pt[8] = "secret!";
	unsigned char blob[8 + OG_SEAL_OVERHEAD], back[8];

	(void)state;
	assert_int_equal(og_seal(&k, "aad", 3, pt, sizeof(pt), blob), OG_OK);
	/* aad */
	assert_int_equal(og_open(&k, "aae", 3, blob, sizeof(blob), back), OG_ERR_CRYPTO);
	assert_int_equal(og_open(&k, "aa", 2, blob, sizeof(blob), back), OG_ERR_CRYPTO);
	assert_int_equal(og_open(&k, "aad\0", 4, blob, sizeof(blob), back), OG_ERR_CRYPTO);
	assert_int_equal(og_open(&k, NULL, 0, blob, sizeof(blob), back), OG_ERR_CRYPTO);
	/* key */
	assert_int_equal(og_open(&k2, "aad", 3, blob, sizeof(blob), back), OG_ERR_CRYPTO);
	/* sealed without aad opens only without aad */
	assert_int_equal(og_seal(&k, NULL, 0, pt, sizeof(pt), blob), OG_OK);
	assert_int_equal(og_open(&k, NULL, 0, blob, sizeof(blob), back), OG_OK);
	assert_memory_equal(back, pt, sizeof(pt));
	assert_int_equal(og_open(&k, "aad", 3, blob, sizeof(blob), back), OG_ERR_CRYPTO);
}

static void test_open_rejects_truncation(void **state)
{
	struct og_key k = key_of(0x42);
	const unsigned char pt[8] = "secret!";
	unsigned char blob[8 + OG_SEAL_OVERHEAD + 1], back[16];

	(void)state;
	assert_int_equal(og_seal(&k, "a", 1, pt, sizeof(pt), blob), OG_OK);
	/* one byte short: the tag no longer verifies */
	assert_true(og_open(&k, "a", 1, blob, sizeof(pt) + OG_SEAL_OVERHEAD - 1, back) < 0);
	/* one byte extra */
	blob[sizeof(blob) - 1] = 0;
	assert_true(og_open(&k, "a", 1, blob, sizeof(blob), back) < 0);
	/* shorter than the overhead itself, and empty */
	assert_true(og_open(&k, "a", 1, blob, OG_SEAL_OVERHEAD - 1, back) < 0);
	assert_true(og_open(&k, "a", 1, blob, 1, back) < 0);
	assert_true(og_open(&k, "a", 1, blob, 0, back) < 0);
}

/* A failed open leaves no plaintext behind in the output buffer (GCM
 * decrypts before it can check the tag). */
static void test_open_failure_leaves_no_plaintext(void **state)
{
	struct og_key k = key_of(0x42);
	const unsigned char pt[32] = "0123456789abcdef0123456789abcde";
	unsigned char blob[32 + OG_SEAL_OVERHEAD], back[32];

	(void)state;
	assert_int_equal(og_seal(&k, "aad", 3, pt, sizeof(pt), blob), OG_OK);
	blob[sizeof(blob) - 1] ^= 1;	/* bad tag, ciphertext intact */
	memset(back, 0xEE, sizeof(back));
	assert_int_equal(og_open(&k, "aad", 3, blob, sizeof(blob), back), OG_ERR_CRYPTO);
	assert_null(memmem(back, sizeof(back), pt, 4));
	assert_null(memmem(back, sizeof(back), pt + 16, 4));
	blob[sizeof(blob) - 1] ^= 1;
	memset(back, 0xEE, sizeof(back));
	assert_int_equal(og_open(&k, "aae", 3, blob, sizeof(blob), back), OG_ERR_CRYPTO);
	assert_null(memmem(back, sizeof(back), pt, 4));
}

/* ---- data keys ---- */

static void test_dek_wrap_unwrap(void **state)
{
	struct og_key master = key_of(0x11), master2 = key_of(0x12), dek, back;
	unsigned char w[OG_KEY_LEN + OG_SEAL_OVERHEAD], w2[sizeof(w)];

	(void)state;
	assert_int_equal(og_key_generate(&dek), OG_OK);
	assert_int_equal(og_dek_wrap(&master, "d1", "acme", &dek, w), OG_OK);
	/* the key is not visible in the wrapped form */
	assert_null(memmem(w, sizeof(w), dek.k, 8));

	memset(&back, 0, sizeof(back));
	assert_int_equal(og_dek_unwrap(&master, "d1", "acme", w, sizeof(w), &back), OG_OK);
	assert_memory_equal(back.k, dek.k, OG_KEY_LEN);

	assert_int_equal(og_dek_unwrap(&master, "d1", "acme2", w, sizeof(w), &back), OG_ERR_CRYPTO);
	assert_int_equal(og_dek_unwrap(&master, "d1", "", w, sizeof(w), &back), OG_ERR_CRYPTO);
	assert_int_equal(og_dek_unwrap(&master, "d2", "acme", w, sizeof(w), &back), OG_ERR_CRYPTO);
	assert_int_equal(og_dek_unwrap(&master2, "d1", "acme", w, sizeof(w), &back), OG_ERR_CRYPTO);
	/* id and org are not interchangeable */
	assert_int_equal(og_dek_unwrap(&master, "acme", "d1", w, sizeof(w), &back), OG_ERR_CRYPTO);

	/* no org (the empty string) is a context of its own */
	assert_int_equal(og_dek_wrap(&master, "d3", "", &dek, w2), OG_OK);
	assert_int_equal(og_dek_unwrap(&master, "d3", "", w2, sizeof(w2), &back), OG_OK);
	assert_memory_equal(back.k, dek.k, OG_KEY_LEN);
	assert_int_equal(og_dek_unwrap(&master, "d3", "acme", w2, sizeof(w2), &back),
			 OG_ERR_CRYPTO);

	/* tampering */
	w[sizeof(w) - 1] ^= 1;
	assert_int_equal(og_dek_unwrap(&master, "d1", "acme", w, sizeof(w), &back), OG_ERR_CRYPTO);
	w[sizeof(w) - 1] ^= 1;
	assert_int_equal(og_dek_unwrap(&master, "d1", "acme", w, sizeof(w) - 1, &back) < 0, 1);
}

/*
 * The binding must be unambiguous: (id "ab", org "c") and (id "a",
 * org "bc") are different contexts even though their concatenation is the
 * same.
 */
static void test_dek_binding_is_unambiguous(void **state)
{
	struct og_key master = key_of(0x11), dek = key_of(0x77), back;
	unsigned char w[OG_KEY_LEN + OG_SEAL_OVERHEAD];

	(void)state;
	assert_int_equal(og_dek_wrap(&master, "ab", "c", &dek, w), OG_OK);
	assert_int_equal(og_dek_unwrap(&master, "ab", "c", w, sizeof(w), &back), OG_OK);
	assert_int_equal(og_dek_unwrap(&master, "a", "bc", w, sizeof(w), &back), OG_ERR_CRYPTO);
	assert_int_equal(og_dek_unwrap(&master, "abc", "", w, sizeof(w), &back), OG_ERR_CRYPTO);
}

/* ---- token secrets ---- */

static void test_secret_seal_open(void **state)
{
	struct og_key dek = key_of(0x21), dek2 = key_of(0x22);
	const unsigned char secret[20] = "12345678901234567890";
	unsigned char blob[20 + OG_SEAL_OVERHEAD], back[20];

	(void)state;
	assert_int_equal(og_secret_seal(&dek, "tok1", "alice", secret, sizeof(secret), blob), OG_OK);
	assert_null(memmem(blob, sizeof(blob), secret, 8));

	memset(back, 0, sizeof(back));
	assert_int_equal(og_secret_open(&dek, "tok1", "alice", blob, sizeof(blob), back), OG_OK);
	assert_memory_equal(back, secret, sizeof(secret));

	/* swapping the user (row moved to another account) fails */
	assert_int_equal(og_secret_open(&dek, "tok1", "bob", blob, sizeof(blob), back),
			 OG_ERR_CRYPTO);
	/* another token id fails */
	assert_int_equal(og_secret_open(&dek, "tok2", "alice", blob, sizeof(blob), back),
			 OG_ERR_CRYPTO);
	/* id and user are not interchangeable */
	assert_int_equal(og_secret_open(&dek, "alice", "tok1", blob, sizeof(blob), back),
			 OG_ERR_CRYPTO);
	/* another data key fails */
	assert_int_equal(og_secret_open(&dek2, "tok1", "alice", blob, sizeof(blob), back),
			 OG_ERR_CRYPTO);
	/* tampering fails */
	blob[20] ^= 0x10;
	assert_int_equal(og_secret_open(&dek, "tok1", "alice", blob, sizeof(blob), back),
			 OG_ERR_CRYPTO);
}

static void test_secret_binding_is_unambiguous(void **state)
{
	struct og_key dek = key_of(0x21);
	const unsigned char secret[16] = "0123456789abcdef";
	unsigned char blob[16 + OG_SEAL_OVERHEAD], back[16];

	(void)state;
	assert_int_equal(og_secret_seal(&dek, "tok1", "alice", secret, sizeof(secret), blob), OG_OK);
	assert_int_equal(og_secret_open(&dek, "tok1a", "lice", blob, sizeof(blob), back),
			 OG_ERR_CRYPTO);
	assert_int_equal(og_secret_open(&dek, "tok", "1alice", blob, sizeof(blob), back),
			 OG_ERR_CRYPTO);
}

/* A secret sealed under a data key cannot be opened as a wrapped data key and
 * vice versa (different purposes use different contexts). */
static void test_domain_separation(void **state)
{
	struct og_key k = key_of(0x31), dek = key_of(0x32), back;
	unsigned char w[OG_KEY_LEN + OG_SEAL_OVERHEAD], s[OG_KEY_LEN];

	(void)state;
	assert_int_equal(og_dek_wrap(&k, "x", "y", &dek, w), OG_OK);
	assert_int_equal(og_secret_open(&k, "x", "y", w, sizeof(w), s), OG_ERR_CRYPTO);
	assert_int_equal(og_secret_seal(&k, "x", "y", dek.k, OG_KEY_LEN, w), OG_OK);
	assert_int_equal(og_dek_unwrap(&k, "x", "y", w, sizeof(w), &back), OG_ERR_CRYPTO);
}

/* ---- master key file ---- */

static void test_master_key_create_and_load(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], text[256];
	struct og_key k1, k2;
	unsigned char raw[OG_KEY_LEN];
	ssize_t n;

	th_path(path, sizeof(path), f->dir, "master.key");
	assert_int_equal(og_master_key_create(path), OG_OK);
	assert_int_equal(th_mode_of(path), 0400);

	/* 64 hex characters and an optional newline */
	n = th_read_file(path, text, sizeof(text));
	assert_true(n == 64 || (n == 65 && text[64] == '\n'));
	for (int i = 0; i < 64; i++)
		assert_true(isxdigit((unsigned char)text[i]));
	text[64] = '\0';
	assert_int_equal(og_hex_decode(text, raw, sizeof(raw)), OG_KEY_LEN);

	memset(&k1, 0, sizeof(k1));
	assert_int_equal(og_master_key_load(path, &k1, &f->log), OG_OK);
	assert_memory_equal(k1.k, raw, OG_KEY_LEN);

	/* refuses to overwrite, and leaves the key alone */
	assert_int_equal(og_master_key_create(path), OG_ERR_EXISTS);
	memset(&k2, 0, sizeof(k2));
	assert_int_equal(og_master_key_load(path, &k2, &f->log), OG_OK);
	assert_memory_equal(k1.k, k2.k, OG_KEY_LEN);

	/* two new keys differ */
	th_path(path, sizeof(path), f->dir, "master2.key");
	assert_int_equal(og_master_key_create(path), OG_OK);
	assert_int_equal(og_master_key_load(path, &k2, &f->log), OG_OK);
	assert_memory_not_equal(k1.k, k2.k, OG_KEY_LEN);
}

static void test_master_key_create_refuses_symlink(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], target[PATH_MAX];

	th_path(target, sizeof(target), f->dir, "elsewhere");
	th_path(path, sizeof(path), f->dir, "master.key");
	assert_int_equal(symlink(target, path), 0);
	assert_true(og_master_key_create(path) < 0);
	assert_int_equal(access(target, F_OK), -1);	/* nothing written through the link */
}

#define HEXKEY "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void test_master_key_load_content(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	struct og_key k;
	static const char *const good[] = {
		HEXKEY,
		HEXKEY "\n",
	};
	int nfail = 0;

	th_path(path, sizeof(path), f->dir, "key");
	for (size_t i = 0; i < TH_ARRAY_LEN(good); i++) {
		int rc;

		unlink(path);
		assert_int_equal(th_write_str(path, good[i], 0400), 0);
		memset(&k, 0, sizeof(k));
		rc = og_master_key_load(path, &k, &f->log);
		if (rc != OG_OK || k.k[0] != 0x00 || k.k[1] != 0x01 || k.k[31] != 0x1f) {
			print_error("og_master_key_load(good case %zu) = %d\n", i, rc);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

static void test_master_key_load_rejects_malformed(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	static const char *const bad[] = {
		"",
		"\n",
		/* 63 hex chars */
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",
		/* 65 hex chars */
		HEXKEY "0",
		/* 66 hex chars */
		HEXKEY "00",
		/* 32 hex chars */
		"000102030405060708090a0b0c0d0e0f",
		/* non-hex */
		"zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
		" 00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		HEXKEY "\n\n",
		HEXKEY " ",
		HEXKEY "\nextra",
		HEXKEY HEXKEY,
	};
	int nfail = 0;

	th_path(path, sizeof(path), f->dir, "key");
	for (size_t i = 0; i < TH_ARRAY_LEN(bad); i++) {
		struct og_key k;
		int rc;

		unlink(path);
		assert_int_equal(th_write_str(path, bad[i], 0400), 0);
		rc = og_master_key_load(path, &k, &f->log);
		if (rc != OG_ERR_INVALID) {
			print_error("og_master_key_load(content \"%s\") = %d, want OG_ERR_INVALID\n",
				    bad[i], rc);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

static void test_master_key_load_modes(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	static const struct {
		mode_t mode;
		int want;
	} cases[] = {
		{ 0400, OG_OK },	 { 0600, OG_OK },	   { 0440, OG_ERR_UNSAFE },
		{ 0404, OG_ERR_UNSAFE }, { 0640, OG_ERR_UNSAFE }, { 0604, OG_ERR_UNSAFE },
		{ 0644, OG_ERR_UNSAFE }, { 0660, OG_ERR_UNSAFE }, { 0606, OG_ERR_UNSAFE },
		{ 0410, OG_ERR_UNSAFE }, { 0401, OG_ERR_UNSAFE }, { 0420, OG_ERR_UNSAFE },
		{ 0402, OG_ERR_UNSAFE },
	};
	int nfail = 0;

	th_path(path, sizeof(path), f->dir, "key");
	for (size_t i = 0; i < TH_ARRAY_LEN(cases); i++) {
		struct og_key k;
		int rc;

		unlink(path);
		assert_int_equal(th_write_str(path, HEXKEY "\n", cases[i].mode), 0);
		rc = og_master_key_load(path, &k, &f->log);
		if (rc != cases[i].want) {
			print_error("og_master_key_load(mode %04o) = %d, want %d\n",
				    (unsigned)cases[i].mode, rc, cases[i].want);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

static void test_master_key_load_refuses_symlink(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], link[PATH_MAX];
	struct og_key k;
	int rc;

	th_path(path, sizeof(path), f->dir, "key");
	th_path(link, sizeof(link), f->dir, "link.key");
	assert_int_equal(th_write_str(path, HEXKEY "\n", 0400), 0);
	assert_int_equal(og_master_key_load(path, &k, &f->log), OG_OK);
	assert_int_equal(symlink(path, link), 0);
	rc = og_master_key_load(link, &k, &f->log);
	/* OG_ERR_UNSAFE (not a regular file) or OG_ERR_IO (O_NOFOLLOW's ELOOP) */
	if (rc != OG_ERR_UNSAFE && rc != OG_ERR_IO)
		fail_msg("og_master_key_load(symlink) = %d, want OG_ERR_UNSAFE or OG_ERR_IO", rc);
}

static void test_master_key_load_refuses_other_files(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	struct og_key k;
	int rc;

	/* missing */
	th_path(path, sizeof(path), f->dir, "missing.key");
	assert_int_equal(og_master_key_load(path, &k, &f->log), OG_ERR_IO);

	/* a directory */
	th_path(path, sizeof(path), f->dir, "dir.key");
	assert_int_equal(mkdir(path, 0700), 0);
	rc = og_master_key_load(path, &k, &f->log);
	if (rc != OG_ERR_UNSAFE && rc != OG_ERR_IO)
		fail_msg("og_master_key_load(directory) = %d, want OG_ERR_UNSAFE or OG_ERR_IO", rc);

	/* owned by someone who is neither root nor us */
	if (geteuid() == 0) {
		th_path(path, sizeof(path), f->dir, "other.key");
		assert_int_equal(th_write_str(path, HEXKEY "\n", 0400), 0);
		assert_int_equal(chown(path, 4242, 4242), 0);
		assert_int_equal(og_master_key_load(path, &k, &f->log), OG_ERR_UNSAFE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_generate_and_wipe),
		cmocka_unit_test(test_seal_open_round_trip),
		cmocka_unit_test(test_seal_is_randomised),
		cmocka_unit_test(test_open_rejects_tampering),
		cmocka_unit_test(test_open_rejects_wrong_context),
		cmocka_unit_test(test_open_rejects_truncation),
		cmocka_unit_test(test_open_failure_leaves_no_plaintext),
		cmocka_unit_test(test_dek_wrap_unwrap),
		cmocka_unit_test(test_dek_binding_is_unambiguous),
		cmocka_unit_test(test_secret_seal_open),
		cmocka_unit_test(test_secret_binding_is_unambiguous),
		cmocka_unit_test(test_domain_separation),
		cmocka_unit_test_setup_teardown(test_master_key_create_and_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master_key_create_refuses_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master_key_load_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master_key_load_rejects_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master_key_load_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master_key_load_refuses_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master_key_load_refuses_other_files, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
