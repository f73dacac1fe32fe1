# leaksoak — build, test, benchmark, install.
#
#   make              ./leaksoak and targets/bin/*
#   make demo         install missing packages, build, run the map-churn leak and its fixed twin
#   make check        install missing packages, build, unit tests (plain and ASan+UBSan), end-to-end
#   make bench        sampler, fit and driver figures
#   make fuzz         libFuzzer harnesses, FUZZ_SECONDS (60) each, under ASan+UBSan (clang)
#   make stress       100 trials of SIGKILL at a random moment of run and soak; prints survivors
#   make install      PREFIX=/usr/local DESTDIR=
#   make deps         install missing Debian packages (scripts/install-deps.sh)
#   make SANITIZE=address,undefined   sanitizer build (objects kept apart under build/)
#   V=1               show the commands

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/leaksoak
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
PKG_CONFIG ?= pkg-config
CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=
SANITIZE ?=

WARNINGS = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes \
	   -Wstrict-prototypes -Wwrite-strings
BASE_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARNINGS) -MMD -MP
ifneq ($(SANITIZE),)
SAN_FLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
OBJDIR = build/san
else
SAN_FLAGS =
OBJDIR = build/rel
endif

ifeq ($(V),1)
Q =
quiet = @:
else
Q = @
quiet = @printf '  %-6s %s\n'
endif

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

HARNESS_PKGS = jansson libcurl libproc2
HARNESS_CFLAGS = $(call pc_cflags,$(HARNESS_PKGS))
HARNESS_LIBS = $(call pc_libs,$(HARNESS_PKGS)) -lm

TARGET_PKGS = libmicrohttpd zlib
TARGET_CFLAGS = $(call pc_cflags,$(TARGET_PKGS))
TARGET_LIBS = $(call pc_libs,$(TARGET_PKGS)) -lpthread -lm
# pkg-config's grpc line names ~80 abseil libraries; the C core needs only these two.
GRPC_LIBS = -lgrpc -lgpr

