# dm-remap v4 top-level build.  `make help` lists the targets.
SHELL := /bin/bash
REPO := $(CURDIR)

# Kernels we can build for and boot: installed headers + /boot/vmlinuz.
# Recursive (=): evaluated when a recipe runs, i.e. after `deps` installed kernels.
KVERS = $(shell tests/vm/kernels.sh 2>/dev/null)
# The default kernel: KVER=... overrides, else the newest usable one.
KVER ?= $(lastword $(KVERS))
# A kernel's build tree (KDIR for M= builds): /lib/modules/<v>/build, or the
# debug kernel's tree under build/debug-kernel/ (see tests/vm/kernels.sh).
KDIR ?= $(or $(shell tests/vm/kernels.sh --info '$(KVER)' 2>/dev/null | sed -n 's/^kdir=//p'),/lib/modules/$(KVER)/build)
# The debug kernel(s) built by tools/debug-kernel/build.sh (`make test-debug`);
# never in KVERS, so `make test` does not run on them.  Recursive: evaluated
# when a recipe runs, i.e. after `debug-kernel` built it.
DEBUG_KVERS = $(shell tests/vm/kernels.sh --debug 2>/dev/null)
CMAKE_BUILD := build/cmake
JOBS ?= $(shell nproc)

# Copy only sources into a per-kernel build directory (objects stay there).
SRC_FILTER := --include '*/' --include '*.c' --include '*.h' --include Kbuild --exclude '*'
copy_sources = rsync -a --delete $(SRC_FILTER) kernel/ $(1)/kernel/ && \
	rsync -a --delete $(SRC_FILTER) include/ $(1)/include/

.PHONY: all help deps module module-all module-bench-cost sparse userspace test test-unit test-vm \
        debug-kernel module-debug test-debug test-long test-mutants test-crash-mutants bench fuzz demo clean \
        clean-debug-kernel

all: module userspace

help:
	@echo "make deps        install build/test dependencies (apt, idempotent)"
	@echo "make all         kernel module (kernel/dm-remap-v4.ko) + userspace"
	@echo "make module      build the module for KVER=$(KVER) into kernel/ (W=1)"
	@echo "make module-all  build the module for every installed kernel: $(KVERS)"
	@echo "make sparse      run sparse (C=2) over the module"
	@echo "make userspace   cmake build of the format library, tools, daemon, tests"
	@echo "make test        unit tests + VM tests on every kernel (what CI runs)"
	@echo "make test-unit   GoogleTest suites via ctest"
	@echo "make test-vm     VM tests only (TESTS='name ...' to pick)"
	@echo "make test-debug  VM tests on a debug kernel (lockdep, KASAN, debug objects; built once, ~20 min)"
	@echo "make test-long   long reliability runs: 20 power-cut cycles, 10 min stress, 10 min fuzzing, mutants"
	@echo "make test-mutants  each kernel review fix undone must fail its VM test (KVER=, ~1 min per mutant)"
	@echo "make test-crash-mutants  each FLUSH/FUA removed must fail the crash replay (KVER=, ~5 min per mutant)"
	@echo "make bench       benchmarks behind docs/BENCHMARKS.md: instructions per I/O, then TCG timing (~60 min)"
	@echo "make fuzz        libFuzzer on the shared parsers for FUZZ_SECONDS (default 300)"
	@echo "make demo        boot a VM and show a failing disk kept in service"
	@echo "make clean       remove build outputs (except the debug kernel: make clean-debug-kernel)"

deps:
	tools/install-deps.sh

