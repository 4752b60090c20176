#!/bin/sh
# fwpack run: the example F429 recipe's plan, every check that must stop a
# recipe before a board is touched (with file:line:col and JSON path), and
# the record and identity pool refusing before the first board.
. "$top_srcdir/tests/lib.sh"
EX=$top_srcdir/examples
R=$EX/recipes/factory-f429.json
MAN=$top_builddir/examples/manifests/factory-f429.json

expect_exit 0 "the example recipe's plan" "$FWPACK" run --dry-run "$R"
expect_output "dfuse_mass_erase: the ROM erases all flash" "...starts with the ROM's mass erase"
expect_output 'counter "FW-{:06d}": FW-000001 .. FW-999999' "...names the identity pool"
expect_output "to slot provisioning at 0x080e0000" "...provisions its own slot"
expect_output "provisioning key $EX/recipes/../keys/station-p256.pem" "...signed with the provisioning key the recipe names"
expect_output 'the console prints "serial number {identity}" within 5000 ms' "...ends with the check"

# With the images built, the plan shows what goes onto each board.
"$FWPACK" build -q -o "$T/out" "$MAN" || not_ok "build the station manifest"
jq --arg m "$MAN" --arg o "$T/out" '.manifest = $m | .build_dir = $o' "$R" >"$T/r.json"
expect_exit 0 "plan with the images built" "$FWPACK" run -n "$T/r.json"
expect_output "sha256 $(sha256sum "$T/out/app.bin" | cut -d' ' -f1)" "...with each image's SHA-256"

# bad NAME JQ-FILTER EXPECTED DESCRIPTION: a variant of the recipe fails its checks
bad() {
	jq --arg m "$MAN" --arg o "$T/out" ".manifest = \$m | .build_dir = \$o | $2" "$R" >"$T/$1.json" ||
		{ not_ok "$4 (jq)"; return; }
	expect_exit 65 "$4" "$FWPACK" run --dry-run "$T/$1.json"
	expect_output "$3" "...$3"
}
bad key '.colour = "red"' 'key.json:70:13: colour' "unknown key, at its line and column"
bad key '.colour = "red"' 'colour: unknown key "colour"' "unknown key, by JSON path"
bad step '.steps[2].do = "flash"' 'steps[2].do: unknown step "flash"' "unknown step"
bad image '.steps[4].images = ["nope"]' 'steps[4].images[0]: the manifest' "missing image"
bad image2 '.steps[4].images = ["nope"]' 'has no image "nope" (it has: bootloader, loader, app)' "missing image, with the names there are"
bad norom '.board.rom = "none"' 'steps[0].do: dfuse_mass_erase: the board cannot do this' "a DfuSe step on a board without the ROM bootloader"
bad carrier '.board.loader = ["serial"] | .steps[4].over = "dfu"' 'steps[4].over: write over dfu: the board cannot do this' "a Loader step over a carrier the board lacks"
bad bl '.steps[4].images = ["bootloader"]' 'the fwpack Loader cannot write the Bootloader "bootloader"' "the Bootloader through the Loader"
bad console '.board.console = false' 'steps[7].do: expect: the board cannot do this: it has no console' "expect without a console"
bad order '.steps |= [.[0], .[1], .[2], .[4], .[5], .[6], .[7]]' 'steps[3].do: write: the board runs no bootloader (after dfuse_leave) here, not the fwpack Loader (wait_loader first)' "a Loader step before wait_loader"
bad early '.steps |= [.[0], .[1], .[2], .[3], .[4], .[5], .[7]]' 'steps[6].do: expect: the board runs the fwpack Loader here (boot first)' "expect before boot"
bad again '.steps += [{"do": "wait_loader"}]' 'steps[8]: wait_loader after boot: the Application must be told to enter the Loader' "wait_loader after boot without enter"
bad rom2 '.steps += [{"do": "dfuse_leave"}]' 'steps[8].do: dfuse_leave: the board runs the Application (after boot) here, not its DfuSe ROM' "a DfuSe step after the ROM left"
bad fmt '.identity.counter.format = "FW-{:q}"' 'identity.counter.format: format "FW-{:q}": placeholder' "a bad counter format"
bad fmt2 '.identity.counter.format = "FW"' 'needs one {} placeholder' "a counter format without a number"
bad range '.identity.counter.end = 0' 'identity.counter.end: is below start' "an empty counter range"
bad unused 'del(.provisioning_key) | .steps |= map(select(.do != "expect" and .do != "provision"))' 'identity: no step writes or expects {identity}' "an identity nothing uses"
bad noid 'del(.identity)' 'a step uses {identity} but the recipe names no "identity" source' "{identity} without a source"
bad ph '.steps[7].line = "sn {serial}"' 'steps[7].line: unknown placeholder in "sn {serial}"' "an unknown placeholder"
bad two '.identity.csv = {"file": "x.csv"}' 'identity: give exactly one of counter, csv or command' "two identity sources"
bad slot '.steps[5].slot = "nvram"' 'steps[5].slot: the manifest' "provisioning to a slot the manifest lacks"
bad slot2 '.steps[5].slot = "app"' 'slot "app" holds the image "app": the provisioning record needs a slot of its own' "provisioning into an image's slot"
bad nokey 'del(.provisioning_key)' 'steps[5]: provision: the recipe names no "provisioning_key"' "a provision step without a provisioning key"
bad spare '.steps |= map(select(.do != "provision"))' 'provisioning_key: no step provisions a board with it' "a provisioning key nothing uses"
bad enter '.steps[3].enter = "jump"' 'steps[3].enter: "jump": expected "reset", "1200", "console" or "console=CMD"' "an unknown way to enter the Loader"
bad version '.recipe_version = 2' 'recipe_version: version 2 is not supported' "a newer recipe version"
bad type '.steps[4].timeout_ms = "10s"' 'steps[4].timeout_ms: expected a non-negative integer' "a wrong type"

