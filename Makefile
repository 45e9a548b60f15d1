# dm-remap v4 top-level build.  `make help` lists the targets.
SHELL := /bin/bash
REPO := $(CURDIR)

# Kernels we can build for and boot: installed headers + /boot/vmlinuz, or
# Debian kernels unpacked under build/kernels/root (tools/fetch-test-kernels.sh).
# Recursive (=): evaluated when a recipe runs, i.e. after `deps` fetched kernels.
KVERS = $(shell tests/vm/kernels.sh 2>/dev/null)
# The default kernel: KVER=... overrides, else the newest usable one.
KVER ?= $(lastword $(KVERS))
# A kernel's build tree (KDIR for M= builds): /lib/modules/<v>/build, or an
# unpacked kernel's or the debug kernel's tree under build/ (tests/vm/kernels.sh).
KDIR ?= $(or $(shell tests/vm/kernels.sh --info '$(KVER)' 2>/dev/null | sed -n 's/^kdir=//p'),/lib/modules/$(KVER)/build)
# The debug kernel(s) built by tools/debug-kernel/build.sh (`make test-debug`);
# never in KVERS, so `make test` does not run on them.  Recursive: evaluated
# when a recipe runs, i.e. after `debug-kernel` built it.
DEBUG_KVERS = $(shell tests/vm/kernels.sh --debug 2>/dev/null)
# Debian's PREEMPT_RT kernels unpacked by `fetch-test-kernels.sh --rt`
# (`make test-rt`); never in KVERS either.  Recursive, like DEBUG_KVERS.
RT_KVERS = $(shell tests/vm/kernels.sh --rt 2>/dev/null)
CMAKE_BUILD := build/cmake
JOBS ?= $(shell nproc)

# Copy only sources into a per-kernel build directory (objects stay there).
SRC_FILTER := --include '*/' --include '*.c' --include '*.h' --include Kbuild --exclude '*'
copy_sources = rsync -a --delete $(SRC_FILTER) kernel/ $(1)/kernel/ && \
	rsync -a --delete $(SRC_FILTER) include/ $(1)/include/ && \
	cp VERSION $(1)/VERSION

.PHONY: all help deps module module-all module-bench-cost sparse userspace test test-unit test-vm \
        debug-kernel module-debug test-debug rt-kernels module-rt test-rt test-long test-mutants test-crash-mutants bench fuzz demo clean \
        clean-debug-kernel install install-build uninstall modules_install modules_uninstall \
        dkms-source dkms-install dkms-uninstall deb module-all-demo build-types check-blkid-prober

# The version, from the one place it is kept.
VERSION := $(shell cat VERSION)

all: module userspace

help:
	@echo "make deps        install build/test dependencies (apt, idempotent)"
	@echo "make all         kernel module (kernel/dm-remap-v4.ko) + userspace"
	@echo "make module      build the module for KVER=$(KVER) into kernel/ (W=1)"
	@echo "make module-all  build the module for every test kernel: $(KVERS)"
	@echo "make sparse      run sparse (C=2) over the module"
	@echo "make userspace   cmake build of the format library, tools, daemon, tests"
	@echo "make test        unit tests + VM tests on every test kernel (what CI runs)"
	@echo "make test-unit   GoogleTest suites via ctest"
	@echo "make test-vm     VM tests only (TESTS='name ...' to pick)"
	@echo "make test-debug  VM tests on a debug kernel (lockdep, KASAN, debug objects; built once, ~20 min)"
	@echo "make test-rt     race and error-path VM tests on Debian's PREEMPT_RT kernels (unpacked, not installed)"
	@echo "make test-long   long reliability runs: 20 power-cut cycles, 10 min stress, 10 min fuzzing, mutants"
	@echo "make test-mutants  each kernel review fix undone must fail its VM test (KVER=, ~1 min per mutant)"
	@echo "make test-crash-mutants  each FLUSH/FUA removed must fail the crash replay (KVER=, ~5 min per mutant)"
	@echo "make bench       benchmarks behind docs/BENCHMARKS.md: instructions per I/O, then TCG timing (~60 min)"
	@echo "make fuzz        libFuzzer on the shared parsers for FUZZ_SECONDS (default 300)"
	@echo "make check-blkid-prober  util-linux's libblkid with contrib/util-linux's spare prober (~3 min)"
	@echo "make demo        boot a VM and show a failing disk kept in service (installs no kernel image)"
	@echo "make clean       remove build outputs (except the debug kernel: make clean-debug-kernel)"
	@echo "Installing on a server (README \"Install\"):"
	@echo "make install     remapctl, remapd, unit, udev rule, man pages, completion, initramfs hook"
	@echo "                 (PREFIX=$(PREFIX), DESTDIR=); make uninstall removes them"
	@echo "make modules_install  the module for INSTALL_KVER (default the running kernel, $(INSTALL_KVER))"
	@echo "                 into /lib/modules/<v>/updates/dm-remap-v4 + depmod; make modules_uninstall"
	@echo "make dkms-install     register the module with DKMS (rebuilt for every new kernel); make dkms-uninstall"
	@echo "make deb         Debian packages dm-remap-v4-dkms and dm-remap-v4-tools into build/deb/"
	@echo "make build-types the userspace in every CMake build type + dpkg-buildflags, no warning allowed"

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
	  kd=$$(tests/vm/kernels.sh --info $$v | sed -n 's/^kdir=//p'); \
	  $(MAKE) -s -C $$kd M=$(REPO)/$$d/kernel W=1 C=2 modules 2>&1 | \
	    tee $$d/sparse.log | grep -v '^  CHECK' || true; \
	  ! grep -q 'warning:\|error:' $$d/sparse.log; \
	done

