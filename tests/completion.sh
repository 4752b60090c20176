#!/bin/sh
# Shell completion: the bash script registers itself and completes commands
# and options from fwpack's own --help; zsh loads the function file.
. "$top_srcdir/tests/lib.sh"
bash_complete() { # WORDS...: the words typed, the last one being completed
	PATH="$top_builddir:$PATH" bash --norc --noprofile -c '
		. "$top_srcdir/data/completion/bash/fwpack" || exit 1
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_fwpack fwpack "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' fwpack-complete "$@"
}
PATH="$top_builddir:$PATH" bash --norc --noprofile -c \
	'. "$top_srcdir/data/completion/bash/fwpack" && complete -p fwpack' >"$T/log" 2>&1
expect_output "complete -F _fwpack fwpack" "bash: sourcing registers _fwpack for fwpack"

bash_complete fwpack fl >"$T/log" 2>&1
if [ "$(cat "$T/log")" = flash ]; then ok "bash: fwpack fl<TAB> completes to flash"; else
	not_ok "bash: fwpack fl<TAB> gave: $(cat "$T/log")"; fi
bash_complete fwpack "" >"$T/log" 2>&1
n=$("$FWPACK" --help | sed -n '/^commands:/,/^$/p' | grep -c '^  [a-z]')
for c in $("$FWPACK" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p'); do
	grep -qx "$c" "$T/log" || not_ok "bash: command $c not offered"
done
[ "$n" -gt 5 ] && ok "bash: every command in fwpack --help is offered ($n)"

bash_complete fwpack flash --po >"$T/log" 2>&1
if [ "$(cat "$T/log")" = --port ]; then ok "bash: fwpack flash --po<TAB> completes to --port"; else
	not_ok "bash: --po<TAB> gave: $(cat "$T/log")"; fi
bash_complete fwpack verify --k >"$T/log" 2>&1
expect_output "--key" "bash: options come from the command's own --help (verify --k: --key)"
bash_complete fwpack flash --dfu >"$T/log" 2>&1
expect_output "--dfu" "bash: a flag completes"

mkdir -p "$T/proj" && : >"$T/proj/board.json" && : >"$T/proj/notes.txt"
(cd "$T/proj" && bash_complete fwpack build "") >"$T/log" 2>&1
if grep -qx board.json "$T/log" && ! grep -q notes.txt "$T/log"; then
	ok "bash: fwpack build <TAB> offers manifests (*.json), not other files"
else not_ok "bash: build <TAB> gave: $(tr '\n' ' ' <"$T/log")"; fi
(cd "$T/proj" && bash_complete fwpack build -o "") >"$T/log" 2>&1
if ! grep -q board.json "$T/log"; then ok "bash: -o DIR offers directories only"; else
	not_ok "bash: -o DIR offered files"; fi

if command -v zsh >/dev/null 2>&1; then
	zsh -f -c 'autoload -Uz compinit && compinit -u -D; fpath=("$1" $fpath); autoload -Uz _fwpack && whence -w _fwpack' \
		zsh "$top_srcdir/data/completion/zsh" >"$T/log" 2>&1
	expect_output "_fwpack: function" "zsh: _fwpack loads as a completion function"
else
	# zsh is in scripts/install-deps; without it the zsh file is unchecked.
	not_ok "zsh not installed (scripts/install-deps installs it)"
fi
finish
