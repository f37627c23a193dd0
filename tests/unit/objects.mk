# Each tests/unit/test_<name>.c names the hypervisor sources it compiles in a
# line of its own:   // sources: kernel/format.c kernel/cmdline.c
unit-tests := $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))
$(foreach t,$(unit-tests),$(eval unit-$(t) := $(shell sed -n 's|^// sources: ||p' tests/unit/test_$(t).c)))
