# SPDX-License-Identifier: MIT
# tests.mk: host unit tests (cmocka), fuzzing, and the QEMU/Bochs suites.
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

# `make test`: set up, build everything, then run every suite through one runner
# that prints the closing "N passed, N failed" line.
test: setup
	$(MAKE) all unit
	$(PYTHON) tests/run.py $(TEST_ARGS)

# `make test-long`: the longer Bochs runs (other VMX CPU models, the rest of the partition
# tests under VMX) that `make test` skips to stay short.
test-long: setup
	$(MAKE) all unit
	HV_TEST_LONG=1 $(PYTHON) -m pytest -p no:cacheprovider -q -rfEs $(if $(shell $(PYTHON) -c 'import xdist' 2>/dev/null && echo y),-n 2) tests/qemu/test_vmx.py
