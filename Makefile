# SPDX-License-Identifier: GPL-2.0
#
# u-dma-buf: out-of-tree build of the kernel module, and the project's
# test, demo and lint entry points.
#
#   make                                   build u-dma-buf.ko for the running kernel
#   make KERNEL_SRC=<dir>                  ... for the kernel build tree <dir>
#   make ARCH=arm64 KERNEL_SRC=<dir>       cross build (CROSS_COMPILE defaults to
#   make ARCH=arm   KERNEL_SRC=<dir>        aarch64-linux-gnu- / arm-linux-gnueabihf-)
#   make W=1 C=1 KERNEL_SRC=<dir>          extra warnings and sparse
#   make modules_install | install | clean
#   make check [TARGET=<name>] | check-all | demo [DEMO_TARGET=<name>] | lint
#   make check-debug                       the suite on debug kernels (KASAN, lockdep,
#                                          DMA-API debug, kmemleak; docs/testing.md)
#   make check-debug-quick                 x86_64's debug kernel, default boot (CI)
#   make demo-dma [DEMO_TARGET=<name>]    examples/edu-dma/edu-uio with a real
#                                         DMA device (QEMU edu) in a VM
#   make bench [BENCH_TARGETS="<name> ..."]
#   make fuzz [FUZZ_SECONDS=300] [FUZZ_SEED=<n>] [FUZZ_TARGETS="<name> ..."]
#                                         tests/fuzz/udmabuf-fuzz in a guest
#   make package                          Debian packages into build/pkg/ (+ lintian)
#   make check-package | check-intree | check-yocto | check-install
#                                         packaging tests (docs/packaging.md;
#                                         set up by scripts/setup.sh --pkg)
#   make ci                               what CI runs: lint, the packaging
#                                         tests and check-all (scripts/ci.sh;
#                                         set up by scripts/setup.sh --all --pkg)
#   make lib | tools | user                libudmabuf and the udmabuf command
#   make install-user [PREFIX=/usr/local]  ... installed (see "user space")
#
# The module is built from driver/ (see driver/Kbuild) and copied to the
# top directory as u-dma-buf.ko.

HOST_ARCH ?= $(shell uname -m | sed -e s/arm.*/arm/ -e s/aarch64.*/arm64/)
ARCH      ?= $(HOST_ARCH)

ifdef KERNEL_SRC
  KERNEL_SRC_DIR := $(KERNEL_SRC)
else
  KERNEL_SRC_DIR ?= /lib/modules/$(shell uname -r)/build
endif

ifeq ($(ARCH),arm)
 ifneq ($(HOST_ARCH),arm)
   CROSS_COMPILE ?= arm-linux-gnueabihf-
 endif
endif
ifeq ($(ARCH),arm64)
 ifneq ($(HOST_ARCH),arm64)
   CROSS_COMPILE ?= aarch64-linux-gnu-
 endif
endif

MODULE    := u-dma-buf.ko
DRIVER    := $(CURDIR)/driver
# $(MAKE) stays literal in the recipes: make passes its jobserver (-j) only
# to recipe lines that show it
KBUILD     = -C $(KERNEL_SRC_DIR) M=$(DRIVER) ARCH=$(ARCH) \
	     CROSS_COMPILE=$(CROSS_COMPILE) CONFIG_U_DMA_BUF=m \
	     $(if $(W),W=$(W)) $(if $(C),C=$(C))

UDEV_RULES := udev/99-u-dma-buf.rules
UDEV_DIR   ?= /etc/udev/rules.d
MODPROBE_CONF := contrib/modprobe.d/u-dma-buf.conf
MODPROBE_DIR  ?= /etc/modprobe.d

# Installation (docs/packaging.md): modules_install puts the module into
# $(INSTALL_MOD_PATH)/lib/modules/<kernel release>/extra (kbuild's
# INSTALL_MOD_PATH, INSTALL_MOD_DIR and MODLIB apply) and runs depmod there,
# which kbuild skips when the tree has no System.map (kernel header
# packages have none); DEPMOD=echo (as Yocto passes) or DEPMOD=true skips it.
# `make install DESTDIR=<root>` installs everything under <root>.
INSTALL_MOD_PATH ?= $(DESTDIR)
DEPMOD           ?= /sbin/depmod
# the release the module was built for (its vermagic; Debian's header
# packages override KERNELRELEASE, so include/config/kernel.release is not it)
KERNEL_RELEASE    = $(firstword $(shell modinfo -F vermagic $(DRIVER)/$(MODULE) 2>/dev/null))

.PHONY: all modules modules_install install clean distclean \
	setup check check-all check-debug check-debug-quick demo demo-dma bench fuzz lint lib tools user install-user \
	package check-package check-install check-intree check-yocto ci

all: modules

modules: kernel-src-present
	$(MAKE) $(KBUILD) modules
	cp $(DRIVER)/$(MODULE) $(CURDIR)/$(MODULE)

modules_install: kernel-src-present
	$(MAKE) $(KBUILD) $(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH)) modules_install
