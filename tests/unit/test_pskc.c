/*
 * test_pskc.c: RFC 6030 PSKC parsing: the RFC's figures (plain, encrypted
 * with a pre-shared key or a password, several keys on one device, bulk),
 * the vendor-shaped files of tests/pskc/ that python-pskc wrote (every
 * cipher, MAC and encrypted value), wrong keys and passwords, malformed
 * files, limits, and documents that try to pull in external entities.
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
#include <openssl/evp.h>
#include <openssl/hmac.h>

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

/* RFC 6030 figure 5: an HOTP key and its PIN key, two KeyPackages of one device. */
static const char RFC_FIG5[] =
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
	"            Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\">\n"
	"            <Issuer>Issuer</Issuer>\n"
	"            <AlgorithmParameters>\n"
	"                <ResponseFormat Length=\"8\" Encoding=\"DECIMAL\"/>\n"
	"            </AlgorithmParameters>\n"
	"            <Data>\n"
	"                <Secret>\n"
	"                    <PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=\n"
	"                    </PlainValue>\n"
	"                </Secret>\n"
	"                <Counter>\n"
	"                    <PlainValue>0</PlainValue>\n"
	"                </Counter>\n"
	"            </Data>\n"
	"            <Policy>\n"
	"                <PINPolicy MinLength=\"4\" MaxLength=\"4\"\n"
	"                    PINKeyId=\"123456781\" PINEncoding=\"DECIMAL\"\n"
	"                    PINUsageMode=\"Local\"/>\n"
	"                <KeyUsage>OTP</KeyUsage>\n"
	"            </Policy>\n"
	"        </Key>\n"
	"    </KeyPackage>\n"
	"    <KeyPackage>\n"
	"        <DeviceInfo>\n"
	"            <Manufacturer>Manufacturer</Manufacturer>\n"
	"            <SerialNo>987654321</SerialNo>\n"
	"        </DeviceInfo>\n"
	"        <CryptoModuleInfo>\n"
	"            <Id>CM_ID_001</Id>\n"
	"        </CryptoModuleInfo>\n"
	"        <Key Id=\"123456781\"\n"
	"            Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:pin\">\n"
	"            <Issuer>Issuer</Issuer>\n"
	"            <AlgorithmParameters>\n"
	"                <ResponseFormat Length=\"4\" Encoding=\"DECIMAL\"/>\n"
	"            </AlgorithmParameters>\n"
	"            <Data>\n"
	"                <Secret>\n"
	"                    <PlainValue>MTIzNA==</PlainValue>\n"
	"                </Secret>\n"
	"            </Data>\n"
	"        </Key>\n"
	"    </KeyPackage>\n"
	"</KeyContainer>\n";

/* RFC 6030 figure 7 (section 6.2): a key derived from the password "qwerty". */
static const char RFC_FIG7[] =
	HEAD
	"<pskc:KeyContainer\n"
	"  xmlns:pskc=\"urn:ietf:params:xml:ns:keyprov:pskc\"\n"
	"  xmlns:xenc11=\"http://www.w3.org/2009/xmlenc11#\"\n"
	"  xmlns:pkcs5=\n"
	"  \"http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#\"\n"
	"  xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" Version=\"1.0\">\n"
	"    <pskc:EncryptionKey>\n"
	"        <xenc11:DerivedKey>\n"
	"            <xenc11:KeyDerivationMethod\n"
	"              Algorithm=\n"
	"\"http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2\">\n"
	"                <pkcs5:PBKDF2-params>\n"
	"                    <Salt>\n"
	"                        <Specified>Ej7/PEpyEpw=</Specified>\n"
	"                    </Salt>\n"
	"                    <IterationCount>1000</IterationCount>\n"
	"                    <KeyLength>16</KeyLength>\n"
	"                    <PRF/>\n"
	"                </pkcs5:PBKDF2-params>\n"
	"            </xenc11:KeyDerivationMethod>\n"
	"            <xenc:ReferenceList>\n"
	"                <xenc:DataReference URI=\"#ED\"/>\n"
	"            </xenc:ReferenceList>\n"
	"            <xenc11:MasterKeyName>My Password 1</xenc11:MasterKeyName>\n"
	"        </xenc11:DerivedKey>\n"
	"    </pskc:EncryptionKey>\n"
	"    <pskc:MACMethod\n"
	"        Algorithm=\"http://www.w3.org/2000/09/xmldsig#hmac-sha1\">\n"
	"        <pskc:MACKey>\n"
	"            <xenc:EncryptionMethod\n"
	"            Algorithm=\"http://www.w3.org/2001/04/xmlenc#aes128-cbc\"/>\n"
	"            <xenc:CipherData>\n"
	"                <xenc:CipherValue>\n"
	"2GTTnLwM3I4e5IO5FkufoOEiOhNj91fhKRQBtBJYluUDsPOLTfUvoU2dStyOwYZx\n"
	"                </xenc:CipherValue>\n"
	"            </xenc:CipherData>\n"
	"        </pskc:MACKey>\n"
	"    </pskc:MACMethod>\n"
	"    <pskc:KeyPackage>\n"
	"        <pskc:DeviceInfo>\n"
	"            <pskc:Manufacturer>TokenVendorAcme</pskc:Manufacturer>\n"
	"            <pskc:SerialNo>987654321</pskc:SerialNo>\n"
	"        </pskc:DeviceInfo>\n"
	"        <pskc:CryptoModuleInfo>\n"
	"            <pskc:Id>CM_ID_001</pskc:Id>\n"
	"        </pskc:CryptoModuleInfo>\n"
	"        <pskc:Key Algorithm=\n"
	"        \"urn:ietf:params:xml:ns:keyprov:pskc:hotp\" Id=\"123456\">\n"
	"            <pskc:Issuer>Example-Issuer</pskc:Issuer>\n"
	"            <pskc:AlgorithmParameters>\n"
	"                <pskc:ResponseFormat Length=\"8\" Encoding=\"DECIMAL\"/>\n"
	"            </pskc:AlgorithmParameters>\n"
	"            <pskc:Data>\n"
	"                <pskc:Secret>\n"
	"                <pskc:EncryptedValue Id=\"ED\">\n"
	"                    <xenc:EncryptionMethod\n"
	"                        Algorithm=\n"
	"\"http://www.w3.org/2001/04/xmlenc#aes128-cbc\"/>\n"
	"                        <xenc:CipherData>\n"
	"                            <xenc:CipherValue>\n"
	"      oTvo+S22nsmS2Z/RtcoF8Hfh+jzMe0RkiafpoDpnoZTjPYZu6V+A4aEn032yCr4f\n"
	"                        </xenc:CipherValue>\n"
	"                    </xenc:CipherData>\n"
	"                    </pskc:EncryptedValue>\n"
	"                    <pskc:ValueMAC>LP6xMvjtypbfT9PdkJhBZ+D6O4w=\n"
	"                    </pskc:ValueMAC>\n"
	"                </pskc:Secret>\n"
	"            </pskc:Data>\n"
	"        </pskc:Key>\n"
	"    </pskc:KeyPackage>\n"
	"</pskc:KeyContainer>\n";