CMAKE_CONFIGURE = cmake -S . -B $(CMAKE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDMR_BUILD_DAEMON=ON -DDMR_WERROR=ON >/dev/null
userspace:
	$(CMAKE_CONFIGURE)
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
# Every test but 70-icount: instruction counts of a lockdep/KASAN kernel say
# nothing about the stock kernels that benchmark is about.
DEBUG_TESTS = $(filter-out 70-icount,$(basename $(notdir $(wildcard tests/vm/guest/[0-9]*.sh tests/vm/host/[0-9]*.sh))))
test-debug: deps debug-kernel module-debug userspace
	@test -n "$(DEBUG_KVERS)" || { echo "no debug kernel in build/debug-kernel"; exit 1; }
	@mkdir -p build
	set -o pipefail; KVER=$(lastword $(DEBUG_KVERS)) tests/vm/run-suite.sh $(or $(TESTS),$(DEBUG_TESTS)) 2>&1 | \
	  tee build/vm-suite-debug.log

# Debian's PREEMPT_RT kernels (linux-image-*-rt-amd64, 6.1 and 6.12), unpacked
# under build/kernels/rt/root like the test kernels, never installed.  On RT
# spinlocks sleep and most of the kernel is preemptible, so these tests check
# that no path of ours sleeps in atomic context ("BUG: scheduling while
# atomic" fails the run, kernel-log-bad.re) and that the race windows hold
# under a preemptible kernel.  Opt-in: not part of `make test`.
RT_TESTS = 15-race-windows 22-error-paths 25-main-refuses-writes
rt-kernels:
	tools/fetch-test-kernels.sh --rt

module-rt: rt-kernels
	@test -n "$(RT_KVERS)" || { echo "no RT kernel in build/kernels/rt/root"; exit 1; }
	$(MAKE) module-all KVERS="$(RT_KVERS)"

test-rt: deps module-rt userspace
	@test -n "$(RT_KVERS)" || { echo "no RT kernel in build/kernels/rt/root"; exit 1; }
	@mkdir -p build; : >build/vm-suite-rt.log
	@set -o pipefail; rc=0; for v in $(RT_KVERS); do \
	  KVER=$$v tests/vm/run-suite.sh $(or $(TESTS),$(RT_TESTS)) 2>&1 | tee -a build/vm-suite-rt.log || rc=1; \
	done; exit $$rc

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

# The libblkid prober for spares (contrib/util-linux), built into the
# util-linux source of the installed libblkid (part of `make test-long`).
check-blkid-prober: deps userspace
	tools/blkid-prober/check.sh

bench: deps module-all userspace
	tools/bench/run.sh

FUZZ_SECONDS ?= 300
fuzz:
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# deps for the demo only: no new kernel image on the host (install-deps.sh --demo).
# The demo needs the module and dmr-meta only: no unit tests, no daemon build.
demo: module-all-demo
	$(CMAKE_CONFIGURE)
	cmake --build $(CMAKE_BUILD) -j $(JOBS) --target dmr-meta
	tests/vm/run-vm.sh --kernel $(KVER) --timeout 300 -- tools/demo.sh

module-all-demo:
	tools/install-deps.sh --demo
	$(MAKE) module-all

# --- Installing on a server -------------------------------------------------
# The userspace from a Release build without tests (no GoogleTest needed),
# configured with PREFIX so the unit, the udev rule and the initramfs hook
# name the installed binaries.  DESTDIR stages the install (packaging).
PREFIX ?= /usr
INSTALL_BUILD := build/install
install-build:
	cmake -S . -B $(INSTALL_BUILD) -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
	  -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build $(INSTALL_BUILD) -j $(JOBS) --target remapctl remapd

install: install-build
	DESTDIR="$(DESTDIR)" cmake --install $(INSTALL_BUILD)
	@echo "installed; now: systemctl daemon-reload && systemctl enable --now remapd;" \
	  "udevadm control --reload; update-initramfs -u (if / or /usr is on a remap device)"

# Removes exactly what the last `make install` (same DESTDIR) installed.
uninstall:
	DESTDIR="$(DESTDIR)" tools/uninstall.sh $(INSTALL_BUILD)/install_manifest.txt

# The module for one installed kernel, by default the running one (not KVER:
# that is the newest kernel the tests boot).  Needs its headers
# (linux-headers-<v>).  INSTALL_MOD_PATH stages it like DESTDIR.
INSTALL_KVER ?= $(shell uname -r)
INSTALL_MOD_DIR := updates/dm-remap-v4
modules_install:
	@test -d /lib/modules/$(INSTALL_KVER)/build || \
	  { echo "no headers for kernel $(INSTALL_KVER): apt-get install linux-headers-$(INSTALL_KVER)"; exit 1; }
	@d=build/kmod-install/$(INSTALL_KVER); mkdir -p $$d && $(call copy_sources,$$d) && \
	$(MAKE) -s -C /lib/modules/$(INSTALL_KVER)/build M=$(REPO)/$$d/kernel modules && \
	$(MAKE) -s -C /lib/modules/$(INSTALL_KVER)/build M=$(REPO)/$$d/kernel \
	  INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) $(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH)) \
	  DEPMOD=/bin/true modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(INSTALL_KVER)

