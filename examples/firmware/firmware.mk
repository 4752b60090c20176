# Builds the example firmware ELFs. Called from Makefile.am as
#   make -f SRC/firmware.mk SRC=<sources> OUT=<output dir> ARM_CC=arm-none-eabi-gcc
# so that it works in VPATH builds (make distcheck) with a read-only SRC.
SRC ?= .
OUT ?= .
ARM_CC ?= arm-none-eabi-gcc

CFLAGS = -Os -g -mthumb -ffunction-sections -fdata-sections -Wall -Wextra -Werror -std=gnu11
# -n: no page alignment, so the ELF headers are not part of a load segment
LDFLAGS = -nostartfiles --specs=nano.specs -Wl,-n -Wl,--gc-sections -Wl,--build-id -L$(SRC)
M4 = -mcpu=cortex-m4
M7 = -mcpu=cortex-m7

ELFS = $(OUT)/app_f411.elf $(OUT)/bootloader_f429.elf $(OUT)/loader_f429.elf \
	$(OUT)/app_f429.elf $(OUT)/app_qspi_f746.elf
DEPS = $(SRC)/startup.c $(SRC)/program.c $(SRC)/common.ld $(SRC)/firmware.mk

all: $(ELFS)

link = $(ARM_CC) $(CFLAGS) $(1) -T $(SRC)/$(2).ld $(LDFLAGS) -o $@ $(SRC)/startup.c $(SRC)/program.c

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
