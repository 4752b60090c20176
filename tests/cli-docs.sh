#!/bin/sh
# --help and the man pages come from two places; they must list the same
# options (what dfu-util's --wait shows happens otherwise).
. "$top_srcdir/tests/lib.sh"
# The commands as fwpack itself lists them: a new command needs its page.
cmds=$("$FWPACK" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$cmds" ] && ok "fwpack --help lists its commands: $(echo $cmds)" || not_ok "no commands in fwpack --help"
for c in $cmds; do
	if [ ! -f "$top_srcdir/man/fwpack-$c.1" ]; then not_ok "fwpack $c has no man/fwpack-$c.1"; continue; fi
	"$FWPACK" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u >"$T/help"
	sed -n '/^\.SH OPTIONS/,/^\.SH [^O]/p' "$top_srcdir/man/fwpack-$c.1" |
		grep -o -- '\\-\\-[a-z][a-z\\-]*' | sed 's/\\//g' | sort -u >"$T/man"
	if cmp -s "$T/help" "$T/man"; then
		ok "fwpack $c: --help and man page list the same options"
	else
		not_ok "fwpack $c: --help and man/fwpack-$c.1 differ"
		diff "$T/help" "$T/man" | sed 's/^/    /'
	fi
	# Each default --help states, the man page states for the same option.
	"$FWPACK" "$c" --help | sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z-]*\).*[(;] *default:\{0,1\} \([^);,]*\).*/\2 \3/p' >"$T/defaults"
	while read -r opt def; do
		# The option's .TP entry in OPTIONS, troff escapes removed, on one line.
		entry=$(sed -n '/^\.SH OPTIONS/,/^\.SH [^O]/p' "$top_srcdir/man/fwpack-$c.1" |
			awk -v o="$opt" '/^\.TP/ { if (hit) exit; getline head; n = head; gsub(/\\-/, "-", n);
				hit = index(n " ", o " ") || index(n " ", o "\"") || index(n, o ","); body = ""; next }
				hit { body = body " " $0 } END { print body }' |
			sed 's/\\f[BIRP]//g; s/\\-/-/g; s/^\.[A-Z]* //; s/ \.[A-Z]* / /g' | tr -s ' \n' '  ')
		case $entry in
		*"default $def"* | *"default: $def"*) ok "fwpack $c $opt: the man page states its default ($def)" ;;
		*) not_ok "fwpack $c $opt: --help says default $def, man/fwpack-$c.1 does not: $entry" ;;
		esac
	done <"$T/defaults"
	if grep -q "fwpack-$c" "$top_srcdir/man/fwpack.1"; then ok "fwpack.1 refers to fwpack-$c"; else not_ok "fwpack.1 lacks fwpack-$c"; fi
done
finish
