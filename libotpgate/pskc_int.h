/*
 * pskc_int.h: what the three parts of the PSKC parser share (not a public
 * interface): the parse context, the XML reading helpers (pskc_xml.c) and
 * the decryption of values (pskc_crypto.c); pskc.c walks the document.
 */
#ifndef OTPGATE_PSKC_INT_H
#define OTPGATE_PSKC_INT_H

#include <stddef.h>
#include <libxml/tree.h>

#include "pskc.h"

#define PSKC_KEY_MAX 32			/* bytes of an AES key */
#define PSKC_MACKEY_MAX 64		/* bytes of a MAC key */
#define PSKC_VALUE_MAX 96		/* bytes of a value: an IV, 64 bytes and a padding block */
#define PSKC_B64_MAX 256		/* base64 characters of one value */
#define PSKC_TEXT_MAX 256		/* other element texts */

extern const char PSKC_NS[];		/* urn:ietf:params:xml:ns:keyprov:pskc */
extern const char PSKC_NS_XENC[];	/* http://www.w3.org/2001/04/xmlenc# */
extern const char PSKC_NS_XENC11[];	/* http://www.w3.org/2009/xmlenc11# */
extern const char PSKC_NS_DS[];		/* http://www.w3.org/2000/09/xmldsig# */

struct pskc_ctx {
	const char *path;
	char *err;
	size_t errlen;
	struct og_pskc_cred cred;	/* zeros when none was given */
	xmlNode *root;
	const xmlNode *derived;		/* EncryptionKey/DerivedKey, NULL: a pre-shared key */
	unsigned char key[PSKC_KEY_MAX];	/* the key derived from the password */
	size_t keylen;			/* 0 until derived */
	unsigned char mackey[PSKC_MACKEY_MAX];
	size_t mackey_len;		/* 0 until the MACMethod is read */
};

/*
 * "FILE:LINE: what" into err (or "FILE: what" when line is 0), one line:
 * trailing line ends dropped, any other control byte quoted from the file
 * written as '?'. Returns -1.
 */
int pskc_fail(struct pskc_ctx *x, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

long pskc_line(const xmlNode *n);
int pskc_is_el(const xmlNode *n, const char *ns, const char *name);
/* The first child element ns:name of parent (NULL: none, or parent NULL). */
xmlNode *pskc_child(const xmlNode *parent, const char *ns, const char *name);
/* The first child element of parent whose local name is name, in any namespace. */
xmlNode *pskc_child_any(const xmlNode *parent, const char *name);
/* The attribute name (no namespace) of n, or NULL. Not a copy. */
const char *pskc_attr(const xmlNode *n, const char *name);

/*
 * The text of n into buf (cap bytes): every whitespace character dropped
 * when squeeze, else only leading and trailing whitespace. -1 if it does
 * not fit (buf wiped).
 */
int pskc_text(const xmlNode *n, char *buf, size_t cap, int squeeze);

/* The base64 content of n into out (cap bytes): bytes, or -1 with err set. */
int pskc_b64(struct pskc_ctx *x, const xmlNode *n, const char *what, unsigned char *out,
	     size_t cap);

/* Copies s into out (cap bytes), at most cap - 1 bytes ("..." ends a longer
 * one), every control byte as '?': a value from the file fit to quote. */
void pskc_quote(char *out, size_t cap, const char *s);

/* Reads x->path whole (at most OG_PSKC_FILE_MAX bytes). 0 or -1. */
int pskc_read_file(struct pskc_ctx *x, char **out, size_t *outlen);

/* Parses buf: no network, no entities substituted, nothing external loaded. */
xmlDoc *pskc_parse_xml(struct pskc_ctx *x, const char *buf, size_t len);

/* Wipes every text in the document (the base64 secrets among them) and frees it. */
void pskc_free_doc(xmlDoc *doc);

/*
 * Checks the container's EncryptionKey: none, a ds:KeyName (a pre-shared
 * key) or a PBKDF2 DerivedKey; anything else is refused by name. 0 or -1.
 */
int pskc_check_encryption_key(struct pskc_ctx *x);

/*
 * The decrypted value of the element e (a Secret, Counter, Time,
 * TimeInterval or TimeDrift holding an EncryptedValue and maybe a
 * ValueMAC) into out (cap bytes): its ValueMAC checked first, the key's
 * length checked against the algorithm. keyline: the Key's line, named
 * when the MAC does not match. Returns the length, or -1 with err set.
 */
int pskc_decrypt_value(struct pskc_ctx *x, const xmlNode *e, const char *what, long keyline,
		       unsigned char *out, size_t cap);

/* Wipes the keys x holds. */
void pskc_wipe_keys(struct pskc_ctx *x);

#endif
