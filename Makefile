# leakwatch — one non-recursive GNU Makefile [Redis, Tor].
#
#   make              build ./leakwatch (release: warnings as errors, hardening)
#   make run          install, build, run the demo end to end through a private Tor network (README)
#   make test         install missing Debian packages, build, run the whole suite (the README's command)
#   make check        build and run every test (unit, fuzz-corpus replay, CLI)
#   make asan         the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz         build the libFuzzer targets into build/fuzz/ (clang)
#   make lint         gcc -fanalyzer, cppcheck, clang-tidy, layer check
#   make bench        build and print the benchmarks
#   make clean
# Variants live in build/{release,debug,asan,fuzz}/; choose one with BUILD=…  Quiet unless V=1.

BUILD ?= release
O := build/$(BUILD)

ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS := libsodium tidy libpq libcurl libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -std=c11 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wno-sign-conversion \
	-Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wimplicit-fallthrough \
	-Wundef -Wpointer-arith -Wwrite-strings -Wcast-qual -Wold-style-definition

CPPFLAGS := -I. -D_DEFAULT_SOURCE -MMD -MP
CFLAGS_COMMON := $(WARN) $(PKG_CFLAGS) -pthread
LDLIBS := $(PKG_LIBS) -pthread -lm

ifeq ($(BUILD),release)
CC ?= cc
CFLAGS := $(CFLAGS_COMMON) -O2 -g -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
	-fstack-clash-protection -fPIE
LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
else ifeq ($(BUILD),debug)
CFLAGS := $(CFLAGS_COMMON) -O0 -g3
LDFLAGS :=
else ifeq ($(BUILD),asan)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS := $(CFLAGS_COMMON) -O1 -g $(SAN)
LDFLAGS := $(SAN)
else ifeq ($(BUILD),fuzz)
CC := clang
SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
CFLAGS := $(CFLAGS_COMMON) -O1 -g $(SAN) -DLW_FUZZING
LDFLAGS := -fsanitize=fuzzer,address,undefined
else
$(error BUILD must be release, debug, asan or fuzz)
endif

# The library: everything but the thin clients [curl lib/ vs src/].
LIB_SRCS := $(sort $(wildcard common/*.c parsers/*.c storage/*.c crawler/*.c))
CLI_SRCS := $(sort $(wildcard cli/*.c api/*.c))
# The migrations are SQL files embedded as C at build time (scripts/embed-sql).
MIGRATIONS := $(sort $(wildcard storage/migrations/*.sql))
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o) $(O)/gen/migrations.o
CLI_OBJS := $(CLI_SRCS:%.c=$(O)/%.o)
LIB := $(O)/libleakwatch.a
BIN := $(O)/leakwatch

UNIT_SRCS := $(sort $(wildcard tests/unit/*/test_*.c))
UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/%.c=%)
REPLAY_BINS := $(FUZZ_NAMES:%=$(O)/tests/fuzz/replay_%)
BENCH_SRCS := $(sort $(wildcard bench/bench_*.c))
BENCH_BINS := $(BENCH_SRCS:%.c=$(O)/%)

.PHONY: all test check unit asan fuzz lint bench clean deps run
.DEFAULT_GOAL := all

all: leakwatch

# ./leakwatch is always the release build; other variants keep theirs under build/.
ifeq ($(BUILD),release)
leakwatch: $(BIN)
	$(Q)cp $(BIN) $@
else
leakwatch: $(BIN)
endif

$(O)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/gen/migrations.c: $(MIGRATIONS) scripts/embed-sql
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EMBED   $@")
	$(Q)scripts/embed-sql $(MIGRATIONS) >$@.tmp && mv $@.tmp $@

# SQL strings are longer than the 4095 bytes ISO C promises compilers support; gcc and clang take them.
$(O)/gen/migrations.o: $(O)/gen/migrations.c
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-overlength-strings -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LDLIBS)

# Unit tests may #include the .c under test to reach its statics [h2o]; the archive then supplies
# only what the test did not define itself.
$(O)/tests/unit/%: tests/unit/%.c $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Fuzz targets, replayed over their committed corpus by a plain main() in every variant but fuzz.
$(O)/tests/fuzz/replay_%: tests/fuzz/%.c tests/fuzz/replay.c $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  REPLAY  $@")
	$(Q)$(CC) $(CPPFLAGS) -DREPLAY_CORPUS='"tests/fuzz/corpus/$*"' $(CFLAGS) $(LDFLAGS) -o $@ \
		$< tests/fuzz/replay.c $(LIB) $(LDLIBS)

$(O)/tests/fuzz/%: tests/fuzz/%.c $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(O)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# The README's test command: install what is missing, then build and run everything.
test: deps
	$(Q)$(MAKE) --no-print-directory check

deps:
	$(Q)scripts/install-deps build run test

# The README's run command: install what is missing (the demo needs tor, python3 and the test
# fixtures' packages too), build, and run the demo (scripts/demo: the project-local PostgreSQL, a
# private Tor network with an onion paste site, serve, a webhook receiver; it stops all it started).
run:
	$(Q)scripts/install-deps build run test
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo

check: $(BIN) $(UNIT_BINS) $(REPLAY_BINS)
	$(Q)LEAKWATCH_BIN=$(abspath $(BIN)) tests/pg/with-cluster tests/run-tests $(UNIT_BINS) $(REPLAY_BINS) tests/cli/test_*.sh tests/meta/test_*.sh

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=asan check

fuzz:
	$(Q)scripts/install-deps dev
	$(Q)$(MAKE) --no-print-directory BUILD=fuzz $(FUZZ_NAMES:%=build/fuzz/tests/fuzz/%)
	@echo "fuzz targets in build/fuzz/tests/fuzz/; run one with a scratch corpus first, e.g."
	@echo "  mkdir -p /tmp/c && build/fuzz/tests/fuzz/fuzz_identifiers /tmp/c tests/fuzz/corpus/fuzz_identifiers"

bench: $(BENCH_BINS) $(BIN)
	$(Q)scripts/install-deps bench run test
	$(Q)for b in $(filter-out %/bench_fetch,$(BENCH_BINS)); do $$b || exit 1; done
	$(Q)LEAKWATCH_BIN=$(abspath $(BIN)) bench/parse.sh
	$(Q)LEAKWATCH_BIN=$(abspath $(BIN)) BENCH_OPRF_BIN=$(abspath $(O)/bench/bench_oprf) bench/ingest.sh
	$(Q)BENCH_FETCH_BIN=$(abspath $(O)/bench/bench_fetch) bench/crawl.sh
	$(Q)LEAKWATCH_BIN=$(abspath $(BIN)) BENCH_OPRF_BIN=$(abspath $(O)/bench/bench_oprf) bench/enroll.sh
	$(Q)LEAKWATCH_BIN=$(abspath $(BIN)) bench/stats.sh

lint:
	$(Q)scripts/install-deps dev
	$(Q)scripts/lint

clean:
	rm -rf build leakwatch

-include $(shell find build -name '*.d' 2>/dev/null)