/* RFC 6030 figure 8 (section 6.3): encrypted to an RSA key's certificate. */
static const char RFC_FIG8[] =
	HEAD
	"<KeyContainer\n"
	"    xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"\n"
	"    xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"\n"
	"    xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"\n"
	"    id=\"KC0001\"\n"
	"    Version=\"1.0\">\n"
	"    <EncryptionKey>\n"
	"        <ds:X509Data>\n"
	"<ds:X509Certificate>MIIB5zCCAVCgAwIBAgIESZp/vDANBgkqhkiG9w0BAQUFADA4M\n"
	"Q0wCwYDVQQKEwRJRVRGMRMwEQYDVQQLEwpLZXlQcm92IFdHMRIwEAYDVQQDEwlQU0tDIF\n"
	"Rlc3QwHhcNMDkwMjE3MDkxMzMyWhcNMTEwMjE3MDkxMzMyWjA4MQ0wCwYDVQQKEwRJRVR\n"
	"GMRMwEQYDVQQLEwpLZXlQcm92IFdHMRIwEAYDVQQDEwlQU0tDIFRlc3QwgZ8wDQYJKoZI\n"
	"hvcNAQEBBQADgY0AMIGJAoGBALCWLDa2ItYJ6su80hd1gL4cggQYdyyKK17btt/aS6Q/e\n"
	"DsKjsPyFIODsxeKVV/uA3wLT4jQJM5euKJXkDajzGGOy92+ypfzTX4zDJMkh61SZwlHNJ\n"
	"xBKilAM5aW7C+BQ0RvCxvdYtzx2LTdB+X/KMEBA7uIYxLfXH2Mnub3WIh1AgMBAAEwDQY\n"
	"JKoZIhvcNAQEFBQADgYEAe875m84sYUJ8qPeZ+NG7REgTvlHTmoCdoByU0LBBLotUKuqf\n"
	"rnRuXJRMeZXaaEGmzY1kLonVjQGzjAkU4dJ+RPmiDlYuHLZS41Pg6VMwY+03lhk6I5A/w\n"
	"4rnqdkmwZX/NgXg06alnc2pBsXWhL4O7nk0S2ZrLMsQZ6HcsXgdmHo=\n"
	"</ds:X509Certificate>\n"
	"        </ds:X509Data>\n"
	"    </EncryptionKey>\n"
	"    <KeyPackage>\n"
	"        <DeviceInfo>\n"
	"            <Manufacturer>TokenVendorAcme</Manufacturer>\n"
	"            <SerialNo>987654321</SerialNo>\n"
	"        </DeviceInfo>\n"
	"        <Key\n"
	"            Id=\"MBK000000001\"\n"
	"            Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\">\n"
	"            <Issuer>Example-Issuer</Issuer>\n"
	"            <AlgorithmParameters>\n"
	"                <ResponseFormat Length=\"6\" Encoding=\"DECIMAL\"/>\n"
	"            </AlgorithmParameters>\n"
	"            <Data>\n"
	"                <Secret>\n"
	"                    <EncryptedValue>\n"
	"                        <xenc:EncryptionMethod\n"
	"             Algorithm=\"http://www.w3.org/2001/04/xmlenc#rsa_1_5\"/>\n"
	"                        <xenc:CipherData>\n"
	"<xenc:CipherValue>hJ+fvpoMPMO9BYpK2rdyQYGIxiATYHTHC7e/sPLKYo5/r1v+4\n"
	"xTYG3gJolCWuVMydJ7Ta0GaiBPHcWa8ctCVYmHKfSz5fdeV5nqbZApe6dofTqhRwZK6\n"
	"Yx4ufevi91cjN2vBpSxYafvN3c3+xIgk0EnTV4iVPRCR0rBwyfFrPc4=\n"
	"</xenc:CipherValue>\n"
	"                        </xenc:CipherData>\n"
	"                    </EncryptedValue>\n"
	"                </Secret>\n"
	"                <Counter>\n"
	"                    <PlainValue>0</PlainValue>\n"
	"                </Counter>\n"
	"            </Data>\n"
	"        </Key>\n"
	"    </KeyPackage>\n"
	"</KeyContainer>\n";

/* One KeyPackage of RFC 6030 figure 10 (bulk provisioning). */
#define FIG10_PACKAGE(serial, id, start, end)                                      \
	"    <KeyPackage>\n"                                                       \
	"        <DeviceInfo>\n"                                                   \
	"            <Manufacturer>TokenVendorAcme</Manufacturer>\n"               \
	"            <SerialNo>" serial "</SerialNo>\n"                            \
	"        </DeviceInfo>\n"                                                  \
	"        <Key Id=\"" id "\"\n"                                             \
	"        Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\">\n"        \
	"            <Issuer>Issuer</Issuer>\n"                                    \
	"            <AlgorithmParameters>\n"                                      \
	"                <ResponseFormat Length=\"8\" Encoding=\"DECIMAL\"/>\n"    \
	"            </AlgorithmParameters>\n"                                     \
	"            <Data>\n"                                                     \
	"                <Secret>\n"                                               \
	"                    <PlainValue>\n"                                       \
	"                        MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=\n"                   \
	"                    </PlainValue>\n"                                      \
	"                </Secret>\n"                                              \
	"                <Counter>\n"                                              \
	"                    <PlainValue>0</PlainValue>\n"                         \
	"                </Counter>\n"                                             \
	"            </Data>\n"                                                    \
	"            <Policy>\n"                                                   \
	"                <StartDate>" start "</StartDate>\n"                       \
	"                <ExpiryDate>" end "</ExpiryDate>\n"                       \
	"            </Policy>\n"                                                  \
	"        </Key>\n"                                                         \
	"    </KeyPackage>\n"

/* RFC 6030 figure 10: four HOTP keys, two of them on device 9999999. */
static const char RFC_FIG10[] =
	HEAD
	"<KeyContainer Version=\"1.0\"\n"
	"    xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n"
	FIG10_PACKAGE("654321", "1", "2006-05-01T00:00:00Z", "2006-05-31T00:00:00Z")
	FIG10_PACKAGE("123456", "2", "2006-05-01T00:00:00Z", "2006-05-31T00:00:00Z")
	FIG10_PACKAGE("9999999", "3", "2006-03-01T00:00:00Z", "2006-03-31T00:00:00Z")
	FIG10_PACKAGE("9999999", "4", "2006-04-01T00:00:00Z", "2006-04-30T00:00:00Z")
	"</KeyContainer>\n";

static char dir[PATH_MAX];

