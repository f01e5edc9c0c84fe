/*
 * pskc_xml.c: reading a PSKC document safely and its elements: the file
 * read whole (at most OG_PSKC_FILE_MAX bytes) and parsed with no network,
 * no entity substitution and no DTD loading (an external entity loader
 * that refuses everything is installed while parsing), texts and base64
 * bounded, every error one line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <openssl/crypto.h>

#include "pskc_int.h"

const char PSKC_NS[] = "urn:ietf:params:xml:ns:keyprov:pskc";
const char PSKC_NS_XENC[] = "http://www.w3.org/2001/04/xmlenc#";
const char PSKC_NS_XENC11[] = "http://www.w3.org/2009/xmlenc11#";
const char PSKC_NS_DS[] = "http://www.w3.org/2000/09/xmldsig#";

int pskc_fail(struct pskc_ctx *x, long line, const char *fmt, ...)
{
	va_list ap;
	size_t len;
	int n;

	if (x->errlen == 0)
		return -1;
	if (line > 0)
		n = snprintf(x->err, x->errlen, "%s:%ld: ", x->path, line);
	else
		n = snprintf(x->err, x->errlen, "%s: ", x->path);
	if (n < 0 || (size_t)n >= x->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	len = strlen(x->err);
	while (len > (size_t)n && (x->err[len - 1] == '\n' || x->err[len - 1] == '\r'))
		x->err[--len] = '\0';
	for (char *p = x->err + n; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}

long pskc_line(const xmlNode *n)
{
	long l = n != NULL ? xmlGetLineNo(n) : 0;

	return l > 0 ? l : 0;
}

int pskc_is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	       xmlStrEqual(n->ns->href, (const xmlChar *)ns) &&
	       xmlStrEqual(n->name, (const xmlChar *)name);
}

xmlNode *pskc_child(const xmlNode *parent, const char *ns, const char *name)
{
	if (parent == NULL)
		return NULL;
	for (xmlNode *c = parent->children; c != NULL; c = c->next)
		if (pskc_is_el(c, ns, name))
			return c;
	return NULL;
}

xmlNode *pskc_child_any(const xmlNode *parent, const char *name)
{
	if (parent == NULL)
		return NULL;
	for (xmlNode *c = parent->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, (const xmlChar *)name))
			return c;
	return NULL;
}

const char *pskc_attr(const xmlNode *n, const char *name)
{
	for (xmlAttr *a = n->properties; a != NULL; a = a->next) {
		if (a->ns == NULL && xmlStrEqual(a->name, (const xmlChar *)name) &&
		    a->children != NULL && a->children->type == XML_TEXT_NODE &&
		    a->children->next == NULL)
			return (const char *)a->children->content;
	}
	return NULL;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int pskc_text(const xmlNode *n, char *buf, size_t cap, int squeeze)
{
	size_t len = 0;

	buf[0] = '\0';
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) ||
		    c->content == NULL)
			continue;
		for (const char *p = (const char *)c->content; *p != '\0'; p++) {
			if ((squeeze || len == 0) && is_space(*p))
				continue;
			if (len + 1 >= cap) {
				OPENSSL_cleanse(buf, cap);
				return -1;
			}
			buf[len++] = *p;
		}
	}
	while (len > 0 && is_space(buf[len - 1]))
		len--;
	buf[len] = '\0';
	return 0;
}

void pskc_quote(char *out, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (cap < 4) {
		if (cap > 0)
			out[0] = '\0';
		return;
	}
	if (n < cap) {
		memcpy(out, s, n + 1);
	} else {
		memcpy(out, s, cap - 4);
		memcpy(out + cap - 4, "...", 4);
	}
	for (char *p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict padded base64 (no whitespace, unused bits zero) into out (cap
 * bytes). Returns the byte count, -1 for bad base64, -2 when it does not fit.
 */