printf '{\n  "recipe_version": 1,\n  "manifest": "m.json",\n  "steps": [ , ]\n}\n' >"$T/syntax.json"
expect_exit 65 "a JSON syntax error" "$FWPACK" run -n "$T/syntax.json"
expect_output "syntax.json:4:14: JSON syntax error" "...at its line and column"

printf 'serial\nS1\nS2\nS1\n' >"$T/dup.csv"
jq --arg m "$MAN" '.manifest = $m | del(.identity.counter) | .identity.csv = {"file": "dup.csv"}' "$R" >"$T/csv.json"
expect_exit 65 "a CSV identity list with a duplicate" "$FWPACK" run -n "$T/csv.json"
expect_output 'dup.csv:4: duplicate value "S1" (also on line 2)' "...names both lines"

# Without --dry-run: the record and the pool are checked before the first board.
"$FWPACK" keygen "$T/station.pem" >/dev/null || not_ok "a provisioning key"
jq --arg m "$MAN" '.manifest = $m | .identity.counter.end = 2 | .provisioning_key = "missing.pem"' "$R" >"$T/two.json"
expect_exit 66 "images not built stop the station" "$FWPACK" run --record "$T/rec.db" "$T/two.json"
expect_output 'image "bootloader" is not built (fwpack build -o' "...naming the image and the command"
if [ -e "$T/rec.db" ]; then not_ok "...before the record is opened"; else ok "...before the record is opened"; fi
jq --arg o "$T/out" '.build_dir = $o' "$T/two.json" >"$T/two-built.json" && mv "$T/two-built.json" "$T/two.json"
expect_exit 66 "a provisioning key that cannot be read stops the station" \
	"$FWPACK" run --record "$T/rec.db" --station s1 --port /dev/null "$T/two.json"
expect_output "two.json: provisioning_key $T/missing.pem: " "...naming the recipe and the key"
if [ -e "$T/rec.db" ]; then not_ok "...before the record is opened"; else ok "...before the record is opened"; fi
jq '.provisioning_key = "station.pub.pem"' "$T/two.json" >"$T/pub.json"
expect_exit 65 "a public key as the provisioning key stops the station" \
	"$FWPACK" run --record "$T/rec.db" --station s1 --port /dev/null "$T/pub.json"