/* The directory of the vendor-shaped files python-pskc wrote (tests/pskc). */
static const char *fixture(const char *name)
{
	static char path[PATH_MAX];
	const char *src = __FILE__, *cut = strstr(src, "unit/test_pskc.c");

	assert_non_null(cut);
	snprintf(path, sizeof(path), "%.*spskc/%s", (int)(cut - src), src, name);
	return path;
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

/* A credential of a pre-shared key given in hex (static storage). */
static const struct og_pskc_cred *psk_cred(const char *hex)
{
	static unsigned char psk[32];
	static struct og_pskc_cred c;
	int n = og_hex_decode(hex, psk, sizeof(psk));

	assert_true(n > 0);
	memset(&c, 0, sizeof(c));
	c.psk = psk;
	c.psklen = (size_t)n;
	return &c;
}

static const struct og_pskc_cred *password_cred(const char *password)
{
	static struct og_pskc_cred c;

	memset(&c, 0, sizeof(c));
	c.password = password;
	c.passlen = strlen(password);
	return &c;
}

/* The NIST SP 800-38A keys tests/pskc/make-fixtures encrypted with, and its password. */
#define PSK128 "2b7e151628aed2a6abf7158809cf4f3c"
#define PSK192 "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b"
#define PSK256 "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"
#define FIXTURE_PASSWORD "vendor passphrase 2024"

/* Parses path expecting success; the keys into f. */
static void read_ok(const char *path, const struct og_pskc_cred *cred, struct og_pskc_file *f)
{
	char err[512] = "";

	if (og_pskc_read(path, cred, f, err, sizeof(err)) != 0)
		fail_msg("%s: %s", path, err);
	assert_string_equal(err, "");
	assert_true(f->n > 0);
}

/* Runs og_pskc_read expecting failure, no keys, and want in the one-line error. */
static void expect_fail_cred(const char *path, const struct og_pskc_cred *cred, const char *want)
{
	struct og_pskc_file f = { 99, (struct og_pskc_key *)&f };
	char err[512];

	memset(err, 'X', sizeof(err));
	assert_int_equal(og_pskc_read(path, cred, &f, err, sizeof(err)), -1);
	assert_int_equal(f.n, 0);
	assert_null(f.keys);
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

/* The same with a pre-shared key of psklen bytes (psk NULL: none). */
static void expect_fail(const char *path, const unsigned char *psk, size_t psklen,
			const char *want)
{
	struct og_pskc_cred c;

	memset(&c, 0, sizeof(c));
	c.psk = psk;
	c.psklen = psklen;
	expect_fail_cred(path, &c, want);
}

static void test_plain_totp_rfc_figure(void **state)
{
	const char *path = put("plain.xml", PLAIN_TOTP);
	struct og_pskc_file f;
	const struct og_pskc_key *k;

	(void)state;
	read_ok(path, NULL, &f);
	assert_int_equal(f.n, 1);
	k = &f.keys[0];
	assert_string_equal(k->serial, "987654321");
	assert_string_equal(k->device_serial, "987654321");
	assert_string_equal(k->key_id, "12345678");
	assert_int_equal(k->kind, OG_PSKC_TOTP);
	assert_int_equal(k->params.otp_kind, OG_OTP_TOTP);
	assert_string_equal(k->algorithm, "urn:ietf:params:xml:ns:keyprov:pskc:totp");
	assert_int_equal(k->params.algo, OG_SHA1);
	assert_int_equal(k->params.digits, 8);
	assert_int_equal(k->params.period, 30);
	assert_int_equal(k->params.t0, 0);
	assert_true(k->has_time);
	assert_int_equal(k->time, 0);
	assert_int_equal(k->drift, 0);
	assert_int_equal(k->secret_len, strlen(RFC_SECRET));
	assert_memory_equal(k->secret, RFC_SECRET, strlen(RFC_SECRET));
	assert_int_equal(k->line, key_line(PLAIN_TOTP));
	og_pskc_free(&f);
	assert_int_equal(f.n, 0);
	assert_null(f.keys);
}

/*
 * RFC 6030 section 4.3.4: Time is the token's time (or the number of time
 * intervals passed) when the file was written, not T0. It was read as T0,
 * which moved every code of a key exported with Time 1000 by 1000 seconds.
 */
static void test_plain_two_keys_params(void **state)
{
	const char *path = put("two.xml", PLAIN_TWO);
	struct og_pskc_file f;

	(void)state;
	read_ok(path, NULL, &f);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.keys[0].serial, "TOK-0001");	/* no DeviceInfo: the Id */
	assert_string_equal(f.keys[0].device_serial, "");
	assert_int_equal(f.keys[0].params.algo, OG_SHA256);
	assert_int_equal(f.keys[0].params.digits, 6);
	assert_int_equal(f.keys[0].params.period, 60);
	assert_int_equal(f.keys[0].params.t0, 0);
	assert_true(f.keys[0].has_time);
	assert_int_equal(f.keys[0].time, 1000);
	assert_int_equal(f.keys[0].secret_len, 32);
	assert_memory_equal(f.keys[0].secret, "12345678901234567890123456789012", 32);
	assert_string_equal(f.keys[1].serial, "SN-2");
	assert_int_equal(f.keys[1].params.algo, OG_SHA512);
	assert_int_equal(f.keys[1].params.digits, 8);
	assert_int_equal(f.keys[1].params.period, 30);
	assert_false(f.keys[1].has_time);
	assert_int_equal(f.keys[1].secret_len, 20);
	assert_memory_equal(f.keys[1].secret, RFC_SECRET, 20);
	assert_int_equal(f.keys[1].line,
			 tag_line(PLAIN_TWO, strstr(PLAIN_TWO, "<pskc:Key Id=\"ignored\"")));
	og_pskc_free(&f);
}

static void test_encrypted_rfc_figure(void **state)
{
	struct og_pskc_file f;
	unsigned char psk[16];
	struct og_pskc_cred c = { psk, sizeof(psk), NULL, 0 };

	(void)state;
	rfc_psk(psk);
	read_ok(put("enc.xml", ENC_TOTP), &c, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.keys[0].serial, "987654321");
	assert_int_equal(f.keys[0].params.digits, 8);
	assert_int_equal(f.keys[0].params.algo, OG_SHA1);
	assert_int_equal(f.keys[0].secret_len, strlen(RFC_SECRET));
	assert_memory_equal(f.keys[0].secret, RFC_SECRET, strlen(RFC_SECRET));
	og_pskc_free(&f);
}

/* RFC 6030 figure 6 as written: an HOTP key, returned whole with its counter. */
static void test_rfc_hotp_returned(void **state)
{
	struct og_pskc_file f;
	unsigned char psk[16];
	struct og_pskc_cred c = { psk, sizeof(psk), NULL, 0 };

	(void)state;
	rfc_psk(psk);
	read_ok(put("hotp.xml", ENC_RFC_HOTP), &c, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.keys[0].kind, OG_PSKC_HOTP);
	assert_string_equal(f.keys[0].algorithm, "urn:ietf:params:xml:ns:keyprov:pskc:hotp");
	assert_int_equal(f.keys[0].counter, 0);
	assert_int_equal(f.keys[0].params.digits, 8);
	assert_int_equal(f.keys[0].params.otp_kind, OG_OTP_HOTP);
	assert_true(og_otp_params_ok(&f.keys[0].params));
	assert_memory_equal(f.keys[0].secret, RFC_SECRET, strlen(RFC_SECRET));
	og_pskc_free(&f);
	/* a counter of the file's own: the HOTP token's next code */
	read_ok(put("fig5.xml", RFC_FIG5), NULL, &f);
	assert_int_equal(f.keys[0].kind, OG_PSKC_HOTP);
	assert_int_equal(f.keys[0].params.otp_kind, OG_OTP_HOTP);
	assert_int_equal(f.keys[0].counter, 0);
	og_pskc_free(&f);
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
	unsigned char psk[32];

	(void)state;
	rfc_psk(psk);
	expect_fail(put("enc.xml", ENC_TOTP), NULL, 0, "give the pre-shared key (--psk");
	expect_fail_cred(put("enc.xml", ENC_TOTP), password_cred("qwerty"),
			 "encrypted with a pre-shared key: give the pre-shared key");
	expect_fail(put("enc.xml", ENC_TOTP), psk, 8,
		    "the pre-shared key is 64 bits; the file's aes128-cbc needs 128 bits");
	/* a 256-bit key for an aes128-cbc file: its length named, not tried */
	expect_fail(put("enc.xml", ENC_TOTP), psk, 32,
		    "the pre-shared key is 256 bits; the file's aes128-cbc needs 128 bits");
}

/* Builds PLAIN_TOTP with one substring replaced. */
static const char *variant_of(const char *base, const char *name, const char *from,
			      const char *to)
{
	static char text[16384];
	const char *at = strstr(base, from);
	int n;

	assert_non_null(at);
	n = snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - base), base, to,
		     at + strlen(from));
	assert_true(n > 0 && (size_t)n < sizeof(text));
	return put(name, text);
}

