# otpgate: make builds build/pam_otpgate.so and build/otpgate-provision.
# make check | make demo | make bench | make install | make uninstall (DESTDIR, PREFIX)
# make deb | make check-deb | make check-fresh

PREFIX ?= /usr/local
DESTDIR ?=
MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null)
PAMDIR ?= /lib/$(MULTIARCH)/security
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SYSTEMDDIR ?= $(PREFIX)/lib/systemd/system
# set before BASE_CFLAGS, which compiles it in with :=
PLUGINDIR ?= $(PREFIX)/lib/otpgate
VERSION := $(shell cat VERSION)

BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wconversion
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -fPIC -Ilibotpgate -MMD -MP \
	-I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql) \
	$(shell pkg-config --cflags libxml-2.0) \
	-DOTPGATE_PLUGIN_DIR='"$(PLUGINDIR)"' -DOTPGATE_VERSION='"$(VERSION)"' $(CPPFLAGS) $(CFLAGS) \
	$(if $(SANITIZE),$(SAN))
LDFLAGS_ALL := -Wl,-z,relro -Wl,-z,now $(if $(SANITIZE),$(SAN)) $(LDFLAGS)
# SQLite is linked in, from Debian's libsqlite3.a (built PIC): loading
# libsqlite3.so would cost every login and every key lookup some 0.2 ms of
# symbol relocations (1,610 of them, every one resolved at load with -z now).
# Its symbols stay inside each program and module (pam_otpgate.map hides them).
SQLITE_LIBS := -Wl,-Bstatic -lsqlite3 -Wl,-Bdynamic -lm
LIBS := -lcrypto $(SQLITE_LIBS) -lconfig
XML_LIBS := -lxml2
# the QR code (qr.c): what draws it, the module and otpgate-provision, links it
QR_LIBS := -lqrencode

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRC := $(filter-out libotpgate/store_pg.c,$(wildcard libotpgate/*.c))
# the tools' shared command-line part: their own, apart from the core
CLI_SRC := $(wildcard cli/*.c)
PROV_SRC := $(wildcard provisioner/*.c)
# otpgate-keyrotate itself: the front sshd spawns, without libcrypto; it
# alone asks otpgated (keyclient.c)
FRONT_SRC := keyrotate/front.c keyrotate/lookup.c keyrotate/keyclient.c pam_module/wire.c
KR_SRC := $(filter-out keyrotate/front.c keyrotate/keyclient.c,$(wildcard keyrotate/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
PROV_OBJ := $(PROV_SRC:%.c=$(BUILD)/obj/%.o)
KR_OBJ := $(KR_SRC:%.c=$(BUILD)/obj/%.o)
FRONT_OBJ := $(FRONT_SRC:%.c=$(BUILD)/obj/%.o)
# the PAM module's front (pam_otpgate.so): libpam and libc only, never libcrypto
MODFRONT_SRC := pam_module/pam_otpgate.c pam_module/args.c pam_module/client.c \
	pam_module/pamio.c pam_module/wire.c pam_module/request.c libotpgate/plugin.c \
	libotpgate/filecheck.c libotpgate/plugin_open.c libotpgate/log.c libotpgate/audit_line.c
MODFRONT_OBJ := $(MODFRONT_SRC:%.c=$(BUILD)/obj/%.o)
# the module's core: otpgate-pam.so in process, or otpgated
CORE_OBJ := $(BUILD)/obj/pam_module/flow.o $(BUILD)/obj/pam_module/input.o \
	$(BUILD)/obj/pam_module/pamio.o
# ... with its config and store opened per call (in process) or kept (otpgated)
ONCE_OBJ := $(BUILD)/obj/pam_module/ctxonce.o
WIRE_OBJ := $(BUILD)/obj/pam_module/wire.o $(BUILD)/obj/pam_module/request.o
DAEMON_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard daemon/*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# libFuzzer harnesses: clang, their own object tree, so the gcc build is untouched
FUZZ_CC ?= clang
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_BIN := $(patsubst fuzz/%.c,$(FUZZ_BUILD)/bin/%,$(wildcard fuzz/fuzz_*.c))
TEST_BIN := $(UNIT_BIN) $(BUILD)/tests/test_pam $(BUILD)/tests/test_pam_invite \
	$(BUILD)/tests/pam-login $(BUILD)/tests/test_store
# every shell script: by its #! line, or, for the sourced ones, a shellcheck shell= line
SHELL_SCRIPTS = $(shell grep -rlE --exclude-dir=.git --exclude-dir=build \
	'^(\#!(/usr)?/bin/(env )?(ba|da)?sh\b|\# shellcheck shell=)' tests scripts bench fuzz .ci debian)

# check-fresh: make check in a minimal Debian 12 root (not part of check)
.PHONY: all deps check check-fresh unit contract pamtest pamtest-pg pamtest-daemon fleet cli e2e vpn asan \
	valgrind bench demo install uninstall installed deb check-deb shellcheck faults clean FORCE
all: $(BUILD)/pam_otpgate.so $(BUILD)/otpgate-pam.so $(BUILD)/otpgated \
	$(BUILD)/otpgate-provision $(BUILD)/otpgate-keyrotate $(BUILD)/otpgate-keyrotate-tool \
	$(BUILD)/otpgate-store-pg.so

deps:
	@scripts/install-deps

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $@"
	$(Q)$(CC) $(WARN) $(BASE_CFLAGS) $(TOOL_INC) -c -o $@ $<

# only the tools (and their tests) see the command-line part
$(CLI_OBJ) $(PROV_OBJ) $(KR_OBJ) $(BUILD)/tests/test_cliargs: TOOL_INC := -Icli

# What is compiled in (the plugin directory, the release): when it changes
# (make install PREFIX=/usr after a plain make), what uses it is rebuilt.
$(BUILD)/compiled-in: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PLUGINDIR) $(VERSION)' | cmp -s - $@ || echo '$(PLUGINDIR) $(VERSION)' >$@
$(BUILD)/obj/libotpgate/store.o $(BUILD)/obj/libotpgate/plugin.o \
	$(BUILD)/obj/libotpgate/plugin_open.o $(BUILD)/obj/cli/cli.o \
	$(BUILD)/obj/keyrotate/front.o $(BUILD)/obj/pam_module/flow.o \
	$(BUILD)/obj/daemon/otpgated.o: $(BUILD)/compiled-in
$(DAEMON_OBJ) $(BUILD)/obj/keyrotate/keyclient.o: TOOL_INC := -Ipam_module

$(BUILD)/libotpgate.a: $(LIB_OBJ)
	@[ "$(V)" = 1 ] || echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libcli.a: $(CLI_OBJ)
	@[ "$(V)" = 1 ] || echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/pam_otpgate.so: $(MODFRONT_OBJ) pam_module/pam_otpgate.map
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) -shared -Wl,--version-script=pam_module/pam_otpgate.map -Wl,-z,nodelete \
		$(LDFLAGS_ALL) -o $@ $(MODFRONT_OBJ) -lpam

$(BUILD)/otpgate-pam.so: $(CORE_OBJ) $(ONCE_OBJ) $(BUILD)/libotpgate.a pam_module/otpgate-pam.map
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) -shared -Wl,--version-script=pam_module/otpgate-pam.map $(LDFLAGS_ALL) -o $@ \
		$(CORE_OBJ) $(ONCE_OBJ) $(BUILD)/libotpgate.a $(LIBS) $(QR_LIBS)

$(BUILD)/otpgated: $(DAEMON_OBJ) $(CORE_OBJ) $(WIRE_OBJ) $(BUILD)/libotpgate.a
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(DAEMON_OBJ) $(CORE_OBJ) $(WIRE_OBJ) \
		$(BUILD)/libotpgate.a $(LIBS) $(QR_LIBS)

# the PostgreSQL backend: a plugin, so SQLite hosts never load libpq
$(BUILD)/otpgate-store-pg.so: $(BUILD)/obj/libotpgate/store_pg.o $(BUILD)/libotpgate.a \
		libotpgate/store_pg.map
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) -shared -Wl,--version-script=libotpgate/store_pg.map $(LDFLAGS_ALL) -o $@ \
		$(BUILD)/obj/libotpgate/store_pg.o $(BUILD)/libotpgate.a -lpq $(LIBS)

$(BUILD)/otpgate-provision: $(PROV_OBJ) $(BUILD)/libcli.a $(BUILD)/libotpgate.a
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(PROV_OBJ) $(BUILD)/libcli.a $(BUILD)/libotpgate.a $(LIBS) \
		$(QR_LIBS) -lpng $(XML_LIBS)

# the key tool: every command (otpgate-keyrotate hands them over)
$(BUILD)/otpgate-keyrotate-tool: $(KR_OBJ) $(BUILD)/libcli.a $(BUILD)/libotpgate.a
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(KR_OBJ) $(BUILD)/libcli.a $(BUILD)/libotpgate.a $(LIBS)

# The front sshd spawns for each connection (docs/architecture.md): linked
# without -lcrypto, so a libcrypto symbol reached from what it links fails
# this link, and checked not to load libcrypto. Linked statically (a
# position-independent executable, so still laid out at random): the
# dynamic loader's work for libc, libm and libconfig would cost each lookup
# about 0.2 ms. Sanitizer builds link it dynamically (ASan needs that).
# (The linker's warning about dlopen is SQLite's extension loading, which
# is never enabled; the front loads no plugin: og_store_open_registry_builtin.)
FRONT_LINK := $(if $(SANITIZE),$(SQLITE_LIBS) -lconfig,-static-pie -lsqlite3 -lconfig -lm)
$(BUILD)/otpgate-keyrotate: $(FRONT_OBJ) $(BUILD)/libotpgate.a
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(FRONT_OBJ) $(BUILD)/libotpgate.a $(FRONT_LINK)
	$(Q)if readelf -d $@ | grep -q 'NEEDED.*libcrypto'; then \
		echo "$@ loads libcrypto: the key lookup must not" >&2; rm -f $@; exit 1; fi

# tests: cmocka units, the module through real libpam, a PAM login driver
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libotpgate.a
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $@"
	$(Q)$(CC) $(WARN) $(BASE_CFLAGS) $(TOOL_INC) $(LDFLAGS_ALL) -o $@ $< \
		$(TOOL_LIBS) $(BUILD)/libotpgate.a -lcmocka $(LIBS) $(QR_LIBS)

$(BUILD)/tests/test_cliargs: $(BUILD)/libcli.a
$(BUILD)/tests/test_cliargs: TOOL_LIBS := $(BUILD)/libcli.a

# the PSKC parser (libotpgate/pskc.c) needs libxml2: only what calls it links it
$(BUILD)/tests/test_pskc: LIBS += $(XML_LIBS)

$(BUILD)/tests/test_pam: tests/pam/test_pam.c $(BUILD)/libotpgate.a
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $@"
	$(Q)$(CC) $(WARN) $(BASE_CFLAGS) $(LDFLAGS_ALL) -o $@ $< \
		$(BUILD)/libotpgate.a -lcmocka -lpam $(LIBS)

# self-enrolment at the prompt, the module through real libpam (it reads URIs and codes)
$(BUILD)/tests/test_pam_invite: tests/pam/test_pam_invite.c $(BUILD)/libotpgate.a
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $@"
	$(Q)$(CC) $(WARN) $(BASE_CFLAGS) $(LDFLAGS_ALL) -o $@ $< \
		$(BUILD)/libotpgate.a -lcmocka -lpam $(LIBS)

# the store contract: one suite, every backend; it loads the PostgreSQL
# plugin as the module does, from beside the program
$(BUILD)/tests/test_store: tests/store/test_store.c $(BUILD)/libotpgate.a \
		$(BUILD)/tests/otpgate-store-pg.so
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $@"
	$(Q)$(CC) $(WARN) $(BASE_CFLAGS) $(LDFLAGS_ALL) -o $@ $< \
		$(BUILD)/libotpgate.a -lcmocka $(LIBS)

$(BUILD)/tests/otpgate-store-pg.so: $(BUILD)/otpgate-store-pg.so
	@mkdir -p $(dir $@)
	$(Q)install -m 0644 $< $@

$(BUILD)/tests/pam-login: tests/pam/pam-login.c $(BUILD)/libotpgate.a
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $@"
	$(Q)$(CC) $(WARN) $(BASE_CFLAGS) $(LDFLAGS_ALL) -o $@ $< \
		$(BUILD)/libotpgate.a -lpam $(LIBS)

# the fuzzers: the core compiled with clang for libFuzzer, one harness per parser
$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(WARN) $(BASE_CFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/libotpgate.a: $(FUZZ_LIB_OBJ)
	@[ "$(V)" = 1 ] || echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/bin/%: fuzz/%.c fuzz/fuzz.h $(FUZZ_BUILD)/libotpgate.a
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) $(WARN) $(BASE_CFLAGS) $(FUZZ_INC) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_EXTRA) $(FUZZ_BUILD)/libotpgate.a $(LIBS)

$(FUZZ_BUILD)/bin/fuzz_pskc: LIBS += $(XML_LIBS)
# otpgated's requests: the wire format, from the module's directory
FUZZ_WIRE_OBJ := $(FUZZ_BUILD)/obj/pam_module/wire.o $(FUZZ_BUILD)/obj/pam_module/request.o
$(FUZZ_BUILD)/bin/fuzz_request: $(FUZZ_WIRE_OBJ)
$(FUZZ_BUILD)/bin/fuzz_request: FUZZ_EXTRA := $(FUZZ_WIRE_OBJ)
$(FUZZ_BUILD)/bin/fuzz_request: FUZZ_INC := -Ipam_module

tests: all $(TEST_BIN)

unit: tests
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# the store contract against SQLite, then against a throwaway PostgreSQL,
# directly and through PgBouncer in transaction pooling mode (docs/fleet.md)
contract: tests
	@echo "== $(BUILD)/tests/test_store (sqlite)"
	@$(BUILD)/tests/test_store
	@echo "== $(BUILD)/tests/test_store (postgresql)"
	@tests/pg/with-postgres $(BUILD)/tests/test_store
	@echo "== $(BUILD)/tests/test_store (postgresql through pgbouncer)"
	@tests/pg/with-postgres --pooled $(BUILD)/tests/test_store

pamtest: tests
	@echo "== $(BUILD)/tests/test_pam (sqlite)"
	@OTPGATE_BUILD=$(abspath $(BUILD)) $(BUILD)/tests/test_pam
	@echo "== $(BUILD)/tests/test_pam_invite (sqlite)"
	@OTPGATE_BUILD=$(abspath $(BUILD)) $(BUILD)/tests/test_pam_invite
	@echo "== tests/pam/nss_groups.sh"
	@tests/pam/nss_groups.sh $(abspath $(BUILD))

# the same suite against a throwaway PostgreSQL server, directly and through
# PgBouncer in transaction pooling mode (docs/fleet.md)
pamtest-pg: tests
	@echo "== $(BUILD)/tests/test_pam (postgresql)"
	@OTPGATE_BUILD=$(abspath $(BUILD)) tests/pg/with-postgres $(BUILD)/tests/test_pam
	@echo "== $(BUILD)/tests/test_pam_invite (postgresql)"
	@OTPGATE_BUILD=$(abspath $(BUILD)) tests/pg/with-postgres $(BUILD)/tests/test_pam_invite
	@echo "== $(BUILD)/tests/test_pam (postgresql through pgbouncer)"
	@OTPGATE_BUILD=$(abspath $(BUILD)) tests/pg/with-postgres --pooled $(BUILD)/tests/test_pam
	@echo "== $(BUILD)/tests/test_pam_invite (postgresql through pgbouncer)"
	@OTPGATE_BUILD=$(abspath $(BUILD)) tests/pg/with-postgres --pooled $(BUILD)/tests/test_pam_invite

# the same suites with every login run by otpgated (the module's daemon
# argument), and the daemon's own checks
pamtest-daemon: tests
	@echo "== $(BUILD)/tests/test_pam (sqlite, through otpgated)"
	@OTPGATE_BUILD=$(abspath $(BUILD)) tests/daemon/with-otpgated $(BUILD)/tests/test_pam
	@echo "== $(BUILD)/tests/test_pam_invite (sqlite, through otpgated)"
	@OTPGATE_BUILD=$(abspath $(BUILD)) tests/daemon/with-otpgated $(BUILD)/tests/test_pam_invite
	@echo "== $(BUILD)/tests/test_pam (postgresql, through otpgated)"
	@OTPGATE_BUILD=$(abspath $(BUILD)) tests/pg/with-postgres tests/daemon/with-otpgated \
		$(BUILD)/tests/test_pam
	@echo "== tests/daemon/daemon.sh"
	@tests/daemon/daemon.sh $(abspath $(BUILD))
	@echo "== tests/daemon/keys.sh"
	@tests/daemon/keys.sh $(abspath $(BUILD))

# several bastions on one PostgreSQL: races, shared lockout, database faults;
# directly and through PgBouncer
fleet: tests
	@echo "== tests/pg/fleet.sh"
	@tests/pg/with-postgres --pgbouncer tests/pg/fleet.sh $(abspath $(BUILD))

# the tools on good and bad input
cli: all
	@echo "== tests/cli/cli.sh"
	@tests/cli/cli.sh $(abspath $(BUILD))
	@echo "== tests/cli/operator.sh"
	@tests/cli/operator.sh $(abspath $(BUILD))

e2e: all
	@tests/e2e/sshd_login.sh $(abspath $(BUILD))
	@tests/e2e/sshd_keys.sh $(abspath $(BUILD))
	@tests/e2e/sshd_sessions.sh $(abspath $(BUILD))
	@tests/e2e/sshd_invite.sh $(abspath $(BUILD))
	@echo "== the login and the sessions through a real sshd, run by otpgated"
	@OTPGATE_BUILD=$(abspath $(BUILD)) tests/daemon/with-otpgated \
		tests/e2e/sshd_login.sh $(abspath $(BUILD))
	@OTPGATE_BUILD=$(abspath $(BUILD)) tests/daemon/with-otpgated \
		tests/e2e/sshd_sessions.sh $(abspath $(BUILD))

# the store and the master key under faults: full, corrupt, locked, killed mid-write
faults: tests
	@echo "== tests/faults/faults.sh"
	@tests/pg/with-postgres tests/faults/faults.sh $(abspath $(BUILD))

# OpenVPN and strongSwan gateways through the module (skipped without tun)
vpn: all
	@tests/vpn/openvpn_login.sh $(abspath $(BUILD))
	@tests/vpn/strongswan_login.sh $(abspath $(BUILD))

asan:
	@$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 CFLAGS="-O1 -g" unit contract \
		pamtest pamtest-pg pamtest-daemon

valgrind: tests
	@tests/valgrind.sh $(abspath $(BUILD))

.PHONY: fuzz fuzz-build fuzz-smoke
fuzz-build: $(FUZZ_BIN)

# every harness for FUZZ_SECONDS; a summary line each (execs, crashes)
fuzz: fuzz-build
	@fuzz/run $(abspath $(FUZZ_BUILD)) $(FUZZ_SECONDS)

# every harness for a few seconds: its seeds and a little more
fuzz-smoke: fuzz-build
	@fuzz/run $(abspath $(FUZZ_BUILD)) $(FUZZ_SMOKE_SECONDS)

# every shell script, with the sourced files they name (-x)
shellcheck:
	@echo "== shellcheck: $(words $(SHELL_SCRIPTS)) shell scripts"
	@shellcheck -x $(SHELL_SCRIPTS)

check: deps
	@$(MAKE) --no-print-directory shellcheck unit contract pamtest pamtest-pg pamtest-daemon \
		fleet faults cli \
		installed e2e vpn valgrind asan fuzz-smoke
	@echo "check: all suites passed"

check-fresh:
	@scripts/check-fresh

bench: deps all
	@bench/run $(abspath $(BUILD))

demo: deps all
	@scripts/demo $(abspath $(BUILD))

# Everything make install puts in place, and make uninstall removes.
INSTALLED := $(PAMDIR)/pam_otpgate.so $(SBINDIR)/otpgate-provision \
	$(SBINDIR)/otpgate-keyrotate $(PLUGINDIR)/otpgate-keyrotate-tool \
	$(PLUGINDIR)/otpgate-store-pg.so \
	$(PLUGINDIR)/otpgate-pam.so $(SBINDIR)/otpgated $(MANDIR)/man8/otpgated.8 \
	$(SYSTEMDDIR)/otpgated.service \
	$(MANDIR)/man5/otpgate.conf.5 $(MANDIR)/man8/pam_otpgate.8 \
	$(MANDIR)/man8/otpgate-provision.8 $(MANDIR)/man8/otpgate-keyrotate.8 \
	$(SYSTEMDDIR)/otpgate-keyrotate.service $(SYSTEMDDIR)/otpgate-keyrotate.timer

install: all
	install -d $(DESTDIR)$(PAMDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/otpgate
	install -m 0644 $(BUILD)/pam_otpgate.so $(DESTDIR)$(PAMDIR)/pam_otpgate.so
	install -m 0755 $(BUILD)/otpgate-provision $(DESTDIR)$(SBINDIR)/otpgate-provision
	install -m 0755 $(BUILD)/otpgate-keyrotate $(DESTDIR)$(SBINDIR)/otpgate-keyrotate
	install -d $(DESTDIR)$(PLUGINDIR)
	install -m 0644 $(BUILD)/otpgate-store-pg.so $(DESTDIR)$(PLUGINDIR)/otpgate-store-pg.so
	install -m 0755 $(BUILD)/otpgate-keyrotate-tool $(DESTDIR)$(PLUGINDIR)/otpgate-keyrotate-tool
	install -m 0644 $(BUILD)/otpgate-pam.so $(DESTDIR)$(PLUGINDIR)/otpgate-pam.so
	install -m 0755 $(BUILD)/otpgated $(DESTDIR)$(SBINDIR)/otpgated
	install -m 0644 docs/otpgate.conf.5 $(DESTDIR)$(MANDIR)/man5/otpgate.conf.5
	install -m 0644 docs/pam_otpgate.8 docs/otpgate-provision.8 docs/otpgate-keyrotate.8 \
		docs/otpgated.8 $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(SYSTEMDDIR)
	sed 's|/usr/local/sbin/otpgate-keyrotate|$(SBINDIR)/otpgate-keyrotate|' \
		conf/systemd/otpgate-keyrotate.service >$(DESTDIR)$(SYSTEMDDIR)/otpgate-keyrotate.service
	chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/otpgate-keyrotate.service
	install -m 0644 conf/systemd/otpgate-keyrotate.timer $(DESTDIR)$(SYSTEMDDIR)/
	sed 's|/usr/local/sbin/otpgated|$(SBINDIR)/otpgated|' \
		conf/systemd/otpgated.service >$(DESTDIR)$(SYSTEMDDIR)/otpgated.service
	chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/otpgated.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/otpgate/otpgate.conf ] || \
		install -m 0600 conf/otpgate.conf $(DESTDIR)$(SYSCONFDIR)/otpgate/otpgate.conf

# The same PREFIX (and DESTDIR) as make install. A timer you enabled is
# disabled first; what init made is kept.
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && \
	    systemctl is-enabled --quiet otpgate-keyrotate.timer 2>/dev/null; then \
		echo "systemctl disable --now otpgate-keyrotate.timer"; \
		systemctl disable --now otpgate-keyrotate.timer; fi
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rmdir $(DESTDIR)$(PLUGINDIR) 2>/dev/null || true
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@echo "uninstall: kept $(SYSCONFDIR)/otpgate (the config and the master key) and" \
		"/var/lib/otpgate (the store, the key registry, users' new keys);" \
		"remove them yourself to forget every token and key"

# The installed layout (PREFIX=/usr, as packages use): logins through the
# installed module, tools and plugin; install and uninstall leave nothing behind.
installed: tests
	@echo "== tests/install/installed.sh"
	@tests/pg/with-postgres tests/install/installed.sh $(abspath $(BUILD))

# Debian packages (build/deb/*.deb), checked with lintian; and a test that
# installs them into a minimal Debian 12 root, uses and purges them
deb:
	@scripts/install-deps
	@scripts/install-deps --group packaging
	@scripts/make-deb

check-deb: deb
	@scripts/check-deb

clean:
	rm -rf build

FORCE:

-include $(shell find $(BUILD)/obj $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