HARNESS_SRC = $(sort $(wildcard harness/*/*.c))
HARNESS_OBJ = $(HARNESS_SRC:%.c=$(OBJDIR)/%.o)
HARNESS_LIB_OBJ = $(filter-out $(OBJDIR)/harness/cli/main.o,$(HARNESS_OBJ))

TARGET_LIB_SRC = $(sort $(wildcard targets/lib/*.c))
TARGET_LIB_OBJ = $(TARGET_LIB_SRC:%.c=$(OBJDIR)/%.o)
TARGET_SRC = $(sort $(wildcard targets/*.c))
TARGET_BIN = $(TARGET_SRC:targets/%.c=targets/bin/%)

UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(OBJDIR)/tests/%)
TEST_HELPER_SRC = $(sort $(wildcard tests/helpers/*.c))
TEST_HELPER_BIN = $(TEST_HELPER_SRC:tests/helpers/%.c=build/helpers/%)

# Synthetic runs with their truth and the corpus reader, shared by unit tests and benchmarks.
TESTGEN_SRC = $(sort $(wildcard tests/gen/*.c))
TESTGEN_OBJ = $(TESTGEN_SRC:%.c=$(OBJDIR)/%.o)

BENCH_SRC = $(sort $(wildcard bench/*.c))
BENCH_BIN = $(BENCH_SRC:bench/%.c=build/bench/%)

ALL_CFLAGS = $(BASE_CFLAGS) $(SAN_FLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

VERSION = $(shell cat VERSION 2>/dev/null || echo 0.0.0)

.PHONY: all deps demo check check-run unit-tests bench stress install uninstall clean FORCE
.DELETE_ON_ERROR:
.SECONDARY:

all: leaksoak $(TARGET_BIN) $(TEST_HELPER_BIN)

# Rebuild everything when the flags change, not just when sources do.
FLAGS_STAMP = $(OBJDIR)/.flags
FLAGS_NOW = $(CC) $(ALL_CFLAGS) $(HARNESS_CFLAGS) $(TARGET_CFLAGS) $(ALL_LDFLAGS) $(VERSION)
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(FLAGS_NOW)' | cmp -s - $@ || echo '$(FLAGS_NOW)' > $@
FORCE:

$(OBJDIR)/harness/%.o: harness/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(quiet) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -DLEAKSOAK_VERSION='"$(VERSION)"' -Iharness $(HARNESS_CFLAGS) -c -o $@ $<

$(OBJDIR)/targets/%.o: targets/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(quiet) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -Itargets/lib $(TARGET_CFLAGS) -c -o $@ $<

leaksoak: $(HARNESS_OBJ)
	$(quiet) LINK $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(HARNESS_LIBS)

targets/bin/grpc-conns: LINK_EXTRA = $(GRPC_LIBS)
targets/bin/%: $(OBJDIR)/targets/%.o $(TARGET_LIB_OBJ)
	@mkdir -p $(@D)
	$(quiet) LINK $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TARGET_LIBS) $(LINK_EXTRA)

# Test helpers are small programs the tests start: HTTP servers on the targets' svc layer,
# process trees, crashers.
build/helpers/%: tests/helpers/%.c $(TARGET_LIB_OBJ) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(quiet) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -Itargets/lib $(TARGET_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
		$(TARGET_LIB_OBJ) $(TARGET_LIBS)

$(OBJDIR)/tests/gen/%.o: tests/gen/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(quiet) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -Iharness $(HARNESS_CFLAGS) -c -o $@ $<

$(OBJDIR)/tests/%: tests/unit/%.c $(HARNESS_LIB_OBJ) $(TARGET_LIB_OBJ) $(TESTGEN_OBJ) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(quiet) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -Iharness -Itests/gen $(HARNESS_CFLAGS) $(call pc_cflags,cmocka) \
		$(TARGET_CFLAGS) -Itargets/lib $(ALL_LDFLAGS) -o $@ $< $(HARNESS_LIB_OBJ) \
		$(TARGET_LIB_OBJ) $(TESTGEN_OBJ) $(HARNESS_LIBS) $(TARGET_LIBS) $(call pc_libs,cmocka)

build/bench/%: bench/%.c $(HARNESS_LIB_OBJ) $(TESTGEN_OBJ) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(quiet) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -Iharness -Itests/gen $(HARNESS_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
		$(HARNESS_LIB_OBJ) $(TESTGEN_OBJ) $(HARNESS_LIBS)

# Go targets: targets/go/<seed>/main.go -> targets/bin/go-<seed>, with Debian's golang-go in
# GOPATH mode and the libraries of Debian's golang-*-dev packages (/usr/share/gocode): no module
# download, no network.  targets/go is the package tree "leaksoak/..." through a link in
# build/go/src; compiled packages (gin and grpc take a while) are cached in build/go/cache.
GO ?= go
GO_SRC = $(sort $(wildcard targets/go/*/*.go))
GO_TARGET_BIN = $(patsubst targets/go/%/main.go,targets/bin/go-%,$(sort $(wildcard targets/go/*/main.go)))
GO_ENV = GO111MODULE=off GOFLAGS= GOPATH=$(CURDIR)/build/go:/usr/share/gocode \
	 GOCACHE=$(CURDIR)/build/go/cache CGO_ENABLED=1

all: $(GO_TARGET_BIN)

build/go/src/leaksoak:
	@mkdir -p $(@D)
	$(Q)ln -sfn ../../../targets/go $@

targets/bin/go-%: targets/go/%/main.go $(GO_SRC) | build/go/src/leaksoak
	@mkdir -p $(@D)
	$(quiet) GO $@
	$(Q)command -v $(GO) >/dev/null || { echo "leaksoak: make: '$(GO)' not found (install golang-go: ./scripts/install-deps.sh)" >&2; exit 1; }
	$(Q)$(GO_ENV) $(GO) build -p 1 -o $@ leaksoak/$*

# Go test helpers: tests/helpers/<name>/main.go -> build/helpers/<name>, built the same way.
GO_HELPER_BIN = $(patsubst tests/helpers/%/main.go,build/helpers/%,$(sort $(wildcard tests/helpers/*/main.go)))
all: $(GO_HELPER_BIN)

build/helpers/%: tests/helpers/%/main.go
	@mkdir -p $(@D)
	$(quiet) GO $@
	$(Q)command -v $(GO) >/dev/null || { echo "leaksoak: make: '$(GO)' not found (install golang-go: ./scripts/install-deps.sh)" >&2; exit 1; }
	$(Q)$(GO_ENV) $(GO) build -p 1 -o $@ ./tests/helpers/$*

