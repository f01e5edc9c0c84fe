/*
 * test_pskc.c: RFC 6030 PSKC parsing: the RFC's figures in the clear and
 * encrypted with its pre-shared key, wrong keys, malformed files, limits,
 * and documents that try to pull in external entities.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "pskc.h"
#include "util.h"
#include "test_helpers.h"

/* The RFC 6030 examples' pre-shared key and the secret of their key. */
static const char RFC_PSK_HEX[] = "12345678901234567890123456789012";
static const char RFC_SECRET[] = "12345678901234567890";

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define NS_ATTRS                                                       \
	"    xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"\n"          \
	"    xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"\n"        \
	"    xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\""

/* RFC 6030 figure 2 (a plain secret), as a TOTP key of the same secret. */
static const char PLAIN_TOTP[] =
	HEAD
	"<KeyContainer Version=\"1.0\"\n"
	"    Id=\"exampleID1\"\n"
	"    xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n"
	"    <KeyPackage>\n"
	"        <DeviceInfo>\n"
	"            <Manufacturer>Manufacturer</Manufacturer>\n"
	"            <SerialNo>987654321</SerialNo>\n"
	"        </DeviceInfo>\n"
	"        <CryptoModuleInfo>\n"
	"            <Id>CM_ID_001</Id>\n"
	"        </CryptoModuleInfo>\n"
	"        <Key Id=\"12345678\"\n"
	"            Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:totp\">\n"
	"            <Issuer>Issuer</Issuer>\n"
	"            <AlgorithmParameters>\n"
	"                <ResponseFormat Length=\"8\" Encoding=\"DECIMAL\"/>\n"
	"            </AlgorithmParameters>\n"
	"            <Data>\n"
	"                <Secret>\n"
	"                    <PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=\n"
	"                    </PlainValue>\n"
	"                </Secret>\n"
	"                <Time>\n"
	"                    <PlainValue>0</PlainValue>\n"
	"                </Time>\n"
	"            </Data>\n"
	"        </Key>\n"
	"    </KeyPackage>\n"
	"</KeyContainer>\n";

/* Two keys with a prefix, no DeviceInfo, a Suite, TimeInterval and Time. */
static const char PLAIN_TWO[] =
	HEAD
	"<pskc:KeyContainer Version=\"1.0\" xmlns:pskc=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n"
	" <pskc:KeyPackage>\n"
	"  <pskc:Key Id=\"TOK-0001\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:totp\">\n"
	"   <pskc:AlgorithmParameters>\n"
	"    <pskc:Suite>HMAC-SHA256</pskc:Suite>\n"
	"    <pskc:ResponseFormat Length=\"6\" Encoding=\"DECIMAL\"/>\n"
	"   </pskc:AlgorithmParameters>\n"
	"   <pskc:Data>\n"
	"    <pskc:Secret><pskc:PlainValue>\n"
	"     MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=\n"
	"    </pskc:PlainValue></pskc:Secret>\n"
	"    <pskc:Time><pskc:PlainValue>1000</pskc:PlainValue></pskc:Time>\n"
	"    <pskc:TimeInterval><pskc:PlainValue>60</pskc:PlainValue></pskc:TimeInterval>\n"
	"   </pskc:Data>\n"
	"  </pskc:Key>\n"
	" </pskc:KeyPackage>\n"
	" <pskc:KeyPackage>\n"
	"  <pskc:DeviceInfo><pskc:SerialNo> SN-2 </pskc:SerialNo></pskc:DeviceInfo>\n"
	"  <pskc:Key Id=\"ignored\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:totp\">\n"
	"   <pskc:AlgorithmParameters>\n"
	"    <pskc:Suite>HMAC-SHA512</pskc:Suite>\n"
	"    <pskc:ResponseFormat Length=\"8\"/>\n"
	"   </pskc:AlgorithmParameters>\n"
	"   <pskc:Data><pskc:Secret><pskc:PlainValue>\n"
	"    MTIzNDU2Nzg5\n"
	"    MDEyMzQ1Njc4OTA=\n"
	"   </pskc:PlainValue></pskc:Secret></pskc:Data>\n"
	"  </pskc:Key>\n"
	" </pskc:KeyPackage>\n"
	"</pskc:KeyContainer>\n";