static int b64_decode(const char *s, unsigned char *out, size_t cap)
{
	size_t n = strlen(s), o = 0;

	if (n == 0 || n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		unsigned long w = 0;
		int pad = 0;

		for (size_t j = 0; j < 4; j++) {
			int v = 0;

			if (s[i + j] == '=' && i + 4 == n && j >= 2)
				pad++;
			else if (pad > 0 || (v = b64_value(s[i + j])) < 0)
				return -1;
			w = w << 6 | (unsigned long)v;
		}
		if ((pad == 1 && (w & 0xff) != 0) || (pad == 2 && (w & 0xffff) != 0))
			return -1;	/* stray bits: XML Schema base64Binary forbids them */
		if (o + 3 - (size_t)pad > cap)
			return -2;
		out[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(w >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)w;
	}
	return (int)o;
}

int pskc_b64(struct pskc_ctx *x, const xmlNode *n, const char *what, unsigned char *out,
	     size_t cap)
{
	char text[PSKC_B64_MAX];
	int len;

	if (pskc_text(n, text, sizeof(text), 1) != 0)
		return pskc_fail(x, pskc_line(n), "%s is too long", what);
	len = b64_decode(text, out, cap);
	OPENSSL_cleanse(text, sizeof(text));
	if (len < 0)
		OPENSSL_cleanse(out, cap);
	if (len == -2)
		return pskc_fail(x, pskc_line(n), "%s is too long", what);
	if (len < 0)
		return pskc_fail(x, pskc_line(n), "%s is not valid base64", what);
	return len;
}

int pskc_read_file(struct pskc_ctx *x, char **out, size_t *outlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, r = -1;

	if ((fd = open(x->path, O_RDONLY | O_CLOEXEC)) < 0)
		return pskc_fail(x, 0, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = pskc_fail(x, 0, "%s", "not a regular file");
		goto out;
	}
	if (st.st_size > OG_PSKC_FILE_MAX) {
		r = pskc_fail(x, 0, "file is larger than %ld MiB", OG_PSKC_FILE_MAX >> 20);
		goto out;
	}
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL) {
		r = pskc_fail(x, 0, "%s", "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = pskc_fail(x, 0, "read failed: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			r = pskc_fail(x, 0, "%s", "file grew while being read");
			goto out;
		}
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	r = 0;
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, cap);
		free(buf);
	}
	close(fd);
	return r;
}

static xmlParserInputPtr deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

/* Wipes every text under n. */
static void wipe_tree(xmlDoc *doc, xmlNode *n)
{
	for (; n != NULL; n = n->next) {
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
		    n->content != NULL && (doc->dict == NULL || !xmlDictOwns(doc->dict,
									 n->content)))
			OPENSSL_cleanse(n->content, strlen((const char *)n->content));
		if (n->type == XML_ELEMENT_NODE)
			wipe_tree(doc, n->children);
	}
}

void pskc_free_doc(xmlDoc *doc)
{
	if (doc == NULL)
		return;
	wipe_tree(doc, doc->children);
	xmlFreeDoc(doc);
}

xmlDoc *pskc_parse_xml(struct pskc_ctx *x, const char *buf, size_t len)
{
	const int opts = XML_PARSE_NONET | XML_PARSE_NODICT | XML_PARSE_BIG_LINES |
			 XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	xmlExternalEntityLoader old = xmlGetExternalEntityLoader();
	xmlParserCtxt *ctxt = xmlNewParserCtxt();
	xmlDoc *doc = NULL;
	const xmlError *e;

	if (ctxt == NULL) {
		pskc_fail(x, 0, "%s", "out of memory");
		return NULL;
	}
	xmlSetExternalEntityLoader(deny_loader);
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, x->path, NULL, opts);
	xmlSetExternalEntityLoader(old);
	if (doc == NULL || !ctxt->wellFormed) {
		e = xmlCtxtGetLastError(ctxt);
		pskc_fail(x, e != NULL && e->line > 0 ? e->line : 0, "not well-formed XML: %.160s",
			  e != NULL && e->message != NULL ? e->message : "parse failed");
		pskc_free_doc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}
