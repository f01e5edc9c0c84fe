/* confcheck.h: check-config, a configuration checked before it is used. */
#ifndef OTPGATE_CONFCHECK_H
#define OTPGATE_CONFCHECK_H

/* One finding as a line: a problem ("FILE:LINE: ...") or a note ("FILE: note: ..."). */
typedef void (*og_finding_fn)(void *arg, int problem, const char *line);

/*
 * Checks the configuration at path as check-config does, before init too:
 * it parses (every problem, each with its FILE:LINE), then checks the files
 * it names (owner and mode of those that exist), that the directories of
 * the paths exist or are the ones init makes, that the notify programs
 * are safe to run as root, that the backend's plugin loads and the store
 * is reachable when it exists (and of this version). A setting left at its
 * default has no line: "FILE: NAME (default): ...". Returns the number of
 * problems (notes are not problems).
 */
int og_config_check(const char *path, og_finding_fn out, void *arg);

#endif