static const char *variant(const char *name, const char *from, const char *to)
{
	return variant_of(PLAIN_TOTP, name, from, to);
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

/* Version 1.0 only, by name; a file without one is refused too. */
static void test_version(void **state)
{
	(void)state;
	expect_fail(variant("v2.xml", "Version=\"1.0\"", "Version=\"2.0\""), NULL, 0,
		    ":4: PSKC Version '2.0' is not supported (only 1.0)");
	expect_fail(variant("v11.xml", "Version=\"1.0\"", "Version=\"1.1\""), NULL, 0,
		    "PSKC Version '1.1' is not supported");
	expect_fail(variant("v1.xml", "Version=\"1.0\"", "Version=\"1\""), NULL, 0,
		    "PSKC Version '1' is not supported");
	expect_fail(variant("nov.xml", "Version=\"1.0\"", ""), NULL, 0,
		    "KeyContainer has no Version");
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
	/* what the file says is quoted on one line, its control bytes as '?' (found
	 * by fuzz/fuzz_pskc.c: a DEL in the Algorithm) */
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
	/* integers: not numbers, out of range, both forms or neither */
	expect_fail(variant("t.xml", "<PlainValue>0</PlainValue>", "<PlainValue>x1</PlainValue>"),
		    NULL, 0, "Time 'x1' is not a number from 0 to 2147483647");
	expect_fail(variant("t.xml", "<PlainValue>0</PlainValue>", "<PlainValue>-5</PlainValue>"),
		    NULL, 0, "Time '-5' is not a number from 0");
	expect_fail(variant("dr.xml", "<Time>", "<TimeDrift><PlainValue>2147483648</PlainValue>"
			    "</TimeDrift><Time>"), NULL, 0,
		    "TimeDrift '2147483648' is not a number from -2147483648 to 2147483647");
	expect_fail(variant("c.xml", "<Time>", "<Counter><PlainValue>-1</PlainValue></Counter>"
			    "<Time>"), NULL, 0, "Counter '-1' is not a number from 0");
	expect_fail(variant("two.xml", "<PlainValue>0</PlainValue>", "<PlainValue>0</PlainValue>"
			    "<EncryptedValue/>"), NULL, 0,
		    "Time must hold exactly one of PlainValue and EncryptedValue");
}

/* Keys of other algorithms, or none, are named and not read. */
static void test_other_algorithms_named(void **state)
{
	struct og_pskc_file f;

	(void)state;
	read_ok(variant("alg.xml", "pskc:totp", "pskc:pin"), NULL, &f);
	assert_int_equal(f.keys[0].kind, OG_PSKC_OTHER);
	assert_string_equal(f.keys[0].algorithm, "urn:ietf:params:xml:ns:keyprov:pskc:pin");
	assert_int_equal(f.keys[0].secret_len, 0);
	og_pskc_free(&f);
	/* its data is not read: an OCRA key with a 4-byte secret and 4 digits is fine */
	read_ok(variant("ocra.xml", "pskc:totp\">", "pskc#OCRA-1:HOTP-SHA1-6:QN08\">"),
		NULL, &f);
	assert_int_equal(f.keys[0].kind, OG_PSKC_OTHER);
	og_pskc_free(&f);
	read_ok(variant("noalg.xml", "\n            Algorithm=\"urn:ietf:params:xml:ns:keyprov:"
			"pskc:totp\"", ""), NULL, &f);
	assert_int_equal(f.keys[0].kind, OG_PSKC_OTHER);
	assert_string_equal(f.keys[0].algorithm, "");
	og_pskc_free(&f);
	/* what the file says is kept on one line, bounded (found by fuzz/fuzz_pskc.c: a DEL) */
	read_ok(variant("del.xml", "pskc:totp", "pskc:t\x7ftp"), NULL, &f);
	assert_string_equal(f.keys[0].algorithm, "urn:ietf:params:xml:ns:keyprov:pskc:t?tp");
	og_pskc_free(&f);
	{
		char alg[400], from[301];

		memset(from, 'a', 300);
		from[300] = '\0';
		snprintf(alg, sizeof(alg), "x:%s\">", from);
		read_ok(variant("longalg.xml", "urn:ietf:params:xml:ns:keyprov:pskc:totp\">", alg),
			NULL, &f);
		assert_int_equal(strlen(f.keys[0].algorithm), OG_PSKC_ALG_MAX);
		assert_string_equal(f.keys[0].algorithm + OG_PSKC_ALG_MAX - 3, "...");
		og_pskc_free(&f);
	}
}

/* RFC 6030 figure 5: a device with two keys; each its own serial. */
static void test_rfc_figure5_two_keys_one_device(void **state)
{
	struct og_pskc_file f;

	(void)state;
	read_ok(put("fig5.xml", RFC_FIG5), NULL, &f);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.keys[0].serial, "987654321-12345678");
	assert_string_equal(f.keys[0].device_serial, "987654321");
	assert_string_equal(f.keys[0].key_id, "12345678");
	assert_int_equal(f.keys[0].kind, OG_PSKC_HOTP);
	assert_string_equal(f.keys[1].serial, "987654321-123456781");
	assert_int_equal(f.keys[1].kind, OG_PSKC_OTHER);
	assert_string_equal(f.keys[1].algorithm, "urn:ietf:params:xml:ns:keyprov:pskc:pin");
	og_pskc_free(&f);
}

/* RFC 6030 figure 10: a device of two keys among devices of one. */
static void test_rfc_figure10_bulk(void **state)
{
	struct og_pskc_file f;

	(void)state;
	read_ok(put("fig10.xml", RFC_FIG10), NULL, &f);
	assert_int_equal(f.n, 4);
	assert_string_equal(f.keys[0].serial, "654321");
	assert_string_equal(f.keys[1].serial, "123456");
	assert_string_equal(f.keys[2].serial, "9999999-3");
	assert_string_equal(f.keys[3].serial, "9999999-4");
	for (size_t i = 0; i < f.n; i++) {
		assert_int_equal(f.keys[i].kind, OG_PSKC_HOTP);
		assert_memory_equal(f.keys[i].secret, RFC_SECRET, 20);
	}
	og_pskc_free(&f);
}