expect_output "is a public key: the station signs each board's record with the private one" "...and says why"
jq '.provisioning_key = "station.pem"' "$T/two.json" >"$T/two-key.json" && mv "$T/two-key.json" "$T/two.json"
expect_exit 64 "a ready station still refuses boards that do not pair, before any board" \
	"$FWPACK" run --record "$T/rec.db" --station s1 --operator ann --port /dev/null "$T/two.json"
expect_output "0 USB device(s) but 1 port(s) (they pair in order)" "...and says so"
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (got \"$1\", expected \"$2\")"; fi
}
expect_eq "$(sqlite3 "$T/rec.db" "SELECT name FROM stations; SELECT name, kind, format FROM identity_pools")" \
	"s1
f429-serial|counter|FW-{:06d}" "...with the station and its pool in the record"
expect_exit 0 "the pool's two values are handed out (station_sim)" \
	"$top_builddir/tests/station_sim" --record "$T/rec.db" --station s2 --pool f429-serial --end 2 --boards 2
expect_exit 65 "an exhausted pool stops the station" "$FWPACK" run --record "$T/rec.db" "$T/two.json"
expect_output 'identity pool "f429-serial" is exhausted' "...naming the pool"
expect_exit 74 "an unreachable record stops the station" \
	"$FWPACK" run --record "host=$T/nowhere dbname=x" "$T/two.json"
expect_output "cannot connect (the station cannot record" "...with a clear error"

# Boards through the recipe with the station API (tests/station_sim: the
# record's side of `fwpack run`, no transport): what the record holds.
SIM=$top_builddir/tests/station_sim
expect_exit 0 "3 boards through the recipe" "$SIM" --recipe "$T/two.json" --record "$T/run.db" \
	--station line1 --operator ann --boards 2 --uid-base 3568375a3039 --fail-at 1
"$FWPACK" history --record "$T/run.db" --json >"$T/h.json"
expect_eq "$(jq -r '[.[] | .identity + ":" + .result] | join(" ")' "$T/h.json")" \
	"FW-000001:pass FW-000002:fail" "the record: each board's identity and result"
expect_eq "$(jq -r '.[0] | .station + " " + .operator + " " + .board' "$T/h.json")" \
	"line1 ann 0000000000003568375a3039" "...station, operator, board"
expect_eq "$(jq -r '.[0].images | map(.name + "@" + .version + "=" + .sha256) | join(" ")' "$T/h.json")" \
	"app@2.3.0+512=$(sha256sum <"$T/out/app.bin" | cut -d' ' -f1) bootloader@1.0.0+0=$(sha256sum <"$T/out/bootloader.bin" | cut -d' ' -f1) loader@1.1.0+7=$(sha256sum <"$T/out/loader.bin" | cut -d' ' -f1)" \
	"...each image with its version and the SHA-256 of the built file"
expect_eq "$(jq -r '.[1].steps | map(.name + ":" + .result) | join(" ")' "$T/h.json")" \
	"dfuse_mass_erase:pass dfuse_write:pass dfuse_leave:pass wait_loader:pass write:pass provision:pass boot:pass expect:fail" \
	"...every step of the recipe, in order, with its result"
expect_eq "$(jq -r '.[1].error' "$T/h.json")" "expect: no such line in 5000 ms" "...and the error"
expect_exit 1 "the pool of 2 is exhausted: the station stops before any board" "$SIM" \
	--recipe "$T/two.json" --record "$T/run.db" --station line1 --boards 1 --uid-base 1
expect_output 'identity pool "f429-serial" is exhausted' "...with a clear error"
jq '.identity.counter.end = 3' "$T/two.json" >"$T/three.json"
expect_exit 0 "the pool grown to 3: the same boards again" "$SIM" --recipe "$T/three.json" \
	--record "$T/run.db" --station line1 --boards 2 --uid-base 3568375a3039
expect_eq "$(grep -c ' kept$' "$T/log") $(grep -c 'FW-000003' "$T/log")" "2 0" \
	"...keep their identities, and the third value stays free"
finish
