# Nucleo-F429ZI: Cortex-M4, soft float (nothing here needs the FPU, and the
# next program expects it off). 91 external interrupts: (16 + 91) * 4 = 428
# bytes of vector table, which VTOR aligns to 512, hence the 0x200 header
# area in loader.ld and app.ld.
PORT_CPU = -mcpu=cortex-m4 -mthumb
PORT_VECTOR_TABLE_SIZE = 428
PORT_SOURCES = port.c layout.c startup.c ../armv7m_start.c clock.c uart.c flash.c usb_otgfs.c
# Real flash powers up erased: the counter sector needs no image.
PORT_EXTRA =