/* RFC 6030 figure 7 (section 6.2): PBKDF2 from the password "qwerty". */
static void test_rfc_figure7_password(void **state)
{
	const char *path = put("fig7.xml", RFC_FIG7);
	unsigned char psk[16];
	struct og_pskc_file f;
	char want[128];

	(void)state;
	read_ok(path, password_cred("qwerty"), &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.keys[0].serial, "987654321");
	assert_int_equal(f.keys[0].kind, OG_PSKC_HOTP);
	assert_int_equal(f.keys[0].secret_len, 20);
	assert_memory_equal(f.keys[0].secret, RFC_SECRET, 20);
	og_pskc_free(&f);
	snprintf(want, sizeof(want), ":%ld: ValueMAC does not match: wrong password",
		 tag_line(RFC_FIG7, strstr(RFC_FIG7, "<pskc:Key ")));
	expect_fail_cred(path, password_cred("qwertz"), want);
	expect_fail_cred(path, NULL, "derived from a password (PBKDF2): give the password");
	rfc_psk(psk);
	expect_fail(path, psk, sizeof(psk), "derived from a password (PBKDF2): give the password");
	/* the derivation's parameters, checked by name */
	expect_fail_cred(variant_of(RFC_FIG7, "it.xml", "1000</", "0</"), password_cred("qwerty"),
			 "PBKDF2 IterationCount '0' is not a number from 1 to 2000000");
	expect_fail_cred(variant_of(RFC_FIG7, "it.xml", "1000</", "2000001</"),
			 password_cred("qwerty"), "IterationCount '2000001'");
	expect_fail_cred(variant_of(RFC_FIG7, "kl.xml", "<KeyLength>16", "<KeyLength>32"),
			 password_cred("qwerty"), "the PBKDF2 KeyLength 32 does not fit");
	expect_fail_cred(variant_of(RFC_FIG7, "kl.xml", "<KeyLength>16", "<KeyLength>20"),
			 password_cred("qwerty"), "PBKDF2 KeyLength '20' is not 16, 24 or 32");
	expect_fail_cred(variant_of(RFC_FIG7, "prf.xml", "<PRF/>", "<PRF Algorithm="
				    "\"http://www.w3.org/2001/04/xmldsig-more#hmac-md5\"/>"),
			 password_cred("qwerty"), "PBKDF2 PRF 'http://www.w3.org/2001/04/"
			 "xmldsig-more#hmac-md5' is not supported");
	/* another PRF changes the key: the MAC then does not match */
	expect_fail_cred(variant_of(RFC_FIG7, "prf.xml", "<PRF/>", "<PRF Algorithm="
				    "\"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256\"/>"),
			 password_cred("qwerty"), "ValueMAC does not match: wrong password");
	expect_fail_cred(variant_of(RFC_FIG7, "kdf.xml", "pkcs-5v2-0#pbkdf2\"", "pkcs-5v2-0#"
				    "scrypt\""), password_cred("qwerty"),
			 "key derivation 'http://www.rsasecurity.com/rsalabs/pkcs/schemas/"
			 "pkcs-5v2-0#scrypt' is not supported (only PBKDF2)");
	expect_fail_cred(variant_of(RFC_FIG7, "salt.xml", "<Specified>Ej7/PEpyEpw=</Specified>",
				    "<OtherSource/>"), password_cred("qwerty"),
			 "PBKDF2-params has no Salt/Specified");
}

/* RFC 6030 figure 8 (section 6.3): a public key's encryption, refused by name. */
static void test_rfc_figure8_refused(void **state)
{
	char want[160];

	(void)state;
	snprintf(want, sizeof(want), ":%ld: encryption with a public key (ds:X509Data, RFC 6030 "
		 "section 6.3) is not supported", tag_line(RFC_FIG8, strstr(RFC_FIG8,
									  "<EncryptionKey>")));
	expect_fail(put("fig8.xml", RFC_FIG8), NULL, 0, want);
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
	struct og_pskc_file f;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, PLAIN_TWO, len);
	assert_int_equal(og_pskc_read_mem("vendor.xml", buf, len, NULL, &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.keys[0].serial, "TOK-0001");
	assert_string_equal(f.keys[1].serial, "SN-2");
	assert_memory_equal(f.keys[1].secret, RFC_SECRET, 20);
	og_pskc_free(&f);
	/* cut short: not well-formed, named as the caller said */
	assert_int_equal(og_pskc_read_mem("vendor.xml", buf, len / 2, NULL, &f, err,
					  sizeof(err)), -1);
	assert_int_equal(f.n, 0);
	assert_int_equal(strncmp(err, "vendor.xml:", 11), 0);
	assert_non_null(strstr(err, "not well-formed XML"));
	free(buf);
	/* the file limit holds for memory too */
	big = calloc(1, (size_t)OG_PSKC_FILE_MAX + 1);
	assert_non_null(big);
	assert_int_equal(og_pskc_read_mem("big.xml", big, (size_t)OG_PSKC_FILE_MAX + 1, NULL, &f,
					  err, sizeof(err)), -1);
	assert_string_equal(err, "big.xml: file is larger than 64 MiB");
	free(big);
}

/* The first n bytes of SHA-512("otpgate-fixture:" SEED): make-fixtures' secrets. */
static void fixture_secret(const char *seed, size_t n, unsigned char *out)
{
	unsigned char md[64];
	char text[128];

	snprintf(text, sizeof(text), "otpgate-fixture:%s", seed);
	assert_int_equal(EVP_Digest(text, strlen(text), md, NULL, EVP_sha512(), NULL), 1);
	assert_true(n <= sizeof(md));
	memcpy(out, md, n);
}

struct want {
	const char *serial;
	enum og_pskc_kind kind;
	size_t secret_len;
	enum og_algo algo;
	int digits, period;
	int64_t counter, drift;
	int has_time;
	int64_t time;
};

/* Checks the keys of f, in order, against want (n of them). */
static void check_keys(const struct og_pskc_file *f, const struct want *want, size_t n)
{
	unsigned char secret[64];

	assert_int_equal(f->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct og_pskc_key *k = &f->keys[i];
		const struct want *w = &want[i];

		assert_string_equal(k->serial, w->serial);
		assert_int_equal(k->kind, w->kind);
		assert_true(k->line > 0);
		if (w->kind == OG_PSKC_OTHER) {
			assert_int_equal(k->secret_len, 0);
			continue;
		}
		fixture_secret(w->serial, w->secret_len, secret);
		assert_int_equal(k->secret_len, w->secret_len);
		assert_memory_equal(k->secret, secret, w->secret_len);
		assert_int_equal(k->params.algo, w->algo);
		assert_int_equal(k->params.digits, w->digits);
		assert_int_equal(k->params.period, w->period);
		assert_int_equal(k->params.t0, 0);
		assert_int_equal(k->counter, w->counter);
		assert_int_equal(k->drift, w->drift);
		assert_int_equal(k->has_time, w->has_time);
		assert_int_equal(k->time, w->time);
	}
}