/* The container header of RFC 6030 figure 6 (pre-shared key, MACKey). */
#define ENC_HEAD                                                                   \
	HEAD                                                                       \
	"<KeyContainer Version=\"1.0\"\n" NS_ATTRS ">\n"                           \
	"    <EncryptionKey>\n"                                                    \
	"        <ds:KeyName>Pre-shared-key</ds:KeyName>\n"                        \
	"    </EncryptionKey>\n"                                                   \
	"    <MACMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#hmac-sha1\">\n" \
	"        <MACKey>\n"                                                       \
	"            <xenc:EncryptionMethod\n"                                     \
	"            Algorithm=\"http://www.w3.org/2001/04/xmlenc#aes128-cbc\"/>\n" \
	"            <xenc:CipherData>\n"                                          \
	"                <xenc:CipherValue>\n"                                     \
	"    ESIzRFVmd4iZABEiM0RVZgKn6WjLaTC1sbeBMSvIhRejN9vJa2BOlSaMrR7I5wSX\n"   \
	"                </xenc:CipherValue>\n"                                    \
	"            </xenc:CipherData>\n"                                         \
	"        </MACKey>\n"                                                      \
	"    </MACMethod>\n"

/* The KeyPackage of figure 6 with its Algorithm as given (hotp in the RFC). */
#define ENC_PACKAGE(alg, mac)                                                      \
	"    <KeyPackage>\n"                                                       \
	"        <DeviceInfo>\n"                                                   \
	"            <Manufacturer>Manufacturer</Manufacturer>\n"                  \
	"            <SerialNo>987654321</SerialNo>\n"                             \
	"        </DeviceInfo>\n"                                                  \
	"        <CryptoModuleInfo>\n"                                             \
	"            <Id>CM_ID_001</Id>\n"                                         \
	"        </CryptoModuleInfo>\n"                                            \
	"        <Key Id=\"12345678\"\n"                                           \
	"            Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:" alg "\">\n" \
	"            <Issuer>Issuer</Issuer>\n"                                    \
	"            <AlgorithmParameters>\n"                                      \
	"                <ResponseFormat Length=\"8\" Encoding=\"DECIMAL\"/>\n"    \
	"            </AlgorithmParameters>\n"                                     \
	"            <Data>\n"                                                     \
	"                <Secret>\n"                                               \
	"                    <EncryptedValue>\n"                                   \
	"                        <xenc:EncryptionMethod\n"                         \
	"            Algorithm=\"http://www.w3.org/2001/04/xmlenc#aes128-cbc\"/>\n" \
	"                        <xenc:CipherData>\n"                              \
	"                            <xenc:CipherValue>\n"                         \
	"    AAECAwQFBgcICQoLDA0OD+cIHItlB3Wra1DUpxVvOx2lef1VmNPCMl8jwZqIUqGv\n"   \
	"                            </xenc:CipherValue>\n"                        \
	"                        </xenc:CipherData>\n"                             \
	"                    </EncryptedValue>\n"                                  \
	"                    <ValueMAC>" mac "\n"                                  \
	"                    </ValueMAC>\n"                                        \
	"                </Secret>\n"                                              \
	"                <Counter>\n"                                              \
	"                    <PlainValue>0</PlainValue>\n"                         \
	"                </Counter>\n"                                             \
	"            </Data>\n"                                                    \
	"        </Key>\n"                                                         \
	"    </KeyPackage>\n"

#define RFC_MAC "Su+NvtQfmvfJzF6bmQiJqoLRExc="

static const char ENC_TOTP[] = ENC_HEAD ENC_PACKAGE("totp", RFC_MAC) "</KeyContainer>\n";
static const char ENC_RFC_HOTP[] = ENC_HEAD ENC_PACKAGE("hotp", RFC_MAC) "</KeyContainer>\n";
static const char ENC_BAD_MAC[] =
	ENC_HEAD ENC_PACKAGE("totp", "Su+NvtQfmvfJzF6bmQiJqoLRExY=") "</KeyContainer>\n";
/* The RFC's MAC with stray bits in its last character: not canonical base64. */
static const char ENC_STRAY_BITS[] =
	ENC_HEAD ENC_PACKAGE("totp", "Su+NvtQfmvfJzF6bmQiJqoLRExd=") "</KeyContainer>\n";
