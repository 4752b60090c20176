/*
 * fwpack: build, sign, inspect, verify and flash firmware slot images.
 *
 * To add a command: write src/cmd_NAME.c with its option table and run
 * function, add it to `commands` below, write man/fwpack-NAME.1 (the
 * options must match: tests/cli-docs.sh checks), and add tests.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct fwp_opt build_opts[] = {
	{"output-dir", 'o', "DIR", "write the outputs to DIR (created if missing; default: the current directory)"},
	{"digest-dir", 0, "DIR", "external signing, step 1: write each image's digest to DIR/NAME.digest and stop"},
	{"signature-dir", 0, "DIR", "external signing, step 2: take each signature from DIR/NAME.sig"},
	{"quiet", 'q', NULL, "do not list the files written"},
	{0, 0, 0, 0},
};

static const struct fwp_opt inspect_opts[] = {
	{"json", 0, NULL, "print one JSON object instead of text"},
	{0, 0, 0, 0},
};

static const struct fwp_opt verify_opts[] = {
	{"key", 'k', "KEY", "check the signature with this public (or private) key"},
	{"quiet", 'q', NULL, "print nothing; only the exit code tells"},
	{0, 0, 0, 0},
};

static const struct fwp_opt keygen_opts[] = {
	{"curve", 0, "CURVE", "p256 (fwpack images, default) or secp256k1 (cookbook-v2)"},
	{"public", 0, "FILE", "write the public key to FILE (default: KEYFILE with .pub.pem)"},
	{"force", 'f', NULL, "overwrite existing key files"},
	{0, 0, 0, 0},
};

static const struct fwp_opt flash_opts[] = {
	{"port", 'p', "PATH", "flash over this serial port, e.g. /dev/ttyACM0; repeat it or give a glob ('/dev/ttyACM*') for several boards at once"},
	{"dfu", 0, NULL, "flash over USB DFU instead (implied by --device, --serial, --path, --alt, --address, --mass-erase, --unprotect)"},
	{"all", 0, NULL, "every serial port that answers HELLO as an fwpack Loader or Updater (narrowed by --port GLOB and --device) and every matching USB DFU device, all at once"},
	{"verbose", 'v', NULL, "with --all: say which serial ports were skipped, and why"},
	{"jobs", 'j', "N", "flash at most N boards at a time (default: all at once)"},
	{"wait", 0, "[=SECONDS]", "wait for the boards to appear, at most SECONDS (default 60)"},
	{"loop", 0, NULL, "station mode: flash each board once as it is plugged in, until interrupted (Ctrl-C), with a running pass/fail count"},
	{"enter", 0, "METHOD", "serial: take a board running its application into its Loader first: reset (DTR/RTS), 1200 (the 1200-baud touch) or console[=CMD] (default CMD fwpack-update)"},
	{"device", 'd', "VID:PID", "USB DFU: only devices with this vendor and product ID (hex)"},
	{"serial", 0, "SN", "USB DFU: the device with this serial number (repeat for several boards)"},
	{"path", 0, "BUS-PORT.PORT", "USB DFU: the device at this bus and port path, as fwpack list shows (repeat for several boards)"},
	{"alt", 'a', "N|NAME", "USB DFU: the alt setting by number or name (default: the one named for the image's slot, else the first)"},
	{"address", 0, "ADDR", "DfuSe: write images here (default: an fwpack image's slot address, from its header)"},
	{"mass-erase", 0, NULL, "DfuSe: erase the whole flash first instead of the sectors written"},
	{"unprotect", 0, NULL, "DfuSe: remove read protection (the device erases all its flash) and stop"},
	{"baud", 'b', "RATE", "line rate in bit/s to connect at (default 115200)"},
	{"fast-baud", 0, "RATE", "after connecting, switch both sides to RATE if the device can"},
	{"slot", 's', "N", "write every image to slot N (default: by image type, 1 Loader, 2 Application or Updater)"},
	{"no-boot", 0, NULL, "leave the device in update mode (DFU mode) afterwards"},
	{"no-compress", 0, NULL, "send the image as it is, even to a device that inflates"},
	{"json", 0, NULL, "one JSON event per line on stdout (phase, connect, baud, begin, erase, progress, retry, verify, done, boot, warning, error, result), each with its board's \"target\""},
	{"quiet", 'q', NULL, "print only errors"},
	{"timeout", 0, "MS", "wait at most MS milliseconds for an answer or a USB control transfer (default 2000)"},
	{"retries", 0, "N", "give up after N failed attempts in a row (default 10)"},
	{"stop-after", 0, "BYTES", "testing: stop sending after BYTES, as if the link dropped"},
	{0, 0, 0, 0},
};

static const struct fwp_opt list_opts[] = {
	{"probe", 0, NULL, "say HELLO on each port and show which answer as an fwpack Loader or Updater, with their layout"},
	{"json", 0, NULL, "one JSON object per port or USB DFU device and line, with its \"transport\""},
	{"baud", 'b', "RATE", "line rate in bit/s for --probe (default 115200)"},
	{"timeout", 0, "MS", "wait at most MS milliseconds for each answer to --probe (default 500)"},
	{0, 0, 0, 0},
};

static const struct fwp_opt layout_opts[] = {
	{"images", 'i', "DIR", "show the images fwpack build wrote to DIR (NAME.bin): size, header, VTOR, free space"},
	{"svg", 0, "FILE", "also draw the map as SVG into FILE"},
	{0, 0, 0, 0},
};

static const struct fwp_opt history_opts[] = {
	{"record", 'r', "URL", "the station record: an SQLite file (default fwpack-record.db), postgresql://... or a libpq conninfo"},
	{"board", 0, "UID", "only runs on the board with this unique ID (hex, as INFO reports it)"},
	{"identity", 0, "VALUE", "only runs that gave or kept this identity (serial number, MAC address)"},
	{"digest", 0, "SHA256", "only runs that wrote an image with this SHA-256 (64 hex digits)"},
	{"failures", 0, NULL, "only runs that did not pass (failed or interrupted)"},
	{"json", 0, NULL, "print a JSON array of runs, each with its images and steps"},
	{"csv", 0, NULL, "print CSV (RFC 4180), one row per run"},
	{0, 0, 0, 0},
};

static const struct fwp_opt run_opts[] = {
	{"dry-run", 'n', NULL, "check the recipe against its manifest and print the plan; touch no board and no record"},
	{"record", 'r', "URL", "the station record (overrides the recipe's): an SQLite file, postgresql://... or a libpq conninfo"},
	{"station", 0, "NAME", "this station's name in the record (overrides the recipe's; default: the host name)"},
	{"operator", 0, "NAME", "the operator's name, recorded with each run"},
	{"port", 'p', "PORT", "a board's serial port (the Loader's and the console's); repeat it or give a glob for several boards"},
	{"serial", 0, "SN", "a board's USB device by serial number (the DfuSe ROM, then the DFU Loader); repeat for several boards"},
	{"path", 0, "BUS-PORT", "a board's USB DfuSe device by bus-port path; repeat for several boards"},
	{"all", 0, NULL, "every USB DFU device there is, one board each"},
	{"baud", 'b', "RATE", "the serial rate to connect at (default 115200)"},
	{"timeout", 't', "MS", "how long a board may leave a request unanswered (default 2000); steps' own timeouts apply where they wait"},
	{"jobs", 'j', "N", "take up to N boards through the recipe at once (default 1: one after another)"},
	{"wait", 0, "[=SECONDS]", "wait for the boards named to be plugged in, at most SECONDS (default 60)"},
	{"loop", 0, NULL, "station mode: run the recipe once on each board as it is plugged in (--port glob, or USB), until interrupted (Ctrl-C), with a running pass/fail count"},
	{"quiet", 'q', NULL, "print only each board's result and the summary"},
	{0, 0, 0, 0},
};

static const struct fwp_opt provision_opts[] = {
	{"uid", 0, "HEX", "the board's unique ID in hex, as the board reports it (INFO)"},
	{"field", 'f', "NAME=VALUE", "a field of the record, e.g. serial=FW-000042 (repeat)"},
	{"key", 'k', "KEY", "the provisioning private key (never the release key)"},
	{"address", 0, "ADDR", "the provisioning slot's address"},
	{"security-counter", 0, "N", "the record's counter: a board refuses an older one (default 0)"},
	{"output", 'o', "FILE", "write the image here"},
	{0, 0, 0, 0},
};

static const struct fwp_cmd commands[] = {
	{"build", "[options] MANIFEST",
	 "Build signed slot images, factory images and HEX/S-record files from a manifest.",
	 build_opts, fwp_cmd_build},
	{"inspect", "[options] IMAGE...", "Print every header field and TLV record of images.",
	 inspect_opts, fwp_cmd_inspect},
	{"verify", "[options] IMAGE...",
	 "Check the CRCs, the digest and (with --key) the signature of images.", verify_opts,
	 fwp_cmd_verify},
	{"flash", "[options] (--port PATH... | --dfu | --all) IMAGE...",
	 "Send images to a device's fwpack Loader or Updater over serial or USB DFU, or to a DfuSe bootloader.",
	 flash_opts, fwp_cmd_flash},
	{"list", "[options] [PORT...]",
	 "List serial ports (USB VID:PID, serial number, description) and USB DFU devices (path, alt settings); with --probe, which ports answer as fwpack devices.",
	 list_opts, fwp_cmd_list},
	{"layout", "[options] MANIFEST",
	 "Draw a manifest's memory map: regions, sectors, slots and the images in them.",
	 layout_opts, fwp_cmd_layout},
	{"run", "[options] RECIPE",
	 "Take boards through a station recipe: factory images, identity, provisioning, checks, and a record of each.",
	 run_opts, fwp_cmd_run},
	{"history", "[options]",
	 "Show what the station record holds: every run on every board, its images, steps and identity.",
	 history_opts, fwp_cmd_history},
	{"provision", "[options] --uid HEX --address ADDR --key KEY -o FILE",
	 "Write one board's provisioning image: its identity, bound to its unique ID, signed with a provisioning key.",
	 provision_opts, fwp_cmd_provision},
	{"keygen", "[options] KEYFILE",
	 "Generate an ECDSA key pair: KEYFILE (private, mode 0600) and its public key.",
	 keygen_opts, fwp_cmd_keygen},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: fwpack COMMAND [options] [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'fwpack COMMAND --help' describes a command; 'man fwpack' all of them.\n"
		     "fwpack --version prints the version.\n");
}

static const struct fwp_cmd *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Output errors (a full disk, a closed pipe) must not pass silently. */
static int finish(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "fwpack: error writing to standard output: %s\n", strerror(errno));
		return code ? code : FWP_EXIT_IO;
	}
	return code;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return FWP_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
		printf("fwpack %s\n", PACKAGE_VERSION);
		return finish(FWP_EXIT_OK);
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(stdout);
		return finish(FWP_EXIT_OK);
	}
	if (strcmp(name, "help") == 0) {
		const struct fwp_cmd *c = argc > 2 ? find(argv[2]) : NULL;
		if (argc > 2 && !c) {
			fprintf(stderr, "fwpack: help: no command \"%s\"\n", argv[2]);
			return FWP_EXIT_USAGE;
		}
		if (c)
			fwp_cli_help(c, stdout);
		else
			usage(stdout);
		return finish(FWP_EXIT_OK);
	}
	const struct fwp_cmd *cmd = find(name);
	if (!cmd) {
		fprintf(stderr, "fwpack: \"%s\" is not a command\n", name);
		usage(stderr);
		return FWP_EXIT_USAGE;
	}
	return finish(cmd->run(cmd, argc - 1, argv + 1));
}