/* A hardware vendor's delivery: TOTP of 60 s and 30 s, HOTP, OCRA, SecurID. */
static void test_vendor_mixed(void **state)
{
	static const struct want want[] = {
		{ "MX-T60-0001", OG_PSKC_TOTP, 20, OG_SHA1, 6, 60, 0, 0, 1, 0 },
		{ "MX-T30-0002", OG_PSKC_TOTP, 20, OG_SHA1, 8, 30, 0, 0, 1, 0 },
		{ "MX-H-0003", OG_PSKC_HOTP, 20, OG_SHA1, 6, 30, 7, 0, 0, 0 },
		{ "MX-OCRA-0004", OG_PSKC_OTHER, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ "MX-SID-0005", OG_PSKC_OTHER, 0, 0, 0, 0, 0, 0, 0, 0 },
	};
	struct og_pskc_file f;

	(void)state;
	read_ok(fixture("vendor-mixed-aes128.xml"), psk_cred(PSK128), &f);
	check_keys(&f, want, TH_ARRAY_LEN(want));
	assert_string_equal(f.keys[3].algorithm,
			    "urn:ietf:params:xml:ns:keyprov:pskc#OCRA-1:HOTP-SHA1-6:QN08");
	assert_string_equal(f.keys[4].algorithm, "http://www.rsa.com/rsalabs/otps/schemas/"
			    "2005/09/otps-wst#SecurID-AES-Counter");
	og_pskc_free(&f);
	expect_fail_cred(fixture("vendor-mixed-aes128.xml"), psk_cred(PSK256),
			 "the pre-shared key is 256 bits; the file's aes128-cbc needs 128 bits");
	expect_fail_cred(fixture("vendor-mixed-aes128.xml"),
			 psk_cred("00000000000000000000000000000000"),
			 "ValueMAC does not match: wrong pre-shared key");
}

/*
 * Another OTP server's export: SHA-256 and SHA-512 keys of 32 and 64 bytes,
 * every value encrypted (TimeInterval, Time, TimeDrift, Counter),
 * AES-256-CBC and HMAC-SHA256.
 */
static void test_vendor_sha2_encrypted_values(void **state)
{
	static const struct want want[] = {
		{ "S2-SHA256-0001", OG_PSKC_TOTP, 32, OG_SHA256, 8, 60, 0, 0, 1, 0 },
		{ "S2-SHA512-0002", OG_PSKC_TOTP, 64, OG_SHA512, 6, 30, 0, 2, 1, 56000000 },
		{ "S2-HOTP-0003", OG_PSKC_HOTP, 32, OG_SHA256, 6, 30, 1000, 0, 0, 0 },
	};
	struct og_pskc_file f;

	(void)state;
	read_ok(fixture("vendor-sha2-aes256.xml"), psk_cred(PSK256), &f);
	check_keys(&f, want, TH_ARRAY_LEN(want));
	og_pskc_free(&f);
	expect_fail_cred(fixture("vendor-sha2-aes256.xml"), psk_cred(PSK128),
			 "the pre-shared key is 128 bits; the file's aes256-cbc needs 256 bits");
}

/* AES-192-CBC, HMAC-SHA512, a TimeDrift of -2 encrypted as its decimal text. */
static void test_vendor_drift_text(void **state)
{
	static const struct want want[] = {
		{ "DT-0001", OG_PSKC_TOTP, 20, OG_SHA1, 6, 30, 0, -2, 0, 0 },
	};
	struct og_pskc_file f;

	(void)state;
	read_ok(fixture("vendor-drift-aes192.xml"), psk_cred(PSK192), &f);
	check_keys(&f, want, TH_ARRAY_LEN(want));
	og_pskc_free(&f);
}

/* RFC 3394 key wrap with 128-, 192- and 256-bit keys (and RFC 5649 padding). */
static void test_vendor_key_wrap(void **state)
{
	static const struct want w128[] = {
		{ "KW128-0001", OG_PSKC_TOTP, 32, OG_SHA256, 6, 30, 0, 0, 0, 0 },
		{ "KW128-0002", OG_PSKC_TOTP, 20, OG_SHA1, 6, 30, 0, 0, 0, 0 },
	};
	static const struct want w192[] = {
		{ "KW192-0001", OG_PSKC_TOTP, 32, OG_SHA256, 6, 30, 0, 0, 0, 0 },
	};
	static const struct want w256[] = {
		{ "KW256-0001", OG_PSKC_TOTP, 32, OG_SHA256, 6, 30, 0, 0, 0, 0 },
	};
	struct og_pskc_file f;

	(void)state;
	read_ok(fixture("vendor-kw-aes128.xml"), psk_cred(PSK128), &f);
	check_keys(&f, w128, TH_ARRAY_LEN(w128));
	og_pskc_free(&f);
	read_ok(fixture("vendor-kw-aes192.xml"), psk_cred(PSK192), &f);
	check_keys(&f, w192, TH_ARRAY_LEN(w192));
	og_pskc_free(&f);
	read_ok(fixture("vendor-kw-aes256.xml"), psk_cred(PSK256), &f);
	check_keys(&f, w256, TH_ARRAY_LEN(w256));
	og_pskc_free(&f);
	/* no MAC: the wrap's own check names a wrong key */
	expect_fail_cred(fixture("vendor-kw-aes256.xml"), psk_cred("603deb1015ca71be2b73aef0857d"
								    "77811f352c073b6108d72d9810a3"
								    "0914dff5"),
			 "Secret does not unwrap: wrong pre-shared key or a damaged file");
	/* with a MAC, its wrapped MACKey does */
	expect_fail_cred(fixture("vendor-kw-aes128.xml"),
			 psk_cred("2b7e151628aed2a6abf7158809cf4f3d"),
			 "ValueMAC does not match: wrong pre-shared key");
	expect_fail_cred(fixture("vendor-kw-aes192.xml"), psk_cred(PSK128),
			 "the pre-shared key is 128 bits; the file's kw-aes192 needs 192 bits");
}

static void test_vendor_password(void **state)
{
	static const struct want want[] = {
		{ "PW-T-0001", OG_PSKC_TOTP, 20, OG_SHA1, 6, 30, 0, 0, 1, 0 },
		{ "PW-H-0002", OG_PSKC_HOTP, 20, OG_SHA1, 6, 30, 3, 0, 0, 0 },
	};
	struct og_pskc_file f;

	(void)state;
	read_ok(fixture("vendor-pbkdf2-aes256.xml"), password_cred(FIXTURE_PASSWORD), &f);
	check_keys(&f, want, TH_ARRAY_LEN(want));
	og_pskc_free(&f);
	expect_fail_cred(fixture("vendor-pbkdf2-aes256.xml"), password_cred("vendor passphrase"),
			 "ValueMAC does not match: wrong password or a damaged file");
}

/* Two keys of a device (two KeyPackages, or one with two Keys); a TimeDrift of -122. */
static void test_vendor_two_keys(void **state)
{
	static const struct want want[] = {
		{ "DUO-7-1", OG_PSKC_TOTP, 20, OG_SHA1, 6, 30, 0, 0, 0, 0 },
		{ "DUO-7-2", OG_PSKC_TOTP, 20, OG_SHA1, 8, 60, 0, 0, 0, 0 },
		{ "PAIR-9-A", OG_PSKC_TOTP, 20, OG_SHA1, 6, 30, 0, 0, 0, 0 },
		{ "PAIR-9-B", OG_PSKC_TOTP, 20, OG_SHA1, 6, 30, 0, 0, 0, 0 },
		{ "SOLO-3", OG_PSKC_TOTP, 20, OG_SHA1, 6, 30, 0, -122, 0, 0 },
	};
	struct og_pskc_file f;

	(void)state;
	read_ok(fixture("vendor-two-keys.xml"), psk_cred(PSK128), &f);
	check_keys(&f, want, TH_ARRAY_LEN(want));
	assert_string_equal(f.keys[0].device_serial, "DUO-7");
	assert_string_equal(f.keys[0].key_id, "1");
	assert_string_equal(f.keys[3].key_id, "B");
	og_pskc_free(&f);
}