/* A good key then a damaged one: the good one must not reach cb either. */
static const char ENC_GOOD_THEN_BAD[] =
	ENC_HEAD ENC_PACKAGE("totp", RFC_MAC)
	ENC_PACKAGE("totp", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=") "</KeyContainer>\n";

static char dir[PATH_MAX];

struct got {
	int calls;
	struct og_pskc_key keys[4];
};

static int collect(void *arg, const struct og_pskc_key *k)
{
	struct got *g = arg;

	if (g->calls < (int)TH_ARRAY_LEN(g->keys))
		g->keys[g->calls] = *k;
	g->calls++;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	th_mkdtemp(dir, sizeof(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_rmtree(dir);
	return 0;
}

/* Writes text to dir/name and returns the path (static storage). */
static const char *put(const char *name, const char *text)
{
	static char path[PATH_MAX];

	th_path(path, sizeof(path), dir, name);
	assert_int_equal(th_write_str(path, text, 0600), 0);
	return path;
}

/* The line (1-based) of position at in text. */
static long line_at(const char *text, const char *at)
{
	long line = 1;

	assert_non_null(at);
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

/*
 * The line xmlGetLineNo gives the element whose start tag begins at at:
 * libxml2 records the line where the start tag ends.
 */
static long tag_line(const char *text, const char *at)
{
	assert_non_null(at);
	return line_at(text, strchr(at, '>'));
}

/* The line of the first <Key> start tag of text. */
static long key_line(const char *text)
{
	return tag_line(text, strstr(text, "<Key "));
}

static void rfc_psk(unsigned char psk[16])
{
	assert_int_equal(og_hex_decode(RFC_PSK_HEX, psk, 16), 16);
}

/* Runs pskc_parse expecting failure, no callback, and want in the error. */
static void expect_fail(const char *path, const unsigned char *psk, size_t psklen,
			const char *want)
{
	struct got g;
	char err[512];

	memset(&g, 0, sizeof(g));
	memset(err, 'X', sizeof(err));
	assert_int_equal(og_pskc_parse(path, psk, psklen, collect, &g, err, sizeof(err)), -1);
	assert_int_equal(g.calls, 0);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	assert_null(strchr(err, '\n'));
	for (const char *p = err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in \"%s\"", (unsigned char)*p, err);
	if (strstr(err, want) == NULL || strncmp(err, path, strlen(path)) != 0) {
		print_error("error \"%s\" does not start with the path or lacks \"%s\"\n", err,
			    want);
		fail();
	}
}

static void test_plain_totp_rfc_figure(void **state)
{
	const char *path = put("plain.xml", PLAIN_TOTP);
	struct got g;
	char err[256] = "";

	(void)state;
	memset(&g, 0, sizeof(g));
	assert_int_equal(og_pskc_parse(path, NULL, 0, collect, &g, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(g.calls, 1);
	assert_string_equal(g.keys[0].serial, "987654321");
	assert_int_equal(g.keys[0].totp, 1);
	assert_int_equal(g.keys[0].params.algo, OG_SHA1);
	assert_int_equal(g.keys[0].params.digits, 8);
	assert_int_equal(g.keys[0].params.period, 30);
	assert_int_equal(g.keys[0].params.t0, 0);
	assert_int_equal(g.keys[0].secret_len, strlen(RFC_SECRET));
	assert_memory_equal(g.keys[0].secret, RFC_SECRET, strlen(RFC_SECRET));
	assert_int_equal(g.keys[0].line, key_line(PLAIN_TOTP));
}

static void test_plain_two_keys_params(void **state)
{
	const char *path = put("two.xml", PLAIN_TWO);
	struct got g;
	char err[256] = "";

	(void)state;
	memset(&g, 0, sizeof(g));
	assert_int_equal(og_pskc_parse(path, NULL, 0, collect, &g, err, sizeof(err)), 0);
	assert_int_equal(g.calls, 2);
	assert_string_equal(g.keys[0].serial, "TOK-0001");	/* no DeviceInfo: the Id */
	assert_int_equal(g.keys[0].params.algo, OG_SHA256);
	assert_int_equal(g.keys[0].params.digits, 6);
	assert_int_equal(g.keys[0].params.period, 60);
	assert_int_equal(g.keys[0].params.t0, 1000);
	assert_int_equal(g.keys[0].secret_len, 32);
	assert_memory_equal(g.keys[0].secret, "12345678901234567890123456789012", 32);
	assert_string_equal(g.keys[1].serial, "SN-2");
	assert_int_equal(g.keys[1].params.algo, OG_SHA512);
	assert_int_equal(g.keys[1].params.digits, 8);
	assert_int_equal(g.keys[1].params.period, 30);
	assert_int_equal(g.keys[1].secret_len, 20);
	assert_memory_equal(g.keys[1].secret, RFC_SECRET, 20);
	assert_int_equal(g.keys[1].line,
			 tag_line(PLAIN_TWO, strstr(PLAIN_TWO, "<pskc:Key Id=\"ignored\"")));
}

static void test_encrypted_rfc_figure(void **state)
{
	const char *path = put("enc.xml", ENC_TOTP);
	unsigned char psk[16];
	struct got g;
	char err[256] = "";

	(void)state;
	rfc_psk(psk);
	memset(&g, 0, sizeof(g));
	assert_int_equal(og_pskc_parse(path, psk, sizeof(psk), collect, &g, err, sizeof(err)), 0);
	assert_int_equal(g.calls, 1);
	assert_string_equal(g.keys[0].serial, "987654321");
	assert_int_equal(g.keys[0].params.digits, 8);
	assert_int_equal(g.keys[0].params.algo, OG_SHA1);
	assert_int_equal(g.keys[0].secret_len, strlen(RFC_SECRET));
	assert_memory_equal(g.keys[0].secret, RFC_SECRET, strlen(RFC_SECRET));
}

static void test_rfc_hotp_refused(void **state)
{
	unsigned char psk[16];
	char want[64];

	(void)state;
	rfc_psk(psk);
	snprintf(want, sizeof(want), ":%ld: HOTP tokens are not supported",
		 key_line(ENC_RFC_HOTP));
	expect_fail(put("hotp.xml", ENC_RFC_HOTP), psk, sizeof(psk), want);
}

static void test_wrong_psk(void **state)
{
	unsigned char psk[16];
	char want[128];

	(void)state;
	rfc_psk(psk);
	psk[15] ^= 1;
	snprintf(want, sizeof(want), ":%ld: ValueMAC does not match: wrong pre-shared key",
		 key_line(ENC_TOTP));
	expect_fail(put("enc.xml", ENC_TOTP), psk, sizeof(psk), want);
	/* a key of zeros too (whatever the MACKey padding happens to give) */
	memset(psk, 0, sizeof(psk));
	expect_fail(put("enc.xml", ENC_TOTP), psk, sizeof(psk), want);
}

static void test_damaged_mac_reports_nothing(void **state)
{
	unsigned char psk[16];
	char want[128];
	const char *second;

	(void)state;
	rfc_psk(psk);
	snprintf(want, sizeof(want), ":%ld: ValueMAC does not match",
		 key_line(ENC_BAD_MAC));
	expect_fail(put("badmac.xml", ENC_BAD_MAC), psk, sizeof(psk), want);
	expect_fail(put("stray.xml", ENC_STRAY_BITS), psk, sizeof(psk),
		    "ValueMAC is not valid base64");
	second = strstr(strstr(ENC_GOOD_THEN_BAD, "<Key ") + 1, "<Key ");
	snprintf(want, sizeof(want), ":%ld: ValueMAC does not match",
		 tag_line(ENC_GOOD_THEN_BAD, second));
	expect_fail(put("goodbad.xml", ENC_GOOD_THEN_BAD), psk, sizeof(psk), want);
}

static void test_missing_or_bad_psk(void **state)
{
	unsigned char psk[16];

	(void)state;
	rfc_psk(psk);
	expect_fail(put("enc.xml", ENC_TOTP), NULL, 0, "give the pre-shared key");
	expect_fail(put("enc.xml", ENC_TOTP), psk, 8, "must be 16 bytes");
}

/* Builds PLAIN_TOTP with one substring replaced. */
static const char *variant(const char *name, const char *from, const char *to)
{
	static char text[8192];
	const char *at = strstr(PLAIN_TOTP, from);
	int n;

	assert_non_null(at);
	n = snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - PLAIN_TOTP), PLAIN_TOTP, to,
		     at + strlen(from));
	assert_true(n > 0 && (size_t)n < sizeof(text));
	return put(name, text);
}

static void test_malformed_xml(void **state)
{
	(void)state;
	expect_fail(variant("bad1.xml", "</Secret>", "</Secrets>"), NULL, 0,
		    "not well-formed XML");
	expect_fail(put("bad2.xml", ""), NULL, 0, "not well-formed XML");
	expect_fail(put("bad3.xml", "not xml at all\n"), NULL, 0, "not well-formed XML");
	expect_fail(put("bad4.xml", HEAD "<KeyContainer xmlns=\"urn:example\"/>\n"), NULL, 0,
		    "not a PSKC file");
	expect_fail(put("bad5.xml", HEAD "<KeyContainer Version=\"1.0\" "
			"xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"/>\n"), NULL, 0,
		    "no KeyPackage/Key");
	expect_fail(variant("bad6.xml", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=", "MTIz*DU2"), NULL, 0,
		    "not valid base64");
}

static void test_missing_secret(void **state)
{
	char want[64];

	(void)state;
	snprintf(want, sizeof(want), ":%ld: Key has no Data/Secret", key_line(PLAIN_TOTP));
	expect_fail(variant("nosecret.xml", "<Secret>", "<Secrets>"), NULL, 0, "");
	expect_fail(variant("nosecret.xml", "<Secret>\n                    <PlainValue>"
			    "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=\n                    </PlainValue>\n"
			    "                </Secret>", ""), NULL, 0, want);
}

static void test_params_refused(void **state)
{
	(void)state;
	expect_fail(variant("d7.xml", "Length=\"8\"", "Length=\"7\""), NULL, 0,
		    "ResponseFormat Length '7' is not 6 or 8");
	expect_fail(variant("d10.xml", "Length=\"8\"", "Length=\"10\""), NULL, 0,
		    "is not 6 or 8");
	expect_fail(variant("hex.xml", "DECIMAL", "HEXADECIMAL"), NULL, 0, "is not DECIMAL");
	expect_fail(variant("ti.xml", "<Time>", "<TimeInterval><PlainValue>45</PlainValue>"
			    "</TimeInterval><Time>"), NULL, 0, "TimeInterval 45 is not 30 or 60");
	expect_fail(variant("suite.xml", "<ResponseFormat", "<Suite>HMAC-MD5</Suite>"
			    "<ResponseFormat"), NULL, 0, "Suite 'HMAC-MD5'");
	expect_fail(variant("alg.xml", "pskc:totp", "pskc:pin"), NULL, 0, "is not supported");
	expect_fail(variant("hotp.xml", "pskc:totp", "pskc:hotp"), NULL, 0,
		    "HOTP tokens are not supported");
	/* what the file says is quoted on one line, its control bytes as '?' (found
	 * by fuzz/fuzz_pskc.c: a DEL in the Algorithm) */
	expect_fail(variant("del.xml", "pskc:totp", "pskc:t\x7ftp"), NULL, 0,
		    "Algorithm 'urn:ietf:params:xml:ns:keyprov:pskc:t?tp' is not supported");
	expect_fail(variant("nl.xml", "<ResponseFormat", "<Suite>HMAC-\nMD5</Suite>"
			    "<ResponseFormat"), NULL, 0, "Suite 'HMAC-?MD5' is not HMAC-SHA1");
	/* 8 bytes of secret: too short; 65 bytes: too long */
	expect_fail(variant("short.xml", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=", "MTIzNDU2Nzg="), NULL,
		    0, "secret is 8 bytes");
	expect_fail(variant("long.xml", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=",
			    "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4"
			    "OTAxMjM0NTY3ODkwMTIzNDU="), NULL, 0, "secret is 65 bytes");
	expect_fail(variant("serial.xml", "987654321", "98 7654/321"), NULL, 0,
		    "serial '98 7654/321' is not valid");
}

static void test_external_entities_not_loaded(void **state)
{
	char secretfile[PATH_MAX], text[PATH_MAX + 8192];
	int n;

	(void)state;
	/* a DOCTYPE pointing at a local file: refused, never read */
	expect_fail(put("dtd.xml", HEAD "<!DOCTYPE KeyContainer SYSTEM \"file:///etc/passwd\">\n"
			"<KeyContainer Version=\"1.0\" "
			"xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"/>\n"),
		    NULL, 0, "DOCTYPE is not allowed");
	/* an external entity whose content would be a valid secret */
	th_path(secretfile, sizeof(secretfile), dir, "secret.txt");
	assert_int_equal(th_write_str(secretfile, "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=", 0600), 0);
	n = snprintf(text, sizeof(text), HEAD
		     "<!DOCTYPE KeyContainer [ <!ENTITY xxe SYSTEM \"file://%s\"> ]>\n%s",
		     secretfile, strstr(PLAIN_TOTP, "<KeyContainer"));
	assert_true(n > 0 && (size_t)n < sizeof(text) - 64);
	*strstr(text, "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=") = '\0';
	strcat(text, "&xxe;");
	strcat(text, strstr(PLAIN_TOTP, "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=") + 28);
	expect_fail(put("xxe.xml", text), NULL, 0, "DOCTYPE is not allowed");
	/* an external DTD by http: no network either */
	expect_fail(put("net.xml", HEAD "<!DOCTYPE KeyContainer PUBLIC \"-//x//y\" "
			"\"http://127.0.0.1:9/pskc.dtd\">\n<KeyContainer Version=\"1.0\" "
			"xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"/>\n"),
		    NULL, 0, "DOCTYPE is not allowed");
	/* internal entities (billion laughs style) are refused with the DOCTYPE */
	expect_fail(put("lol.xml", HEAD "<!DOCTYPE KeyContainer [ <!ENTITY a \"aaaaaaaa\">"
			"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\"> ]>\n<KeyContainer Version=\"1.0\" "
			"xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">&b;</KeyContainer>\n"),
		    NULL, 0, "");
}

static void test_file_limits(void **state)
{
	char path[PATH_MAX];
	int fd;

	(void)state;
	expect_fail("/nonexistent/otpgate.pskc", NULL, 0, "cannot open");
	expect_fail(dir, NULL, 0, "not a regular file");
	th_path(path, sizeof(path), dir, "huge.xml");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, OG_PSKC_FILE_MAX + 1), 0);
	close(fd);
	expect_fail(path, NULL, 0, "larger than 64 MiB");
	unlink(path);
}

/* A document in memory, not NUL-terminated: the same keys, errors named by the caller. */
static void test_parse_mem(void **state)
{
	size_t len = strlen(PLAIN_TWO);
	char *buf = malloc(len), *big, err[256] = "";
	struct got g;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, PLAIN_TWO, len);
	memset(&g, 0, sizeof(g));
	assert_int_equal(og_pskc_parse_mem("vendor.xml", buf, len, NULL, 0, collect, &g, err,
					   sizeof(err)), 0);
	assert_int_equal(g.calls, 2);
	assert_string_equal(g.keys[0].serial, "TOK-0001");
	assert_string_equal(g.keys[1].serial, "SN-2");
	assert_memory_equal(g.keys[1].secret, RFC_SECRET, 20);
	/* cut short: not well-formed, named as the caller said */
	memset(&g, 0, sizeof(g));
	assert_int_equal(og_pskc_parse_mem("vendor.xml", buf, len / 2, NULL, 0, collect, &g, err,
					   sizeof(err)), -1);
	assert_int_equal(g.calls, 0);
	assert_int_equal(strncmp(err, "vendor.xml:", 11), 0);
	assert_non_null(strstr(err, "not well-formed XML"));
	free(buf);
	/* the file limit holds for memory too */
	big = calloc(1, (size_t)OG_PSKC_FILE_MAX + 1);
	assert_non_null(big);
	assert_int_equal(og_pskc_parse_mem("big.xml", big, (size_t)OG_PSKC_FILE_MAX + 1, NULL, 0,
					   collect, &g, err, sizeof(err)), -1);
	assert_string_equal(err, "big.xml: file is larger than 64 MiB");
	free(big);
}

static int refuse(void *arg, const struct og_pskc_key *k)
{
	(void)k;
	++*(int *)arg;
	return -1;
}

static void test_callback_failure_stops(void **state)
{
	const char *path = put("two.xml", PLAIN_TWO);
	char err[256];
	int calls = 0;

	(void)state;
	assert_int_equal(og_pskc_parse(path, NULL, 0, refuse, &calls, err, sizeof(err)), -1);
	assert_int_equal(calls, 1);
	assert_non_null(strstr(err, "key 'TOK-0001' was not imported"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_totp_rfc_figure),
		cmocka_unit_test(test_plain_two_keys_params),
		cmocka_unit_test(test_encrypted_rfc_figure),
		cmocka_unit_test(test_rfc_hotp_refused),
		cmocka_unit_test(test_wrong_psk),
		cmocka_unit_test(test_damaged_mac_reports_nothing),
		cmocka_unit_test(test_missing_or_bad_psk),
		cmocka_unit_test(test_malformed_xml),
		cmocka_unit_test(test_missing_secret),
		cmocka_unit_test(test_params_refused),
		cmocka_unit_test(test_external_entities_not_loaded),
		cmocka_unit_test(test_file_limits),
		cmocka_unit_test(test_callback_failure_stops),
		cmocka_unit_test(test_parse_mem),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
