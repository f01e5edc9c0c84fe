/* plugin.h: finding and loading otpgate's own shared objects safely. */
#ifndef OTPGATE_PLUGIN_H
#define OTPGATE_PLUGIN_H

#include "log.h"

/* The install directory compiled in (PLUGINDIR). */
const char *og_plugin_dir(void);

/*
 * dlopen()s otpgate's shared object `name`, looked for beside the running
 * module or program (a build tree), then in og_plugin_dir(); used only if
 * root (or we) own it and nobody else can write it (og_path_check). It
 * stays loaded (RTLD_NODELETE): code, no state. The handle, or NULL with
 * one line logged.
 */
void *og_plugin_open(const char *name, const struct og_log *log);

#endif