/* Time is read and kept, not taken for T0; TimeDrift -122 is kept as it is. */
static void test_vendor_plain_time_drift(void **state)
{
	static const struct want want[] = {
		{ "TM-0001", OG_PSKC_TOTP, 20, OG_SHA1, 6, 30, 0, 0, 1, 56666666 },
		{ "TD-0002", OG_PSKC_TOTP, 20, OG_SHA1, 6, 30, 0, -122, 0, 0 },
	};
	struct og_pskc_file f;

	(void)state;
	read_ok(fixture("vendor-plain-time-drift.xml"), NULL, &f);
	check_keys(&f, want, TH_ARRAY_LEN(want));
	og_pskc_free(&f);
}

/* Older exports: no MACKey (the encryption key MACs), HMAC-SHA1 by its other URI. */
static void test_vendor_old_macs(void **state)
{
	static const struct want old[] = {
		{ "OLD-0001", OG_PSKC_TOTP, 20, OG_SHA1, 6, 30, 0, 0, 0, 0 },
	};
	static const struct want more[] = {
		{ "MORE-0001", OG_PSKC_TOTP, 20, OG_SHA1, 6, 30, 0, 0, 0, 0 },
	};
	struct og_pskc_file f;

	(void)state;
	read_ok(fixture("vendor-no-mackey.xml"), psk_cred(PSK128), &f);
	check_keys(&f, old, TH_ARRAY_LEN(old));
	og_pskc_free(&f);
	expect_fail_cred(fixture("vendor-no-mackey.xml"), psk_cred(PSK192 "0000000000000000"),
			 "the pre-shared key is 256 bits");
	expect_fail_cred(fixture("vendor-no-mackey.xml"),
			 psk_cred("2b7e151628aed2a6abf7158809cf4f3d"),
			 "ValueMAC does not match: wrong pre-shared key");
	read_ok(fixture("vendor-hmac-sha1-more.xml"), psk_cred(PSK128), &f);
	check_keys(&f, more, TH_ARRAY_LEN(more));
	og_pskc_free(&f);
}

/*
 * Encrypted integers and ciphers, MACs the tests build themselves: the RFC
 * figure 6 container (its pre-shared key and MAC key) with a TOTP key
 * whose TimeInterval is encrypted from the bytes given.
 */
static const unsigned char RFC_MACKEY[] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0x00,
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0x00,
};

/* An EncryptedValue (aes128-cbc, IV of zeros) of plain and its ValueMAC into xml. */
static void enc_value(const unsigned char *plain, size_t len, int with_mac, char *xml,
		      size_t cap)
{
	unsigned char psk[16], blob[96] = { 0 }, mac[20];
	unsigned char b64c[160], b64m[40];
	unsigned int maclen = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;

	rfc_psk(psk);
	assert_non_null(ctx);
	assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, psk, blob), 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, blob + 16, &n, plain, (int)len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, blob + 16 + n, &m), 1);
	EVP_CIPHER_CTX_free(ctx);
	n += 16 + m;
	assert_non_null(HMAC(EVP_sha1(), RFC_MACKEY, sizeof(RFC_MACKEY), blob, (size_t)n, mac,
			     &maclen));
	EVP_EncodeBlock(b64c, blob, n);
	EVP_EncodeBlock(b64m, mac, (int)maclen);
	snprintf(xml, cap, "<EncryptedValue><xenc:EncryptionMethod Algorithm=\"http://www.w3.org/"
		 "2001/04/xmlenc#aes128-cbc\"/><xenc:CipherData><xenc:CipherValue>%s"
		 "</xenc:CipherValue></xenc:CipherData></EncryptedValue>%s%s%s", b64c,
		 with_mac ? "<ValueMAC>" : "", with_mac ? (char *)b64m : "",
		 with_mac ? "</ValueMAC>" : "");
}

/* ENC_TOTP with an encrypted TimeInterval of plain (len bytes). */
static const char *enc_interval(const char *name, const void *plain, size_t len, int with_mac)
{
	char xml[512], ti[600];

	enc_value(plain, len, with_mac, xml, sizeof(xml));
	snprintf(ti, sizeof(ti), "<TimeInterval>%s</TimeInterval>\n                <Counter>", xml);
	return variant_of(ENC_TOTP, name, "<Counter>", ti);
}

static void test_encrypted_integers(void **state)
{
	unsigned char psk[16];
	struct og_pskc_cred c = { psk, sizeof(psk), NULL, 0 };
	struct og_pskc_file f;
	char want[128];

	(void)state;
	rfc_psk(psk);
	/* big-endian bytes (as python-pskc writes them), or decimal text */
	read_ok(enc_interval("ti.xml", "\x3c", 1, 1), &c, &f);
	assert_int_equal(f.keys[0].params.period, 60);
	og_pskc_free(&f);
	read_ok(enc_interval("ti.xml", "\x00\x00\x00\x1e", 4, 1), &c, &f);
	assert_int_equal(f.keys[0].params.period, 30);
	og_pskc_free(&f);
	read_ok(enc_interval("ti.xml", "60", 2, 1), &c, &f);
	assert_int_equal(f.keys[0].params.period, 60);
	og_pskc_free(&f);
	/* too long to be a number, nothing at all, a sign with no digits */
	expect_fail_cred(enc_interval("ti.xml", "\x00\x00\x00\x00\x00\x00\x00\x00\x3c", 9, 1), &c,
			 "encrypted TimeInterval (9 bytes) is not a number from 1 to 2147483647");
	expect_fail_cred(enc_interval("ti.xml", "", 0, 1), &c, "encrypted TimeInterval (0 bytes)");
	expect_fail_cred(enc_interval("ti.xml", "\x01\x00\x00\x00\x00", 5, 1), &c,
			 "encrypted TimeInterval (5 bytes) is not a number");
	expect_fail_cred(enc_interval("ti.xml", "-", 1, 1), &c, "TimeInterval 45 is not 30 or 60");
	/* encrypted values are checked like the secret: no MAC, a wrong MAC */
	expect_fail_cred(enc_interval("ti.xml", "\x3c", 1, 0), &c,
			 "encrypted TimeInterval has no ValueMAC (an unauthenticated CBC value "
			 "is refused)");
	{
		const char *path = enc_interval("ti.xml", "\x3c", 1, 1);
		char text[8192], *mac;

		assert_true(th_read_file(path, text, sizeof(text)) > 0);
		mac = strstr(strstr(text, "<TimeInterval>"), "<ValueMAC>") + 10;
		*mac = *mac == 'A' ? 'B' : 'A';
		snprintf(want, sizeof(want), ":%ld: ValueMAC does not match: wrong pre-shared key",
			 key_line(text));
		expect_fail_cred(put("ti.xml", text), &c, want);
	}
}

