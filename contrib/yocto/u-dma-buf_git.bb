# u-dma-buf: user space mappable DMA buffers (kernel module) for Yocto and
# PetaLinux (docs/packaging.md, "Yocto and PetaLinux").
#
# Copy this file into a layer, e.g. recipes-kernel/u-dma-buf/ of your own
# layer, or PetaLinux's project-spec/meta-user/recipes-modules/u-dma-buf/,
# and tell it where the sources are (local.conf, or a .bbappend):
#   UDMABUF_SRC_URI = "git://<host>/<path>/u-dma-buf.git;protocol=https;branch=main"
#   SRCREV:pn-u-dma-buf = "<commit>"
# (a local clone: "git:///path/to/u-dma-buf;protocol=file;branch=main"), or
# build a working tree as it is with externalsrc:
#   INHERIT += "externalsrc"
#   EXTERNALSRC:pn-u-dma-buf = "/path/to/u-dma-buf"
# then add it to the image: IMAGE_INSTALL:append = " u-dma-buf".
#
# The build goes through the repository's Makefile as module.bbclass drives
# it: `make KERNEL_SRC=<kernel source> O=<kernel build dir> CC=... LD=...`
# with ARCH and CROSS_COMPILE in the environment, then `make modules_install
# DEPMOD=echo MODLIB=${D}/lib/modules/<version>`.  `make check-yocto` runs
# these very commands against Debian's arm64 6.1 kernel headers.
SUMMARY = "u-dma-buf: user space mappable DMA buffers (kernel module)"
DESCRIPTION = "Allocates physically contiguous DMA buffers in the kernel and \
hands them to user space as /dev/<name> (mmap, read, write, ioctl), with \
their physical address and cache-sync controls in /sys/class/u-dma-buf/, \
for user-space drivers (UIO, VFIO) of FPGA accelerators and other DMA \
devices. A drop-in replacement of the established u-dma-buf driver."
SECTION = "kernel/modules"
LICENSE = "GPL-2.0-only"
# the SPDX line of the driver's main file
LIC_FILES_CHKSUM = "file://driver/udmabuf_main.c;beginline=1;endline=1;md5=50d2ba0afecd20f74c12a4bdbcfcfe61"

inherit module

UDMABUF_SRC_URI ??= ""
SRC_URI = "${UDMABUF_SRC_URI}"
# SRCREV: the commit to build, set with UDMABUF_SRC_URI (externalsrc needs none)
PV = "5.5.0+git${SRCPV}"
# Yocto 5.1 (styhead) and later unpack into ${UNPACKDIR}: S = "${UNPACKDIR}/git"
S = "${WORKDIR}/git"

python () {
    if not d.getVar('UDMABUF_SRC_URI') and not d.getVar('EXTERNALSRC'):
        raise bb.parse.SkipRecipe("set UDMABUF_SRC_URI (and SRCREV) or EXTERNALSRC "
                                  "to the u-dma-buf sources: see the top of this recipe")
}

# the module's exported symbols (include/linux/u-dma-buf-kapi.h) for the
# recipes of modules that use them: module.bbclass installs driver/Module.symvers
MODULES_MODULE_SYMVERS_LOCATION = "driver"

# the udev rule: buffers root-only by default, a group line to enable
do_install:append() {
	install -d ${D}${nonarch_base_libdir}/udev/rules.d
	install -m 0644 ${S}/udev/99-u-dma-buf.rules ${D}${nonarch_base_libdir}/udev/rules.d/
}
FILES:${PN} += "${nonarch_base_libdir}/udev/rules.d/99-u-dma-buf.rules"

# Loading at boot and module parameters, the Yocto way (they become
# /etc/modules-load.d/u-dma-buf.conf and /etc/modprobe.d/u-dma-buf.conf of
# the package kernel-module-u-dma-buf).  On a ZynqMP with u-dma-buf nodes in
# its device tree the module loads by itself and needs neither.
#KERNEL_MODULE_AUTOLOAD += "u-dma-buf"
#KERNEL_MODULE_PROBECONF += "u-dma-buf"
#module_conf_u-dma-buf = "options u-dma-buf udmabuf0=1M udmabuf1=4M"
