/*
 * fuzz_pskc.c: RFC 6030 PSKC documents, with the RFC's pre-shared key and
 * the password of its figure 7, so encrypted values are decrypted, key
 * derivations run and MACs are checked. Every key handed back must keep
 * the parser's promises (pskc.h); a refused document gives one line of
 * text (no control byte from the file) and no keys.
 */
#include "err.h"
#include "fuzz.h"
#include "pskc.h"
#include "util.h"

/* RFC 6030 section 6.1: the pre-shared key 0x12345678901234567890123456789012. */
static const unsigned char rfc_psk[16] = {
	0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56,
	0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12,
};

static void check_key(const struct og_pskc_key *k)
{
	FZ_CHECK(og_is_safe_name(k->serial, OG_PSKC_SERIAL_MAX));
	FZ_CHECK(k->device_serial[0] == '\0' ||
		 og_is_safe_name(k->device_serial, OG_PSKC_SERIAL_MAX));
	FZ_CHECK(k->key_id[0] == '\0' || og_is_safe_name(k->key_id, OG_PSKC_SERIAL_MAX));
	FZ_CHECK(strlen(k->algorithm) <= OG_PSKC_ALG_MAX && fz_one_line(k->algorithm));
	FZ_CHECK(k->line > 0);
	FZ_CHECK(k->kind == OG_PSKC_TOTP || k->kind == OG_PSKC_HOTP || k->kind == OG_PSKC_OTHER);
	if (k->kind == OG_PSKC_OTHER) {
		FZ_CHECK(k->secret_len == 0);
		return;
	}
	FZ_CHECK(k->params.algo == OG_SHA1 || k->params.algo == OG_SHA256 ||
		 k->params.algo == OG_SHA512);
	FZ_CHECK(og_otp_params_ok(&k->params));
	FZ_CHECK(k->params.t0 == 0);
	FZ_CHECK(k->counter >= 0);
	FZ_CHECK(k->time >= 0 && k->time <= INT32_MAX && (k->has_time || k->time == 0));
	FZ_CHECK(k->drift >= INT32_MIN && k->drift <= INT32_MAX);
	FZ_CHECK(k->secret_len >= 10 && k->secret_len <= OG_SECRET_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct og_pskc_cred cred = { rfc_psk, sizeof(rfc_psk), "qwerty", 6 };
	struct og_pskc_file f = { 0, NULL };
	char err[512];

	memset(err, 'X', sizeof(err));
	if (og_pskc_read_mem("fuzz.xml", (const char *)data, size, &cred, &f, err,
			     sizeof(err)) == 0) {
		FZ_CHECK(err[0] == '\0' && f.n > 0 && f.keys != NULL);
		for (size_t i = 0; i < f.n; i++) {
			check_key(&f.keys[i]);
			for (size_t j = 0; j < i; j++)
				FZ_CHECK(strcmp(f.keys[i].serial, f.keys[j].serial) != 0);
		}
		og_pskc_free(&f);
		FZ_CHECK(f.n == 0 && f.keys == NULL);
		return 0;
	}
	FZ_CHECK(f.n == 0 && f.keys == NULL);
	FZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	FZ_CHECK(strncmp(err, "fuzz.xml:", 9) == 0);
	FZ_CHECK(fz_one_line(err));
	return 0;
}
