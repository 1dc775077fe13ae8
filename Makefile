# godo - forensic recorder for Docker hosts. See README.md.
#   make            build listener/godo (with its store module,
#                   listener/godo-store.so) and filter/filter
#   make test       install what is missing, build, run every test, then
#                   the suite under ASan+UBSan, then unit, integration and
#                   e2e under valgrind; needs root, as godo does
#   make check      the unit tests (logic, no root, no audit, no Docker, no
#                   store): builds them and runs them as the calling user
#   make asan       ASan+UBSan build in build/asan, and the tests under it
#   make valgrind   unit, integration and e2e with the C tests, godo and
#                   filter under valgrind (release build; tests/run.sh)
#   make deps       scripts/deps.sh: Debian packages and the local store
#   make run        deps, build, local store, godo in the foreground
#   make install    PREFIX=/usr/local DESTDIR= (make uninstall undoes it;
#                   /etc/default/godo and the system user godo, created
#                   for -privsep's writer, are kept)
#   make fmt / fmt-check, make valgrind, make clean

PREFIX ?= /usr/local
DESTDIR ?=
MODE ?= release
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

PKGS := libmongoc-1.0 libbson-1.0 audit auparse libcrypto zlib nettle sqlite3
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# godo itself does not link libmongoc: the store module does (godo-store.so,
# dlopen'ed by the process that talks to the store: listener/storemod.h),
# nor libcrypto: Nettle hashes (common/digest.h); OpenSSL 3's provider set-up
# cost about 2 MiB of RSS (docs/performance.md, Round 6)
GODO_LIBS = $(shell pkg-config --libs $(filter-out libmongoc-1.0 libcrypto sqlite3,$(PKGS)) 2>/dev/null) -ldl
STOREMOD_LIBS = $(shell pkg-config --libs libmongoc-1.0 libbson-1.0 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla
CFLAGS_release := -O2 -g
CFLAGS_asan := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
CC ?= cc
CFLAGS += -std=c11 -D_GNU_SOURCE -DGODO_VERSION='"$(VERSION)"' $(WARN) \
	$(CFLAGS_$(MODE)) -Icommon -Ilistener -Ifilter $(PKG_CFLAGS)
LDFLAGS += $(if $(filter asan,$(MODE)),-fsanitize=address$(,)undefined)
, := ,
LDLIBS += $(PKG_LIBS)

B ?= build/$(MODE)
COMMON_SRC := $(wildcard common/*.c)
LISTENER_SRC := $(filter-out listener/main.c listener/storemongo.c,$(wildcard listener/*.c))
FILTER_SRC := $(filter-out filter/main.c,$(wildcard filter/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
INTEG_SRC := $(wildcard tests/integration/test_*.c)

obj = $(patsubst %.c,$(B)/%.o,$(1))
LIBCOMMON := $(B)/libcommon.a
LIBLISTENER := $(B)/liblistener.a
LIBFILTER := $(B)/libfilter.a
GODO := $(B)/bin/godo
FILTER := $(B)/bin/filter
TESTS := $(patsubst tests/%.c,$(B)/tests/%,$(UNIT_SRC) $(INTEG_SRC))
STOREMOD := $(B)/bin/godo-store.so
# modules the loader's unit test refuses (tests/unit/storemod_fake.c)
STOREMOD_FAKES := $(B)/tests/unit/storemod_nosym.so $(B)/tests/unit/storemod_badabi.so

.PHONY: all test check asan deps run install uninstall clean fmt fmt-check \
	valgrind check-tools bench
all: $(GODO) $(FILTER) listener/godo filter/filter $(TESTS) helpers \
	$(STOREMOD) $(STOREMOD_FAKES) $(if $(filter release,$(MODE)),listener/godo-store.so)

# static helpers for the tests (also copied into the test image)
.PHONY: helpers
helpers:
	$(MAKE) -s -C tests/helpers

ifeq ($(MODE),release)
listener/godo: $(GODO)
	cp $< $@
listener/godo-store.so: $(STOREMOD)
	cp $< $@
filter/filter: $(FILTER)
	cp $< $@
endif

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBCOMMON): $(call obj,$(COMMON_SRC))
	@rm -f $@
	ar rcs $@ $^
$(LIBLISTENER): $(call obj,$(LISTENER_SRC))
	@rm -f $@
	ar rcs $@ $^
$(LIBFILTER): $(call obj,$(FILTER_SRC))
	@rm -f $@
	ar rcs $@ $^

$(GODO): $(call obj,listener/main.c) $(LIBLISTENER) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(GODO_LIBS)

# the store module: position-independent objects, a shared object that
# names every library it needs (-z defs: nothing from godo's executable)
$(B)/%.pic.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -MMD -MP -c $< -o $@
$(STOREMOD): $(B)/listener/storemongo.pic.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -Wl,-z,defs -o $@ $^ $(STOREMOD_LIBS)
$(B)/tests/unit/storemod_nosym.so: tests/unit/storemod_fake.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -shared -o $@ $< $(LDFLAGS)
$(B)/tests/unit/storemod_badabi.so: tests/unit/storemod_fake.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DFAKE_BADABI -fPIC -shared -o $@ $< $(LDFLAGS)
$(FILTER): $(call obj,filter/main.c) $(LIBFILTER) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: $(B)/tests/%.o $(LIBLISTENER) $(LIBFILTER) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# Unit tests link only the objects of what they test and what those need
# (UNIT_<name>, sources without .c), so each test proves a module boundary:
# a module that reaches outside its list does not link. A unit test without
# a list is an error.
# listener edges and common
UNIT_test_nlrecv := listener/nlrecv common/log
UNIT_test_localstore := listener/localstore
UNIT_test_store := listener/store listener/storeidx listener/netprobe listener/spool listener/journal listener/storelink \
	listener/writer listener/writerbox listener/frame listener/priv common/util common/log common/esc \
	listener/storemod
UNIT_test_storemod := listener/storemod common/util common/log
UNIT_test_journal := listener/journal listener/spool common/log
UNIT_test_frame := listener/frame common/log common/esc
UNIT_test_writerbox := listener/writerbox common/log
UNIT_test_priv_plan := listener/priv common/log
UNIT_test_ownsess := listener/ownsess listener/procfs common/util common/log
UNIT_test_sysevent := listener/sysevent listener/argvdec listener/syscalls listener/reasm \
	listener/record \
	common/util common/log common/digest
UNIT_test_common := common/esc common/flags common/path common/util common/log
UNIT_test_digest := common/digest common/log common/util
UNIT_test_chainent := common/chainent
UNIT_test_chain := listener/writeback common/fgroup listener/wbchain listener/wbdoc listener/membudget listener/chain common/chainent common/chainhead common/digest \
	listener/docbuild listener/docbuild_file listener/docbuild_ct tests/unit/fake_store filter/verify filter/verifyent filter/strmap filter/vis \
	filter/mem common/esc common/log common/util common/path
UNIT_test_chain += filter/verifywin
UNIT_test_verifywin := filter/verify filter/verifyent common/chainent filter/verifywin filter/strmap filter/vis filter/mem common/digest common/esc common/log common/util
UNIT_test_procconn := listener/procconn listener/nlrecv common/log common/util
UNIT_test_hostile := listener/sysevent listener/argvdec listener/syscalls listener/reasm \
	listener/record \
	common/util common/log common/digest
UNIT_test_filter_path := filter/repair filter/model filter/mem filter/bytes \
	filter/strmap common/path common/esc common/util common/log
# filter stages
FILTER_BASE := filter/model filter/mem filter/bytes filter/strmap filter/cli \
	common/log common/util common/esc
FILTER_READ := filter/decode filter/decode_ct filter/pindex filter/discover filter/repair \
	common/path $(FILTER_BASE)
FILTER_MODEL := $(FILTER_READ) filter/tree filter/containers \
	filter/render_common filter/vis filter/stages common/esc
UNIT_test_filter_decode := filter/decode filter/decode_ct common/fgroup $(FILTER_BASE) common/path
UNIT_test_filter_cli := filter/cli common/util common/log
UNIT_test_filter_vis := filter/vis common/esc
UNIT_test_filter_discover := $(FILTER_READ)
UNIT_test_filter_repair := filter/repair common/path $(FILTER_BASE)
UNIT_test_filter_tree := $(FILTER_MODEL)
UNIT_test_filter_roots := $(FILTER_MODEL)
UNIT_test_filter_ident := filter/containers filter/decode filter/decode_ct common/esc \
	$(FILTER_BASE) common/path
# the direct read of FerretDB's SQLite files (-store-dir)
UNIT_test_sjson := filter/sjson filter/sjson_fast filter/sjtok common/util common/log
UNIT_test_sjtok := filter/sjtok common/util
UNIT_test_rawsql := filter/rawsql filter/sjson filter/sjson_fast filter/sjtok filter/cli filter/mem common/esc \
	common/log common/util
UNIT_test_filter_render := filter/render_text filter/render_text_op filter/render_text_ct filter/vis filter/render_json \
	filter/render_html filter/render_page $(FILTER_MODEL) \
	filter/rank filter/prov filter/render_page_js filter/render_page_tl
UNIT_test_procfs := listener/procfs common/log common/util
UNIT_test_reasm := listener/reasm listener/record listener/sysevent listener/argvdec listener/syscalls common/util common/log common/digest
UNIT_test_record := listener/record common/util
UNIT_test_rules := listener/rules listener/rules_kern listener/nlrecv common/log common/util
# listener logic
UNIT_test_fgroup := common/fgroup listener/writeback listener/wbchain listener/wbdoc listener/membudget listener/chain common/chainent common/chainhead common/digest listener/docbuild listener/docbuild_file listener/docbuild_ct \
	tests/unit/fake_store common/esc common/log common/util common/path
UNIT_test_writeback := listener/writeback common/fgroup listener/wbchain listener/wbdoc listener/membudget listener/chain common/chainent common/chainhead common/digest listener/docbuild listener/docbuild_file listener/docbuild_ct \
	tests/unit/fake_store common/esc common/log common/util common/path
UNIT_test_tables := listener/proctab listener/fdtab listener/fdtabinh listener/fdtabgrp listener/fdgroup common/log \
	listener/membudget listener/fdshare common/util
UNIT_test_core := listener/core listener/tracker listener/lifecycle listener/scope listener/daemonid listener/fdtabgrp listener/fdgroup \
	listener/pathres listener/rootcache \
	listener/container listener/pathop listener/snapshot listener/fileio \
	listener/writeback common/fgroup listener/wbchain listener/wbdoc listener/chain common/chainent common/chainhead common/digest listener/docbuild listener/docbuild_file listener/docbuild_ct listener/proctab listener/fdtab listener/fdtabinh \
	listener/membudget listener/fdshare \
	listener/procfs tests/unit/fake_store common/path common/esc \
	common/log common/util listener/ctwatch listener/ctinfo \
	listener/syscalls listener/fdinherit listener/dethread
UNIT_test_pidreuse := $(UNIT_test_core)
UNIT_test_scope := $(UNIT_test_core)
UNIT_test_fdshare := $(UNIT_test_core)
UNIT_test_opmarks := $(UNIT_test_core)
UNIT_test_pathres := listener/pathres listener/rootcache listener/procfs common/path common/log common/util
UNIT_test_rootcache := listener/rootcache listener/procfs common/log common/util
UNIT_test_prochelp := listener/prochelp listener/prochelp_srv listener/procfs listener/priv listener/frame common/log common/esc common/util
UNIT_test_ctinfo := listener/ctinfo listener/ctwatch listener/writeback common/fgroup listener/wbchain listener/wbdoc listener/membudget \
	listener/chain common/chainent common/chainhead common/digest \
	listener/docbuild listener/docbuild_file listener/docbuild_ct tests/unit/fake_store common/esc common/log \
	common/util common/path
UNIT_test_options := listener/options common/flags common/log common/util
UNIT_test_tamper := listener/rules listener/rules_kern listener/rules_excl listener/rules_check listener/auditsock listener/nlrecv \
	common/log common/util
UNIT_test_textrec := listener/textrec listener/textend listener/serialgap \
	listener/reasm listener/record common/util common/log

UNIT_NAMES := $(basename $(notdir $(UNIT_SRC)))
define unit_rule
$$(if $$(UNIT_$(1)),,$$(error Makefile: no UNIT_$(1) list for tests/unit/$(1).c))
$(B)/tests/unit/$(1): $(B)/tests/unit/$(1).o $$(call obj,$$(addsuffix .c,$$(UNIT_$(1))))
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) -lcmocka
endef
$(foreach t,$(UNIT_NAMES),$(eval $(call unit_rule,$(t))))
UNIT_BINS := $(patsubst %,$(B)/tests/unit/%,$(UNIT_NAMES))
# they load the store module of their build (dlopen: not a link input)
$(B)/tests/unit/test_store $(B)/tests/unit/test_storemod: | $(STOREMOD) $(STOREMOD_FAKES)

.SECONDARY:

-include $(shell find build -name '*.d' 2>/dev/null)

deps:
	bash scripts/deps.sh

# The README's test command. deps is idempotent and takes seconds when
# everything is there.
# B=DIR (relative to the top) keeps every build of the run apart from
# others': release in DIR, ASan in DIR-asan.
ASAN_B := $(if $(filter build/$(MODE),$(B)),build/asan,$(B)-asan)
RUN_RELEASE := GODO_BIN_DIR=$(B)/bin GODO_TEST_DIR=$(B)/tests bash tests/run.sh
RUN_ASAN := GODO_BIN_DIR=$(ASAN_B)/bin GODO_TEST_DIR=$(ASAN_B)/tests bash tests/run.sh
# valgrind wants the release build (-O2 -g), not the ASan one
RUN_VALGRIND := GODO_VALGRIND=1 $(RUN_RELEASE) unit integration e2e

test: deps
	$(MAKE) all
	$(MAKE) MODE=asan B=$(ASAN_B) build-asan
	$(MAKE) fmt-check
	@echo "== make check: the unit tests as an unprivileged user"
	$(MAKE) check
	$(RUN_RELEASE)
	@echo "== the same suite under ASan+UBSan"
	$(RUN_ASAN)
	@echo "== unit, integration and e2e under valgrind"
	$(RUN_VALGRIND)

# make check: the logic tests, for any user. Run as root (make test, CI)
# the tests themselves run as nobody, to prove they need no privilege.
CHECK_AS := $(if $(filter 0,$(shell id -u)),setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env,)
check: $(UNIT_BINS)
	$(CHECK_AS) env GODO_TOP=$(CURDIR) GODO_TEST_DIR=$(CURDIR)/$(B)/tests \
		bash tests/run.sh unit

asan: deps
	$(MAKE) MODE=asan B=$(ASAN_B) build-asan
	$(RUN_ASAN)

.PHONY: build-asan
build-asan: $(GODO) $(FILTER) $(TESTS) $(STOREMOD) $(STOREMOD_FAKES)

run: deps all
	bash scripts/store.sh start
	./listener/godo -mongo=127.0.0.1:27017

valgrind: all
	$(RUN_VALGRIND)

bench: all
	$(MAKE) -C bench

# godo, godo-filter (filter/filter under a name that cannot clash), their
# man pages, the systemd unit (ExecStart follows PREFIX) and
# the auditd plugin example (inactive; never overwritten) and
# /etc/default/godo, which is never overwritten: it holds the host's
# options. uninstall leaves /etc/default/godo for the same reason.
UNITDIR ?= /lib/systemd/system
SYSCONFDIR ?= /etc
MANDIR ?= $(PREFIX)/share/man
install: listener/godo filter/filter listener/godo-store.so
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/lib/godo \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/default
	install -m 0755 listener/godo $(DESTDIR)$(PREFIX)/sbin/godo
	install -m 0755 filter/filter $(DESTDIR)$(PREFIX)/bin/godo-filter
	@# the store module godo finds at <sbin>/../lib/godo (storemod.h)
	install -m 0644 listener/godo-store.so \
		$(DESTDIR)$(PREFIX)/lib/godo/godo-store.so
	install -m 0644 man/godo.8 $(DESTDIR)$(MANDIR)/man8/godo.8
	install -m 0644 man/filter.1 $(DESTDIR)$(MANDIR)/man1/godo-filter.1
	sed -e 's|/usr/local/sbin/godo|$(PREFIX)/sbin/godo|' \
	    -e 's|/etc/default/godo|$(SYSCONFDIR)/default/godo|' \
		scripts/godo.service >$(DESTDIR)$(UNITDIR)/godo.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/godo.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/godo ] || \
		install -m 0600 scripts/godo.default \
		    $(DESTDIR)$(SYSCONFDIR)/default/godo
	install -d $(DESTDIR)$(SYSCONFDIR)/audit/plugins.d
	[ -e $(DESTDIR)$(SYSCONFDIR)/audit/plugins.d/godo.conf ] || \
		sed -e 's|/usr/local/sbin/godo|$(PREFIX)/sbin/godo|' \
		    scripts/godo-plugin.conf \
		    >$(DESTDIR)$(SYSCONFDIR)/audit/plugins.d/godo.conf
	@[ -n "$(DESTDIR)" ] || ! command -v systemctl >/dev/null || \
		systemctl daemon-reload 2>/dev/null || true
	@# -privsep's writer user (godo(8)); not in a staged DESTDIR install,
	@# nor with USERADD=no (the test suite's install under a temporary
	@# PREFIX: a test run must not add a system user)
	@[ -n "$(DESTDIR)" ] || [ "$(USERADD)" = no ] || id godo >/dev/null 2>&1 || \
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin godo

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/godo $(DESTDIR)$(PREFIX)/bin/godo-filter \
		$(DESTDIR)$(MANDIR)/man8/godo.8 \
		$(DESTDIR)$(MANDIR)/man1/godo-filter.1 \
		$(DESTDIR)$(UNITDIR)/godo.service \
		$(DESTDIR)$(PREFIX)/lib/godo/godo-store.so
	@rmdir $(DESTDIR)$(PREFIX)/lib/godo 2>/dev/null || true
	@[ -n "$(DESTDIR)" ] || ! command -v systemctl >/dev/null || \
		systemctl daemon-reload 2>/dev/null || true
	@# the godo user stays: files it wrote may remain (userdel godo)
	@[ -n "$(DESTDIR)" ] || ! id godo >/dev/null 2>&1 || \
		echo "make uninstall: the system user godo is left (userdel godo removes it)"

# tracked files that exist (one deleted in the work tree is not an error)
SRC_ALL = $(wildcard $(shell git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*'))
fmt:
	clang-format -i $(SRC_ALL)
fmt-check:
	clang-format --dry-run -Werror $(SRC_ALL)

clean:
	rm -rf build listener/godo filter/filter tests/helpers/bin \
		listener/godo-store.so