modules_uninstall:
	rm -f $(INSTALL_MOD_PATH)/lib/modules/$(INSTALL_KVER)/$(INSTALL_MOD_DIR)/dm-remap-v4.ko
	-rmdir $(INSTALL_MOD_PATH)/lib/modules/$(INSTALL_KVER)/$(INSTALL_MOD_DIR) 2>/dev/null
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(INSTALL_KVER)

# The DKMS source tree: what /usr/src/dm-remap-v4-<version>/ holds.
DKMS_SRC ?= build/dkms/dm-remap-v4-$(VERSION)
dkms-source:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	$(call copy_sources,$(DKMS_SRC))
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms/dkms.conf >$(DKMS_SRC)/dkms.conf

dkms-install:
	$(MAKE) dkms-source DKMS_SRC=/usr/src/dm-remap-v4-$(VERSION)
	dkms install dm-remap-v4/$(VERSION)

dkms-uninstall:
	-dkms remove dm-remap-v4/$(VERSION) --all
	rm -rf /usr/src/dm-remap-v4-$(VERSION)

# The userspace in every CMake build type (and Debian's flags), no warning
# allowed; not in `make test` (five full builds, ~30 min on 2 cores).
build-types:
	tools/check-build-types.sh

# Debian packages, built out of tree (a copy of the sources in build/deb/src)
# so the worktree stays clean; the .deb files land in build/deb/.
deb:
	tools/build-deb.sh

# Keeps build/debug-kernel (an hour to build) and build/kernels (the test
# kernels, ~900 MB downloaded and unpacked).
clean:
	-$(MAKE) -C $(KDIR) M=$(REPO)/kernel clean >/dev/null 2>&1
	-find build -mindepth 1 -maxdepth 1 ! -name debug-kernel ! -name kernels -exec rm -rf {} + 2>/dev/null

clean-debug-kernel:
	rm -rf build/debug-kernel
