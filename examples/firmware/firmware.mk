# The example firmware ELFs (inputs of examples/manifests/). Called as
#   make -f SRC/firmware.mk SRC=<this directory> OUT=<output directory> ARM_CC=arm-none-eabi-gcc
# SRC is only read, so VPATH builds and make distcheck work; SRC defaults
# to the directory of this file and OUT to the current directory.
FIRMWARE_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
SRC ?= $(FIRMWARE_MK_DIR)
OUT ?= .
ARM_CC ?= arm-none-eabi-gcc

# FW_ names: a CFLAGS given to the outer make reaches this one through
# MAKEFLAGS and would put host flags on the ARM compiler.
# No loop-to-memcpy rewriting: the startup copy loops stay loops and no
# libc function is linked in.
FW_CFLAGS = -std=gnu11 -mthumb -Os -g -ffunction-sections -fdata-sections \
	-fno-tree-loop-distribute-patterns -Wall -Wextra -Werror
# The linker's default flags (fwpack drops the ELF headers ld maps into the
# first load segment). -L: the scripts INCLUDE common.ld from SRC.
FW_LDFLAGS = -nostartfiles -Wl,--gc-sections -Wl,--build-id -L$(SRC)
M4 = -mcpu=cortex-m4
M7 = -mcpu=cortex-m7

ELFS = $(OUT)/app_f411.elf $(OUT)/bootloader_f429.elf $(OUT)/loader_f429.elf \
	$(OUT)/app_f429.elf $(OUT)/app_qspi_f746.elf
DEPS = $(SRC)/startup.c $(SRC)/program.c $(SRC)/common.ld $(SRC)/firmware.mk

all: $(ELFS)

# $(1): CPU and defines, $(2): linker script
link = $(ARM_CC) $(FW_CFLAGS) $(1) -T $(SRC)/$(2).ld $(FW_LDFLAGS) -o $@ \
	$(SRC)/startup.c $(SRC)/program.c

$(ELFS): | $(OUT)

$(OUT):
	mkdir -p $@

$(OUT)/app_f411.elf: $(DEPS) $(SRC)/f411_app.ld
	$(call link,$(M4) -DNUM_IRQS=86 -DPROGRAM_NAME='"app-f411"',f411_app)

$(OUT)/bootloader_f429.elf: $(DEPS) $(SRC)/f429_bootloader.ld
	$(call link,$(M4) -DNUM_IRQS=91 -DPROGRAM_NAME='"bootloader-f429"',f429_bootloader)

$(OUT)/loader_f429.elf: $(DEPS) $(SRC)/f429_loader.ld
	$(call link,$(M4) -DNUM_IRQS=91 -DPROGRAM_NAME='"loader-f429"',f429_loader)

$(OUT)/app_f429.elf: $(DEPS) $(SRC)/f429_app.ld
	$(call link,$(M4) -DNUM_IRQS=91 -DPROGRAM_NAME='"app-f429"',f429_app)

$(OUT)/app_qspi_f746.elf: $(DEPS) $(SRC)/f746_qspi_app.ld
	$(call link,$(M7) -DNUM_IRQS=98 -DPROGRAM_NAME='"app-qspi-f746"' -DWITH_QSPI_ASSETS,f746_qspi_app)

clean:
	rm -f $(ELFS)

.PHONY: all clean