# Java test helpers: tests/helpers/java/*.java -> build/helpers/java/*.class, with Debian's
# openjdk-17-jdk-headless (javac); without javac they are not built and the tests that need
# them skip.
JAVA_HELPER_SRC = $(sort $(wildcard tests/helpers/java/*.java))
JAVA_HELPER_CLASS = $(JAVA_HELPER_SRC:tests/helpers/java/%.java=build/helpers/java/%.class)
JAVAC ?= javac
all: $(JAVA_HELPER_CLASS)

build/helpers/java/%.class: tests/helpers/java/%.java
	@mkdir -p $(@D)
	$(quiet) JAVAC $@
	$(Q)if command -v $(JAVAC) >/dev/null; then $(JAVAC) -d $(@D) $<; \
	else echo "leaksoak: make: '$(JAVAC)' not found: $@ not built (install openjdk-17-jdk-headless)" >&2; fi

unit-tests: $(UNIT_BIN)

deps:
	$(Q)./scripts/install-deps.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./scripts/demo.sh

# The package check runs first in its own make so that pkg-config sees what it installed.
check: deps
	$(Q)$(MAKE) --no-print-directory check-run

check-run: all unit-tests
	$(Q)$(MAKE) --no-print-directory SANITIZE=address,undefined unit-tests
	$(Q)./tests/run.sh $(OBJDIR)/tests build/san/tests

# wrk is installed for the benchmark only: the driver is compared with it on the same target.
bench:
	$(Q)./scripts/install-deps.sh --bench
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BIN)
	$(Q)./bench/run.sh

# The containment promise under fire: whatever moment leaksoak is SIGKILLed, nothing of the
# target's tree survives (a 5-trial version runs in make check).
STRESS_TRIALS ?= 100
stress: all
	$(Q)STRESS_TRIALS=$(STRESS_TRIALS) sh tests/e2e/t1650-stress-kill.sh

install: leaksoak $(TARGET_BIN) $(GO_TARGET_BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/scenarios $(DESTDIR)$(DATADIR)/plot \
		$(DESTDIR)$(DATADIR)/scenarios/load \
		$(DESTDIR)$(DATADIR)/targets/bin $(DESTDIR)$(MANDIR)/man1
	install -m 755 leaksoak $(DESTDIR)$(BINDIR)/leaksoak
	install -m 644 scenarios/*.json $(DESTDIR)$(DATADIR)/scenarios
	install -m 644 scenarios/load/* $(DESTDIR)$(DATADIR)/scenarios/load
	install -m 644 plot/*.gp $(DESTDIR)$(DATADIR)/plot
	install -m 755 $(TARGET_BIN) $(DESTDIR)$(DATADIR)/targets/bin
	install -m 755 $(GO_TARGET_BIN) $(DESTDIR)$(DATADIR)/targets/bin
	install -m 644 docs/leaksoak.1 $(DESTDIR)$(MANDIR)/man1/leaksoak.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/leaksoak $(DESTDIR)$(MANDIR)/man1/leaksoak.1
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build leaksoak targets/bin

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- fuzzing -----------------------------------------------------------------------------
# make fuzz: libFuzzer harnesses (tests/fuzz/fuzz_*.c) for the scenario loader with template
# expansion, the samples.csv reader, the summary.json readers, evidence's /proc and
# heaptrack_print parsers and the Prometheus exposition reader (prom.h), built with clang under
# ASan+UBSan, each run FUZZ_SECONDS from its seed corpus (tests/fuzz/corpus/NAME, copied so
# the checked-in seeds stay small).  A crash stops make with the input saved in build/fuzz/.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = $(BASE_CFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB_OBJ = $(filter-out build/fuzz/harness/cli/main.o,$(HARNESS_SRC:%.c=build/fuzz/%.o))

.PHONY: fuzz fuzz-build
build/fuzz/harness/%.o: harness/%.c
	@mkdir -p $(@D)
	$(quiet) FUZZCC $<
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -DLEAKSOAK_VERSION='"$(VERSION)"' -Iharness $(HARNESS_CFLAGS) -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	@mkdir -p $(@D)
	$(quiet) FUZZLD $@
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Iharness $(HARNESS_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_LIB_OBJ) $(HARNESS_LIBS)

fuzz-build:
	$(Q)command -v $(FUZZ_CC) >/dev/null || ./scripts/install-deps.sh --fuzz
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BIN)

fuzz: fuzz-build
	$(Q)for b in $(FUZZ_BIN); do \
		n=$${b#build/fuzz/fuzz_}; mkdir -p build/fuzz/corpus/$$n build/fuzz/crash-$$n; \
		cp -n tests/fuzz/corpus/$$n/* build/fuzz/corpus/$$n/ 2>/dev/null; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		ASAN_OPTIONS=detect_leaks=1 $$b -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=build/fuzz/crash-$$n/ -max_len=65536 \
			build/fuzz/corpus/$$n 2>build/fuzz/$$n.log || \
			{ tail -n 40 build/fuzz/$$n.log; echo "fuzz: $$n CRASHED"; exit 1; }; \
		sed -n 's/^stat::number_of_executed_units: */  executions: /p' build/fuzz/$$n.log; \
	done
