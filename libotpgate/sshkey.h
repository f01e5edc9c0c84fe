/*
 * sshkey.h: OpenSSH public keys (authorized_keys lines), their SHA256
 * fingerprints, and Ed25519 key pairs written in OpenSSH's private key
 * format (PROTOCOL.key), all with OpenSSL.
 */
#ifndef OTPGATE_SSHKEY_H
#define OTPGATE_SSHKEY_H

#include <stddef.h>

#define OG_SSHKEY_LINE_MAX 16384	/* longest public key line accepted */
#define OG_FP_LEN 51			/* "SHA256:" + 43 base64 chars + NUL */

struct og_sshkey {
	char type[48];		/* "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", ... */
	char *blob_b64;		/* the base64 key blob as in the line (malloc'd) */
	char comment[256];	/* may be empty */
	char fingerprint[OG_FP_LEN];	/* "SHA256:..." as ssh-keygen -lf prints it */
	int bits;		/* key size: RSA modulus bits, 256 for Ed25519, curve bits for ECDSA */
};

/*
 * Parses one authorized_keys-style public key line "TYPE BASE64 [COMMENT]"
 * (no options prefix). Checks that the blob decodes, that its embedded type
 * equals TYPE, and that its structure is sound for the type. Rejects DSA,
 * RSA under 3072 bits, unknown types, and anything malformed, with why (a
 * static string) in *why (NULL on success; why itself may be NULL).
 * OG_OK, OG_ERR_INVALID, or OG_ERR_NOMEM/OG_ERR_CRYPTO. The key is left
 * zeroed on failure; og_sshkey_free is always safe.
 */
int og_sshkey_parse(const char *line, struct og_sshkey *key, const char **why);
void og_sshkey_free(struct og_sshkey *key);

/*
 * The SHA256 fingerprint, as ssh-keygen -l prints it, of the key in text
 * (len bytes, not NUL-terminated, any length): "TYPE BASE64" and anything
 * after a blank, as sshd writes a key into SSH_AUTH_INFO_0. A plain key of
 * any type is fingerprinted as it is, without og_sshkey_parse's acceptance
 * rules; a certificate (TYPE ending in -cert-v01@openssh.com) by the key
 * it certifies, and *is_cert is set. OG_OK, or OG_ERR_INVALID with why (a
 * static string) in *why, or OG_ERR_NOMEM/OG_ERR_CRYPTO.
 */
int og_sshkey_fingerprint_text(const char *text, size_t len, char fp[OG_FP_LEN], int *is_cert,
			       const char **why);

/* "TYPE BASE64" (no comment) into out; OG_ERR_INVALID if cap is too small. */
int og_sshkey_format(const struct og_sshkey *key, char *out, size_t cap);

/*
 * Generates an Ed25519 key pair with OpenSSL. *pub is set like
 * og_sshkey_parse would (comment copied in: at most 255 bytes, no control
 * characters, no leading or trailing blank; NULL for none); *priv_pem receives the
 * private key in OpenSSH's format ("-----BEGIN OPENSSH PRIVATE KEY-----",
 * unencrypted, loadable by ssh and ssh-keygen -y), malloc'd and
 * NUL-terminated: the caller wipes (OPENSSL_cleanse) and frees it.
 */
int og_sshkey_generate_ed25519(const char *comment, struct og_sshkey *pub, char **priv_pem);

#endif