ifeq ($(MODLIB),)
	@if [ -z "$(KERNEL_RELEASE)" ]; then \
		echo "note: kernel release unknown: run depmod yourself"; \
	elif [ -x "$(DEPMOD)" ] || command -v "$(DEPMOD)" >/dev/null; then \
		echo "  DEPMOD  $(KERNEL_RELEASE)$(if $(INSTALL_MOD_PATH), in $(INSTALL_MOD_PATH))"; \
		$(DEPMOD) $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KERNEL_RELEASE); \
	else \
		echo "note: no $(DEPMOD): run depmod $(KERNEL_RELEASE) before modprobe"; \
	fi
endif

# the udev rule, and the modprobe.d example unless there is one already
# (it holds the administrator's module parameters)
install: modules_install
	install -D -m 0644 $(UDEV_RULES) $(DESTDIR)$(UDEV_DIR)/$(notdir $(UDEV_RULES))
	if [ ! -e $(DESTDIR)$(MODPROBE_DIR)/$(notdir $(MODPROBE_CONF)) ]; then \
		install -D -m 0644 $(MODPROBE_CONF) \
			$(DESTDIR)$(MODPROBE_DIR)/$(notdir $(MODPROBE_CONF)); fi

clean:
	if [ -e $(KERNEL_SRC_DIR)/Makefile ]; then $(MAKE) $(KBUILD) clean; fi
	rm -rf $(UBUILD)
	rm -f $(CURDIR)/$(MODULE)
	cd $(DRIVER) && rm -rf *.o *.ko *.mod *.mod.c .*.cmd modules.order \
		Module.symvers .tmp_versions

# build/ holds the test kernels (scripts/setup.sh) and every test run.
distclean: clean
	rm -rf build

.PHONY: kernel-src-present
kernel-src-present:
	@test -e $(KERNEL_SRC_DIR)/Makefile || { \
	  echo "error: no kernel build tree at $(KERNEL_SRC_DIR)"; \
	  echo "  install the headers of your kernel (Debian: linux-headers-\$$(uname -r))"; \
	  echo "  or name a tree: make KERNEL_SRC=<dir>"; exit 1; }

# ---- project tooling (see README.md) ----
setup:
	@scripts/setup.sh

check:
	@scripts/check.sh $(TARGET)

check-all:
	@scripts/check.sh --all

# the whole suite on the debug kernels (KASAN, lockdep, DMA-API debug,
# kmemleak ...), built on first use: docs/testing.md
check-debug:
	@scripts/check.sh --debug

check-debug-quick:
	@scripts/check.sh --debug-quick

demo:
	@scripts/demo.sh $(DEMO_TARGET)

# the user-space driver example (examples/edu-dma, docs/user-space-driver.md)
# moving data between a buffer and QEMU's edu PCI device in a guest
demo-dma:
	@scripts/demo.sh --dma $(DEMO_TARGET)

# figures, not tests: udmabuf-bench in a guest of each BENCH_TARGETS, with
# the established driver's mapping costs beside ours when its source is
# there (scripts/run-target.sh, "bench"); last, the ratios of all targets
BENCH_TARGETS ?= x86_64-6.1 arm64-6.1
bench:
	@for t in $(BENCH_TARGETS); do \
		echo "== $$t"; scripts/run-target.sh --bench $$t || exit 1; \
	done; \
	echo "== mapping costs, this driver against the established one (goals in brackets)"; \
	h=1; for t in $(BENCH_TARGETS); do \
		f=$${UDMABUF_BUILD:-build}/$$t/bench/summary.txt; \
		if [ -s $$f ]; then tail -n +$$h $$f; h=2; \
		else echo "$$t: no figures"; fi; \
	done

lint:
	@scripts/lint.sh

# ---- user space: libudmabuf (lib/) and the udmabuf command (tools/) ----
#   make lib        $(UBUILD)/libudmabuf.so.0.x.y (SONAME libudmabuf.so.0),
#                   libudmabuf.a and libudmabuf.pc
#   make tools      $(UBUILD)/udmabuf, linked with libudmabuf.a
#   make user       both
#   make install-user [DESTDIR=] [PREFIX=/usr/local] [LIBDIR=] [BINDIR=] ...
#   STATIC=1        the static library only, and a static command
#   ARCH=arm64|arm  cross build with $(CROSS_COMPILE)gcc (as for the module),
#                   or name the compiler: CC=aarch64-linux-gnu-gcc
#   UBUILD=<dir>    where the products go (default build/user)
# Built with -Wall -Wextra -Werror (UWARN=... to change that).
UBUILD       ?= $(CURDIR)/build/user
PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
BINDIR       ?= $(PREFIX)/bin
MANDIR       ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
LIB_VERSION  := 0.1.0
LIB_SONAME   := libudmabuf.so.0
ifeq ($(origin CC),default)
  UCC := $(CROSS_COMPILE)gcc
else
  UCC := $(CC)
endif
UAR       := $(patsubst %gcc,%ar,$(filter %gcc,$(UCC)))
UAR       := $(if $(UAR),$(UAR),ar)
CFLAGS    ?= -O2 -g
UWARN     ?= -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes
UCPPFLAGS := -I$(CURDIR)/lib/include -I$(CURDIR)/include/uapi \
	     -D_FILE_OFFSET_BITS=64