module:
	@test -n "$(KVER)" || { echo "no kernel headers + /boot/vmlinuz found: run make deps"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(REPO)/kernel W=1 modules

# One out-of-tree build per kernel, from a copy so the builds do not clash.
module-all:
	@test -n "$(KVERS)" || { echo "no usable kernel: run make deps"; exit 1; }
	@set -e; for v in $(KVERS); do \
	  d=build/kmod/$$v; mkdir -p $$d; \
	  kd=$$(tests/vm/kernels.sh --info $$v | sed -n 's/^kdir=//p'); \
	  $(call copy_sources,$$d); \
	  echo "== module for $$v"; \
	  $(MAKE) -s -C $$kd M=$(REPO)/$$d/kernel W=1 modules; \
	  cp $$d/kernel/dm-remap-v4.ko $$d/dm-remap-v4.ko; \
	  f=$$d/fault; mkdir -p $$f; \
	  $(call copy_sources,$$f); \
	  echo "== module with fault injection (tests only) for $$v"; \
	  $(MAKE) -s -C $$kd M=$(REPO)/$$f/kernel W=1 DMR_FAULT_INJECT=1 modules; \
	  cp $$f/kernel/dm-remap-v4.ko $$f/dm-remap-v4.ko; \
	done

# The module with a known extra cost per bio (kernel/dmr-bench-cost.h), to
# check that the instruction-count benchmark sees it: build/kmod/<v>/benchcost/.
module-bench-cost:
	@test -n "$(KVERS)" || { echo "no usable kernel: run make deps"; exit 1; }
	@set -e; for v in $(KVERS); do \
	  f=build/kmod/$$v/benchcost; mkdir -p $$f; \
	  kd=$$(tests/vm/kernels.sh --info $$v | sed -n 's/^kdir=//p'); \
	  $(call copy_sources,$$f); \
	  echo "== module with a known extra cost per bio (benchmark check) for $$v"; \
	  $(MAKE) -s -C $$kd M=$(REPO)/$$f/kernel W=1 DMR_BENCH_COST=1 modules; \
	  cp $$f/kernel/dm-remap-v4.ko $$f/dm-remap-v4.ko; \
	done

sparse:
	@set -e; for v in $(KVERS); do \
	  d=build/sparse/$$v; mkdir -p $$d; \
	  $(call copy_sources,$$d); \
	  echo "== sparse on $$v"; \
	  $(MAKE) -s -C /lib/modules/$$v/build M=$(REPO)/$$d/kernel W=1 C=2 modules 2>&1 | \
	    tee $$d/sparse.log | grep -v '^  CHECK' || true; \
	  ! grep -q 'warning:\|error:' $$d/sparse.log; \
	done

userspace:
	cmake -S . -B $(CMAKE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDMR_BUILD_DAEMON=ON >/dev/null
	cmake --build $(CMAKE_BUILD) -j $(JOBS)

test-unit: userspace
	ctest --test-dir $(CMAKE_BUILD) --output-on-failure -j $(JOBS)

test-vm: module-all module-bench-cost userspace
	tests/vm/run-suite.sh $(TESTS)

# Everything, with one summary line at the end.
test: deps module-all module-bench-cost userspace
	tools/run-tests.sh

# The debug kernel: Debian's linux-source-6.1 with lockdep, KASAN, debug
# objects and list debugging, built once per machine into build/debug-kernel/
# (about 20 min on 2 cores; cached afterwards).  Never installed on the host.
debug-kernel:
	tools/debug-kernel/build.sh

# module-all for the debug kernel only (its own build tree as KDIR).
module-debug: debug-kernel
	@test -n "$(DEBUG_KVERS)" || { echo "no debug kernel in build/debug-kernel"; exit 1; }
	$(MAKE) module-all module-bench-cost KVERS="$(DEBUG_KVERS)"

# The VM suite (guest + host tests) on the debug kernel only; a KASAN report,
# lockdep splat, ODEBUG or list corruption report fails the test (run-vm.sh
# exit 122).  Slow: TCG + KASAN + lockdep, timeouts come from kernels.sh --info.
test-debug: deps debug-kernel module-debug userspace
	@test -n "$(DEBUG_KVERS)" || { echo "no debug kernel in build/debug-kernel"; exit 1; }
	@mkdir -p build
	set -o pipefail; KVER=$(lastword $(DEBUG_KVERS)) tests/vm/run-suite.sh $(TESTS) 2>&1 | \
	  tee build/vm-suite-debug.log

# The long forms of the power-cut test, the stress test and fuzzing
# (`make test` runs the short forms), on every kernel.
PC_CYCLES ?= 20
STRESS_SECONDS ?= 600
test-long: deps module-all userspace
	PC_CYCLES=$(PC_CYCLES) STRESS_SECONDS=$(STRESS_SECONDS) tools/run-long-tests.sh

# The mutants of tests/vm/mutants/mutants.txt on KVER (default: the newest kernel).
test-mutants: module-all userspace
	KVER=$(KVER) tests/vm/mutants/run.sh

# Every REQ_PREFLUSH/REQ_FUA removed, and the commit-ordering mutants, must
# fail the crash-replay test (KVER, default: the newest kernel).
test-crash-mutants: module-all userspace
	KVER=$(KVER) tests/vm/mutants/crash-replay.sh

bench: deps module-all userspace
	tools/bench/run.sh

FUZZ_SECONDS ?= 300
fuzz:
	tests/fuzz/run.sh $(FUZZ_SECONDS)

demo: deps module-all userspace
	tests/vm/run-vm.sh --kernel $(KVER) --timeout 300 -- tools/demo.sh

# Keeps build/debug-kernel: it takes an hour to build.
clean:
	-$(MAKE) -C $(KDIR) M=$(REPO)/kernel clean >/dev/null 2>&1
	-find build -mindepth 1 -maxdepth 1 ! -name debug-kernel -exec rm -rf {} + 2>/dev/null

clean-debug-kernel:
	rm -rf build/debug-kernel
