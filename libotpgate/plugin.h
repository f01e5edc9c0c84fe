/* plugin.h: what otpgate installs beside its programs (the PostgreSQL
 * store plugin, the key tool behind otpgate-keyrotate, the PAM module's
 * core), found and checked. */
#ifndef OTPGATE_PLUGIN_H
#define OTPGATE_PLUGIN_H

#include <stddef.h>
#include "log.h"

#ifndef OTPGATE_PLUGIN_DIR
#define OTPGATE_PLUGIN_DIR "/usr/local/lib/otpgate"
#endif

#define OG_PLUGIN_PATH_MAX 8300

/*
 * The path of name: beside the running module or program first (a build
 * tree), then in OTPGATE_PLUGIN_DIR; the first that exists, and only if
 * root (or we) own it and nobody else can write it (og_path_check,
 * OG_FILE_CONFIG). OG_OK, or OG_ERR_NOTFOUND (an unsafe file logged).
 */
int og_plugin_find(const char *name, char *out, size_t cap, const struct og_log *log);

/* dlopen()s what og_plugin_find finds (RTLD_NOW, kept loaded: code, no
 * state); the handle, or NULL with one line logged. */
void *og_plugin_open(const char *name, const struct og_log *log);

#endif
