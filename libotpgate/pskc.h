/*
 * pskc.h: RFC 6030 Portable Symmetric Key Container files, as token vendors
 * and other OTP servers ship them, parsed with libxml2. A program that calls
 * these links -lxml2 (the PAM module never does, so it never loads libxml2).
 *
 * The parser returns every key of a file with everything the file says of
 * it; which keys otpgate can import is the importer's decision (TOTP and
 * HOTP keys, the latter with their counter).
 */
#ifndef OTPGATE_PSKC_H
#define OTPGATE_PSKC_H

#include <stddef.h>
#include <stdint.h>

#include "otp.h"

#define OG_PSKC_FILE_MAX (64L << 20)	/* larger files and buffers are refused */
#define OG_PSKC_SERIAL_MAX 64		/* bytes of a token serial (the store's limit) */
#define OG_PSKC_ALG_MAX 120		/* bytes of an Algorithm URI kept */
#define OG_PSKC_PBKDF2_ITER_MAX 2000000	/* PBKDF2 iterations a file may ask for */

enum og_pskc_kind {
	OG_PSKC_TOTP,	/* urn:ietf:params:xml:ns:keyprov:pskc:totp */
	OG_PSKC_HOTP,	/* urn:ietf:params:xml:ns:keyprov:pskc:hotp */
	OG_PSKC_OTHER,	/* any other Algorithm (OCRA, PIN, a vendor's own), or none */
};

struct og_pskc_key {
	/*
	 * The token's serial: the device's DeviceInfo/SerialNo, else the Key
	 * Id; when several keys of the file share a SerialNo (one device
	 * holding several keys, RFC 6030 figure 10), SerialNo "-" Key Id.
	 * Always 1 to OG_PSKC_SERIAL_MAX of [A-Za-z0-9._@+-], unique in the file.
	 */
	char serial[OG_PSKC_SERIAL_MAX + 1];
	char device_serial[OG_PSKC_SERIAL_MAX + 1];	/* DeviceInfo/SerialNo, "" when none */
	char key_id[OG_PSKC_SERIAL_MAX + 1];	/* the Key's Id when it is a valid serial, else "" */
	enum og_pskc_kind kind;
	/* the Key's Algorithm as written ("" when none), at most OG_PSKC_ALG_MAX
	 * bytes ("..." ends a longer one), control bytes as '?' */
	char algorithm[OG_PSKC_ALG_MAX + 1];
	/*
	 * The rest is filled for OG_PSKC_TOTP and OG_PSKC_HOTP keys only (an
	 * OTHER key's data is not read). params: the Suite's hash (SHA1 when
	 * none), ResponseFormat Length (6 or 8), period: a TOTP key's
	 * TimeInterval (30 or 60; 30 when absent), 30 for HOTP (which has no
	 * time step), t0 0: PSKC has no T0 (see time), and otp_kind: TOTP or
	 * HOTP as kind says.
	 */
	struct og_otp_params params;
	int64_t counter;		/* Data/Counter (the HOTP moving factor of the next
					 * code), 0 when absent */
	/*
	 * Data/Time, which RFC 6030 section 4.3.4 defines as the token's time,
	 * or the number of time intervals passed from an algorithm's start
	 * point, when the file was written: not T0. has_time: it was present.
	 */
	int64_t time;
	int has_time;
	/* Data/TimeDrift: time steps the device's clock runs ahead of the
	 * server's (negative: behind), as RFC 6030 defines it; 0 when absent */
	int64_t drift;
	unsigned char secret[OG_SECRET_MAX];
	size_t secret_len;
	long line;			/* line of the <Key> element, for messages */
};

/* The keys of a file, in file order. Free with og_pskc_free. */
struct og_pskc_file {
	size_t n;
	struct og_pskc_key *keys;
};

/*
 * What decrypts a file: the pre-shared key (16, 24 or 32 bytes, as the
 * file's algorithm needs; RFC 6030 section 6.1) for a file whose
 * EncryptionKey names a key, or the password (RFC 6030 section 6.2,
 * PBKDF2) for one whose EncryptionKey is a DerivedKey. Either may be NULL;
 * a file that needs the missing one is refused, naming it.
 */
struct og_pskc_cred {
	const unsigned char *psk;
	size_t psklen;
	const char *password;
	size_t passlen;
};

/*
 * Parses path whole into out. Every key is checked before this returns:
 * on any error out is empty, err gets one line "FILE:LINE: what" (or
 * "FILE: what") and the result is -1; 0 on success.
 *
 * Encrypted values (Secret, Counter, Time, TimeInterval, TimeDrift, the
 * MACKey) are xenc aes128-cbc, aes192-cbc or aes256-cbc (IV in front) or
 * kw-aes128, kw-aes192 or kw-aes256 (RFC 3394; RFC 5649 padding is read
 * too), the key's length checked against the algorithm named. A ValueMAC
 * (HMAC-SHA1 by either of its URIs, -SHA224, -SHA256, -SHA384, -SHA512,
 * over the CipherValue) is checked before decrypting, with the MACKey, or
 * the encryption key when the MACMethod has none; a CBC value must have
 * one. An encrypted integer is its decimal text or its big-endian bytes.
 * cred may be NULL for a file with nothing encrypted.
 */
int og_pskc_read(const char *path, const struct og_pskc_cred *cred, struct og_pskc_file *out,
		 char *err, size_t errlen);

/*
 * The same for a document already in memory (len bytes at buf, which need
 * not end in a NUL): errors name it "NAME:LINE: what". The caller wipes buf.
 */
int og_pskc_read_mem(const char *name, const char *buf, size_t len,
		     const struct og_pskc_cred *cred, struct og_pskc_file *out, char *err,
		     size_t errlen);

/* Wipes (secrets and all) and frees the keys of f, leaving it empty. */
void og_pskc_free(struct og_pskc_file *f);

#endif