UCFLAGS   := $(UWARN) $(CFLAGS) -fPIC -fvisibility=hidden
LIB_SRCS  := $(wildcard $(CURDIR)/lib/*.c)
LIB_OBJS  := $(patsubst $(CURDIR)/lib/%.c,$(UBUILD)/lib/%.o,$(LIB_SRCS))
TOOL_SRCS := $(wildcard $(CURDIR)/tools/*.c)
TOOL_OBJS := $(patsubst $(CURDIR)/tools/%.c,$(UBUILD)/tools/%.o,$(TOOL_SRCS))
UHDRS     := $(CURDIR)/lib/include/udmabuf.h $(CURDIR)/lib/internal.h \
	     $(CURDIR)/include/uapi/linux/u-dma-buf.h $(wildcard $(CURDIR)/tools/*.h)
LIB_A     := $(UBUILD)/libudmabuf.a
LIB_SO    := $(UBUILD)/libudmabuf.so.$(LIB_VERSION)
LIB_PC    := $(UBUILD)/libudmabuf.pc
UDMABUF   := $(UBUILD)/udmabuf
ifeq ($(STATIC),1)
  LIB_ALL := $(LIB_A) $(LIB_PC)
  ULDFLAGS := -static
else
  LIB_ALL := $(LIB_A) $(LIB_SO) $(LIB_PC)
  ULDFLAGS :=
endif

user: lib tools
lib: $(LIB_ALL)
tools: $(UDMABUF)

$(UBUILD)/lib/%.o: $(CURDIR)/lib/%.c $(UHDRS)
	@mkdir -p $(dir $@)
	$(UCC) $(UCPPFLAGS) $(UCFLAGS) -c -o $@ $<

$(UBUILD)/tools/%.o: $(CURDIR)/tools/%.c $(UHDRS)
	@mkdir -p $(dir $@)
	$(UCC) $(UCPPFLAGS) $(UWARN) $(CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	rm -f $@
	$(UAR) rcs $@ $^

$(LIB_SO): $(LIB_OBJS) $(CURDIR)/lib/libudmabuf.map
	$(UCC) -shared $(CFLAGS) $(LDFLAGS) -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=$(CURDIR)/lib/libudmabuf.map -o $@ $(LIB_OBJS)
	ln -sf $(notdir $@) $(UBUILD)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(UBUILD)/libudmabuf.so

# written every time: it holds PREFIX and LIBDIR of this make
$(LIB_PC): $(CURDIR)/lib/libudmabuf.pc.in FORCE
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIB_VERSION)|' $< >$@

$(UDMABUF): $(TOOL_OBJS) $(LIB_A)
	$(UCC) $(CFLAGS) $(LDFLAGS) $(ULDFLAGS) -o $@ $(TOOL_OBJS) $(LIB_A)

.PHONY: FORCE
FORCE:

install-user: lib tools
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	if [ -e $(LIB_SO) ]; then \
		install -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/ && \
		ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME) && \
		ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libudmabuf.so; fi
	install -m 0644 $(CURDIR)/lib/include/udmabuf.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 $(LIB_PC) $(DESTDIR)$(PKGCONFIGDIR)/
	install -m 0755 $(UDMABUF) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(CURDIR)/tools/udmabuf.1 $(DESTDIR)$(MANDIR)/man1/

# ---- packaging (docs/packaging.md); slower than `make check`, not part of it
# the Debian packages (dpkg-buildpackage -us -uc -b, lintian) into build/pkg/
package:
	@scripts/package.sh

# the whole installation path, each printing PASS/FAIL lines and a last line
# "N passed, M failed": make package, the packages installed into a Debian 12
# root file system (build/pkgroot), DKMS, a guest booted from that root;
# dkms.conf by hand; make modules_install/install into scratch roots
check-package:
	@scripts/check-package.sh

# make modules_install / make install into scratch roots only
check-install:
	@scripts/check-package.sh --install-only

# the driver in Debian's linux-source-6.1 as drivers/misc/u-dma-buf
check-intree:
	@scripts/check-intree.sh

# contrib/yocto/u-dma-buf_git.bb's build and install steps, arm64 6.1
check-yocto:
	@scripts/check-yocto.sh

# CI (.ci/run): lint, check-package, check-intree, check-yocto, check-all,
# each to its end; last line the sum "N passed, M failed"
ci:
	@scripts/ci.sh

# ---- the fuzzer (tests/fuzz, docs/testing.md "Fuzzing"): each of
# FUZZ_TARGETS booted and fuzzed for FUZZ_SECONDS (its 32-bit build a third
# of that more) with FUZZ_SEED (default: the time); non-zero on a finding
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= x86_64-6.1 arm64-6.1
.PHONY: fuzz
fuzz:
	@rc=0; for t in $(FUZZ_TARGETS); do \
		echo "== $$t"; \
		FUZZ_SECONDS=$(FUZZ_SECONDS) $(if $(FUZZ_SEED),FUZZ_SEED=$(FUZZ_SEED)) \
			scripts/run-target.sh --fuzz $$t || rc=1; \
	done; exit $$rc
