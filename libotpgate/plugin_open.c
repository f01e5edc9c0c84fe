/*
 * plugin_open.c: loading what og_plugin_find finds (the PostgreSQL store,
 * the PAM module's core). Apart from plugin.c so that the key lookup's
 * statically linked front, which only finds the full tool, links no
 * loader.
 */
#include <dlfcn.h>

#include "err.h"
#include "plugin.h"

void *og_plugin_open(const char *name, const struct og_log *log)
{
	char path[OG_PLUGIN_PATH_MAX];
	void *h;

	if (og_plugin_find(name, path, sizeof(path), log) != OG_OK) {
		og_logf(log, LOG_ERR, "%s not found beside the program or in %s (install it)", name,
			OTPGATE_PLUGIN_DIR);
		return NULL;
	}
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) == NULL)
		og_logf(log, LOG_ERR, "%s: %s", name, dlerror());
	return h;
}
