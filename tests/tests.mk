# SPDX-License-Identifier: MIT
# tests.mk: host unit tests (cmocka), fuzzing (libFuzzer), and the QEMU/Bochs suites.
#
# A unit test is tests/unit/test_<name>.c plus a line in tests/unit/objects.mk:
#   unit-<name> := kernel/format.c ...   (hypervisor sources it tests)
# Every test links the doubles in tests/unit/doubles/.

UNIT_CC     := gcc
UNIT_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -Wshadow -Wno-address-of-packed-member \
	-fno-builtin -fsanitize=address,undefined -fno-sanitize-recover=all -I. -DUNIT_TEST
UNIT_LIBS   := -lcmocka

.SECONDEXPANSION:
unit-tests :=
include tests/unit/objects.mk
UNIT_DOUBLES := $(wildcard tests/unit/doubles/*.c)
UNIT_BINS := $(addprefix $(BUILD)/unit/test_,$(unit-tests))

$(BUILD)/unit/test_%: tests/unit/test_%.c $(UNIT_DOUBLES) tests/unit/objects.mk $$(unit-$$*) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ $< $(unit-$*) $(UNIT_DOUBLES) $(UNIT_LIBS)


unit: $(UNIT_BINS)

# Fuzzing: tests/fuzz/fuzz_<name>.c is a libFuzzer harness with its own
# "// sources:" line, linked with tests/fuzz/doubles.c (no cmocka). Seeds live
# in tests/fuzz/corpus/<name>/; what the fuzzer finds goes to build/fuzz/.
#   make fuzz                  every harness for FUZZ_SECONDS (30) each, FUZZ_JOBS (2) at a time
#   make fuzz FUZZ_SECONDS=600 FUZZ_ONLY=acpi_dmar,mb2     a long run of some
FUZZ_CC      := clang
FUZZ_CFLAGS  := -std=c11 -O1 -g -Wall -Wextra -Werror -Wshadow -Wno-address-of-packed-member \
	-fno-builtin -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -I. -DUNIT_TEST
FUZZ_SECONDS ?= 30
FUZZ_JOBS    ?= 2
FUZZ_ONLY    ?=
fuzz-harnesses := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
$(foreach t,$(fuzz-harnesses),$(eval fuzz-$(t) := $(shell sed -n 's|^// sources: ||p' tests/fuzz/fuzz_$(t).c)))
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/fuzz_,$(fuzz-harnesses))

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/doubles.c $$(fuzz-$$*) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(fuzz-$*) tests/fuzz/doubles.c

.PHONY: fuzz fuzz-bins
fuzz-bins: $(FUZZ_BINS)

fuzz: setup fuzz-bins
	$(PYTHON) tests/fuzz/run_fuzz.py --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS) \
		$(if $(FUZZ_ONLY),--only $(FUZZ_ONLY))

# `make test`: set up, build everything, then run every suite through one runner
# that prints the closing "N passed, N failed" line.
test: setup
	$(MAKE) all unit fuzz-bins
	$(PYTHON) tests/run.py $(TEST_ARGS)

# `make test-long`: the longer Bochs runs (other VMX CPU models, the rest of the partition
# tests under VMX) that `make test` skips to stay short.
test-long: setup
	$(MAKE) all unit
	HV_TEST_LONG=1 $(PYTHON) -m pytest -p no:cacheprovider -q -rfEs $(if $(shell $(PYTHON) -c 'import xdist' 2>/dev/null && echo y),-n 2) tests/qemu/test_vmx.py
