/*
 * pskc.h: RFC 6030 Portable Symmetric Key Container files, as token vendors
 * ship them, parsed with libxml2. A program that calls these links -lxml2
 * (the PAM module never does, so it never loads libxml2).
 */
#ifndef OTPGATE_PSKC_H
#define OTPGATE_PSKC_H

#include <stddef.h>
#include <stdint.h>

#include "otp.h"

#define OG_PSKC_FILE_MAX (64L << 20)	/* larger files and buffers are refused */

struct og_pskc_key {
	char serial[65];		/* DeviceInfo/SerialNo, else the Key Id */
	int totp;			/* 1: TOTP (urn:ietf:params:xml:ns:keyprov:pskc:totp), 0: HOTP */
	struct og_otp_params params;	/* algorithm (HMAC-SHA1 unless stated), digits, period, t0 */
	unsigned char secret[OG_SECRET_MAX];
	size_t secret_len;
	long line;			/* line of the <Key> element, for error messages */
};

/* Called once per key; non-zero stops the parse (the key was not taken). */
typedef int (*og_pskc_cb)(void *arg, const struct og_pskc_key *k);

/*
 * Parses path. Secrets are <PlainValue> or <EncryptedValue>
 * (aes128-cbc with the pre-shared key psk, psklen 16, the IV in front of
 * the ciphertext; the <ValueMAC> HMAC-SHA1 over IV||ciphertext checked with
 * the MACKey before decrypting). cb is called once per key; every key is
 * checked before the first call, so a bad file calls cb never. On error
 * err gets one line "FILE:LINE: what" and the result is -1; 0 on success.
 * Secrets are wiped after cb returns.
 */
int og_pskc_parse(const char *path, const unsigned char *psk, size_t psklen,
		  og_pskc_cb cb, void *arg, char *err, size_t errlen);

/*
 * The same for a document already in memory (len bytes at buf, which need
 * not end in a NUL): errors name it "NAME:LINE: what". The caller wipes buf.
 */
int og_pskc_parse_mem(const char *name, const char *buf, size_t len,
		      const unsigned char *psk, size_t psklen, og_pskc_cb cb, void *arg,
		      char *err, size_t errlen);

#endif
