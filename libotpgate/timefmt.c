/* timefmt.c: ISO 8601 UTC times out, and in with relative ones. */
#include <string.h>
#include <time.h>

#include "err.h"
#include "timefmt.h"
#include "util.h"

void og_time_utc(int64_t t, char out[OG_TIME_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, OG_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(out, "?");
}

void og_time_until(int64_t t, int64_t now, char out[OG_TIME_LEN])
{
	time_t tt = (time_t)(t > INT64_MAX - 59 ? t : (t + 59) / 60 * 60);
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, OG_TIME_LEN, t - now < 86400 ? "%H:%M UTC" : "%Y-%m-%d %H:%M UTC",
		     &tm) == 0)
		strcpy(out, "?");
}

/* n decimal digits at *p (advanced past them) within lo..hi; -1 if not. */
static int digits(const char **p, int n, int lo, int hi)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v >= lo && v <= hi ? v : -1;
}

static int days_in(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* The zone designator at p: "" or "Z" (UTC), "+HH:MM", "-HHMM"; seconds east. */
static int zone(const char *p, int64_t *east)
{
	int sign, h, m;

	*east = 0;
	if (*p == '\0' || strcmp(p, "Z") == 0)
		return OG_OK;
	if (*p != '+' && *p != '-')
		return OG_ERR_INVALID;
	sign = *p++ == '-' ? -1 : 1;
	if ((h = digits(&p, 2, 0, 23)) < 0)
		return OG_ERR_INVALID;
	if (*p == ':')
		p++;
	if ((m = digits(&p, 2, 0, 59)) < 0 || *p != '\0')
		return OG_ERR_INVALID;
	*east = sign * (h * 3600 + m * 60);
	return OG_OK;
}

/* "THH:MM[:SS]" at *p, if there (advanced past it). */
static int clock_time(const char **p, struct tm *tm)
{
	if (**p != 'T')
		return OG_OK;
	(*p)++;
	if ((tm->tm_hour = digits(p, 2, 0, 23)) < 0 || *(*p)++ != ':' ||
	    (tm->tm_min = digits(p, 2, 0, 59)) < 0)
		return OG_ERR_INVALID;
	if (**p == ':' && ((*p)++, tm->tm_sec = digits(p, 2, 0, 60)) < 0)
		return OG_ERR_INVALID;
	return OG_OK;
}

/* "YYYY-MM-DD[THH:MM[:SS]][zone]" */
static int parse_iso(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	const char *p = s;
	int64_t east;

	if ((tm.tm_year = digits(&p, 4, 1970, 9999)) < 0 || *p++ != '-' ||
	    (tm.tm_mon = digits(&p, 2, 1, 12)) < 0 || *p++ != '-' ||
	    (tm.tm_mday = digits(&p, 2, 1, days_in(tm.tm_year, tm.tm_mon))) < 0 ||
	    clock_time(&p, &tm) != OG_OK || zone(p, &east) != OG_OK)
		return OG_ERR_INVALID;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm) - east;
	return OG_OK;
}

int og_time_parse(const char *s, int64_t now, int64_t *out)
{
	int64_t v;

	if (s == NULL || strlen(s) > 40)
		return OG_ERR_INVALID;
	if (og_parse_int(s, 0, INT64_MAX, &v) == OG_OK && v > 100000000) {
		*out = v;
		return OG_OK;
	}
	if (og_parse_duration(s, &v) == OG_OK) {
		*out = now - v;
		return OG_OK;
	}
	return parse_iso(s, out);
}