static void test_ciphers_and_macs_refused(void **state)
{
	unsigned char psk[16];
	struct og_pskc_cred c = { psk, sizeof(psk), NULL, 0 };

	(void)state;
	rfc_psk(psk);
	expect_fail_cred(variant_of(ENC_TOTP, "3des.xml", "#aes128-cbc\"/>\n                        "
				    "<xenc:CipherData>", "#tripledes-cbc\"/><xenc:CipherData>"), &c,
			 "Secret: encryption 'http://www.w3.org/2001/04/xmlenc#tripledes-cbc' is "
			 "not supported (aes128-cbc, aes192-cbc, aes256-cbc, kw-aes128");
	expect_fail_cred(variant_of(ENC_TOTP, "md5.xml", "2000/09/xmldsig#hmac-sha1",
				    "2001/04/xmldsig-more#hmac-md5"), &c,
			 "MACMethod 'http://www.w3.org/2001/04/xmldsig-more#hmac-md5' is not "
			 "supported (HMAC-SHA1, -SHA224, -SHA256, -SHA384 or -SHA512)");
	/* the same MAC by another hash does not match */
	expect_fail_cred(variant_of(ENC_TOTP, "sha256.xml", "2000/09/xmldsig#hmac-sha1",
				    "2001/04/xmldsig-more#hmac-sha256"), &c,
			 "ValueMAC does not match");
	expect_fail_cred(variant_of(ENC_TOTP, "nomm.xml", "<MACMethod", "<MACMethodX"), &c,
			 "not well-formed");
	{
		const char *head_end = strstr(ENC_TOTP, "    <KeyPackage>");
		char text[8192];

		/* no MACMethod at all, the ValueMAC left with nothing to check it by */
		snprintf(text, sizeof(text), "%.*s%s",
			 (int)(strstr(ENC_TOTP, "    <MACMethod") - ENC_TOTP), ENC_TOTP, head_end);
		expect_fail_cred(put("nomac.xml", text), &c,
				 "the file has a ValueMAC but no MACMethod");
	}
}

/* A plain TOTP key with this SerialNo and Key Id, as a KeyPackage. */
static void package(char *out, size_t cap, const char *serial, const char *id)
{
	char dev[200] = "";

	if (serial != NULL)
		snprintf(dev, sizeof(dev), "<DeviceInfo><SerialNo>%s</SerialNo></DeviceInfo>", serial);
	snprintf(out, cap, "<KeyPackage>%s<Key%s%s%s Algorithm=\"urn:ietf:params:xml:ns:keyprov:"
		 "pskc:totp\"><AlgorithmParameters><ResponseFormat Length=\"6\"/>"
		 "</AlgorithmParameters><Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="
		 "</PlainValue></Secret></Data></Key></KeyPackage>\n", dev, id ? " Id=\"" : "",
		 id ? id : "", id ? "\"" : "");
}

/* A container of the packages given as SerialNo, Id pairs (NULL: none), n of them. */
static const char *packages(const char *name, const char *const *pairs, size_t n)
{
	static char text[16384];
	char pkg[1024];
	size_t len;

	len = (size_t)snprintf(text, sizeof(text), HEAD "<KeyContainer Version=\"1.0\" "
			       "xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n");
	for (size_t i = 0; i < n; i++) {
		package(pkg, sizeof(pkg), pairs[2 * i], pairs[2 * i + 1]);
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s", pkg);
	}
	snprintf(text + len, sizeof(text) - len, "</KeyContainer>\n");
	return put(name, text);
}

static void test_serials(void **state)
{
	char s64[65], s60[61], s63[64];
	struct og_pskc_file f;

	(void)state;
	memset(s64, 'S', 64);
	s64[64] = '\0';
	memset(s60, 'S', 60);
	s60[60] = '\0';
	memset(s63, 'S', 63);
	s63[63] = '\0';
	{	/* a 64-character serial of a device of one key: the limit */
		const char *p[] = { s64, "1" };

		read_ok(packages("s64.xml", p, 1), NULL, &f);
		assert_string_equal(f.keys[0].serial, s64);
		og_pskc_free(&f);
	}
	{	/* two keys of a 60-character serial: 60 + '-' + 3 = 64 fits */
		const char *p[] = { s60, "ABC", s60, "ABD" };

		read_ok(packages("s60.xml", p, 2), NULL, &f);
		assert_int_equal(strlen(f.keys[0].serial), 64);
		assert_string_equal(f.keys[1].serial + 60, "-ABD");
		og_pskc_free(&f);
	}
	{	/* 63 + '-' + 2 = 66 does not: refused naming the key */
		const char *p[] = { s63, "K1", s63, "K2" };

		expect_fail(packages("s63.xml", p, 2), NULL, 0, "the serial of key 'K1' of device "
			    "'SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS' (serial, "
			    "'-' and key Id) is longer than 64 characters");
	}
	{	/* a device of two keys, one with no Id to tell it by */
		const char *p[] = { "DEV-1", "A", "DEV-1", NULL };

		expect_fail(packages("noid.xml", p, 2), NULL, 0,
			    "device 'DEV-1' holds several keys, and this one has no valid Id");
	}
	{	/* an Id that cannot be a serial is only refused where it is needed */
		const char *p[] = { "DEV-2", "a b", "DEV-3", "x/y" };

		read_ok(packages("badid.xml", p, 2), NULL, &f);
		assert_string_equal(f.keys[0].serial, "DEV-2");
		assert_string_equal(f.keys[0].key_id, "");
		og_pskc_free(&f);
		p[0] = NULL;
		expect_fail(packages("badid.xml", p, 2), NULL, 0,
			    "Key has no DeviceInfo/SerialNo and no valid Id");
	}
	{	/* serials two keys would share: both lines named */
		const char *p[] = { "AB", "1", "AB", "2", "AB-1", "9" };

		expect_fail(packages("dup.xml", p, 3), NULL, 0,
			    ":5: serial 'AB-1' is the serial of the key on line 3 too");
		p[0] = p[2] = NULL;
		p[1] = p[3] = "SAME";
		expect_fail(packages("dup2.xml", p, 2), NULL, 0,
			    ":4: serial 'SAME' is the serial of the key on line 3 too");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_totp_rfc_figure),
		cmocka_unit_test(test_plain_two_keys_params),
		cmocka_unit_test(test_encrypted_rfc_figure),
		cmocka_unit_test(test_rfc_hotp_returned),
		cmocka_unit_test(test_wrong_psk),
		cmocka_unit_test(test_damaged_mac_reports_nothing),
		cmocka_unit_test(test_missing_or_bad_psk),
		cmocka_unit_test(test_malformed_xml),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_missing_secret),
		cmocka_unit_test(test_params_refused),
		cmocka_unit_test(test_other_algorithms_named),
		cmocka_unit_test(test_rfc_figure5_two_keys_one_device),
		cmocka_unit_test(test_rfc_figure10_bulk),
		cmocka_unit_test(test_rfc_figure7_password),
		cmocka_unit_test(test_rfc_figure8_refused),
		cmocka_unit_test(test_external_entities_not_loaded),
		cmocka_unit_test(test_file_limits),
		cmocka_unit_test(test_parse_mem),
		cmocka_unit_test(test_vendor_mixed),
		cmocka_unit_test(test_vendor_sha2_encrypted_values),
		cmocka_unit_test(test_vendor_drift_text),
		cmocka_unit_test(test_vendor_key_wrap),
		cmocka_unit_test(test_vendor_password),
		cmocka_unit_test(test_vendor_two_keys),
		cmocka_unit_test(test_vendor_plain_time_drift),
		cmocka_unit_test(test_vendor_old_macs),
		cmocka_unit_test(test_encrypted_integers),
		cmocka_unit_test(test_ciphers_and_macs_refused),
		cmocka_unit_test(test_serials),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
