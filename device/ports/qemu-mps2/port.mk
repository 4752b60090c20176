# QEMU mps2-an386: Cortex-M4 without FPU use; 48 external interrupts, so a
# 64-entry vector table (256 bytes, which VTOR alignment rounds to 256).
PORT_CPU = -mcpu=cortex-m4 -mthumb
PORT_VECTOR_TABLE_SIZE = 256
PORT_SOURCES = port.c startup.c ../usb_none.c
# QEMU's RAM-backed flash powers up as zeros, real flash as erased: the
# counter sector starts as this erased image (16 KiB of 0xFF).
PORT_EXTRA = $(OUT)/nvstate.bin
$(OUT)/nvstate.bin:
	@mkdir -p $(OUT)
	head -c 16384 /dev/zero | tr '\000' '\377' > $@
