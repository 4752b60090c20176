/* The posix port's process: its flash file, its pty, and the dispatcher. */
#ifndef FWD_POSIX_H
#define FWD_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include "fwd_port.h"

#define FWD_POSIX_FLASH_SIZE 0x104000u /* 1 MiB of slots, then the counter sector */

/* Its sectors, 0-terminated (layout.c, with the slots of fwd_port.h). */
extern const uint32_t fwd_posix_sectors[];

enum fwd_posix_event { FWD_POSIX_RESET = 1, FWD_POSIX_JUMP };

/* The board's unique ID, derived from its flash file's absolute path (uid.c): its length, 0 if the path cannot be resolved. */
unsigned fwd_posix_uid(const char *flash_path, uint8_t out[FWP_UID_MAX]);

/*
 * The emulated reset circuit (modem.c): listen at $FWP_MODEM_DIR/pts-N for
 * the line changes of the host's end of the cable (none when unset).
 */
int fwd_posix_modem_open(const char *pty, char *err, size_t errlen);
void fwd_posix_modem_close(void);
int fwd_posix_modem_fd(void); /* -1: no lines */
/* Act on what arrived: may hold the board in reset, and reset it (no return then). */
void fwd_posix_modem_input(int pty_master);
int fwd_posix_modem_boot_select(void);
void fwd_posix_modem_on_reset(void);
/* The reset pin: the chain starts again from the Bootloader, the UART's input is lost. */
void fwd_posix_pin_reset(void) __attribute__((noreturn));

/* Map the flash file (created erased if missing) and open the pty. */
int fwd_posix_open(const char *flash_path, const char *link_path, char *err, size_t errlen);

/* Leave the running program: restart the Bootloader, or run the program at addr. */
void fwd_posix_dispatch(enum fwd_posix_event ev, uint32_t addr) __attribute__((noreturn));

/* The programs, compiled for the host (prog_*.c). */
int fwd_bootloader_main(void);
int fwd_loader_main(void);
int fwd_app_main(void);
int fwd_updater_main(void);

#endif /* FWD_POSIX_H */
