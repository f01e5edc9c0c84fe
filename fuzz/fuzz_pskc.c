/*
 * fuzz_pskc.c: RFC 6030 PSKC documents, with the RFC's pre-shared key so
 * encrypted secrets are decrypted and their MACs checked. Every key handed
 * on must be a valid TOTP token; a refused document gives one line of
 * text (no control byte from the file).
 */
#include "err.h"
#include "fuzz.h"
#include "pskc.h"
#include "util.h"

#define T0_MAX 253402300799LL

/* RFC 6030 section 6.1: the pre-shared key 0x12345678901234567890123456789012. */
static const unsigned char rfc_psk[16] = {
	0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56,
	0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12,
};

static int check_key(void *arg, const struct og_pskc_key *k)
{
	(void)arg;
	FZ_CHECK(k->totp == 1);
	FZ_CHECK(og_is_safe_name(k->serial, sizeof(k->serial) - 1));
	FZ_CHECK(k->params.algo == OG_SHA1 || k->params.algo == OG_SHA256 ||
		 k->params.algo == OG_SHA512);
	FZ_CHECK(og_otp_params_ok(&k->params));
	FZ_CHECK(k->params.t0 >= 0 && k->params.t0 <= T0_MAX);
	FZ_CHECK(k->secret_len >= 10 && k->secret_len <= OG_SECRET_MAX);
	FZ_CHECK(k->line > 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];

	memset(err, 'X', sizeof(err));
	if (og_pskc_parse_mem("fuzz.xml", (const char *)data, size, rfc_psk, sizeof(rfc_psk),
			      check_key, NULL, err, sizeof(err)) == 0) {
		FZ_CHECK(err[0] == '\0');
		return 0;
	}
	FZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	FZ_CHECK(strncmp(err, "fuzz.xml:", 9) == 0);
	FZ_CHECK(fz_one_line(err));
	return 0;
}
