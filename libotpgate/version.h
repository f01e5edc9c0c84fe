/* version.h: the release, from the file VERSION (the Makefile passes it in). */
#ifndef OTPGATE_VERSION_H
#define OTPGATE_VERSION_H

#ifndef OTPGATE_VERSION
#define OTPGATE_VERSION "unknown"
#endif

#endif
