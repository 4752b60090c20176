# QEMU mps2-an386: Cortex-M4 without FPU use; 48 external interrupts, so a
# 64-entry vector table (256 bytes, which VTOR alignment rounds to 256).
PORT_CPU = -mcpu=cortex-m4 -mthumb
PORT_VECTOR_TABLE_SIZE = 256
PORT_SOURCES = port.c layout.c startup.c ../armv7m_start.c ../usb_none.c
# QEMU's RAM-backed flash powers up as zeros, real flash as erased: the
# counter's two sectors start as this erased image (32 KiB of 0xFF).
PORT_EXTRA = $(OUT)/nvstate.bin
$(OUT)/nvstate.bin: $(PORT_DIR)/port.mk
	@mkdir -p $(OUT)
	head -c 32768 /dev/zero | tr '\000' '\377' > $@
