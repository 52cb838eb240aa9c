# bash completion for mdevscope(1). Installed by the .deb as
# /usr/share/bash-completion/completions/mdevscope; it needs no bash-completion helper, so it can
# also be sourced by hand. test/packaging.test.ts checks it offers every option src/cli.tsx accepts.

_mdevscope_uuids() {
	# The instances of this host (the names under /sys/bus/mdev/devices are their UUIDs).
	local d
	for d in /sys/bus/mdev/devices/*; do
		[[ -e $d ]] && printf '%s\n' "${d##*/}"
	done
}

_mdevscope() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands='doctor compare features export'
	local common='--help -h --version -V --no-color'
	local command='' word i
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		case $word in
		--root | --from | --dir | --timeout | --concurrency | --uuid) ((i++)) ;;
		doctor | compare | features | export) command=$word; break ;;
		esac
	done

	case $prev in
	--root | --dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	--from)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--timeout | --concurrency)
		COMPREPLY=()
		return
		;;
	--uuid)
		COMPREPLY=($(compgen -W "$(_mdevscope_uuids)" -- "$cur"))
		return
		;;
	esac

	local options
	case $command in
	'') options="--root --from --sample --json --with-cmdline --plain --probe --probe-held --timeout --concurrency --advice --mouse $common" ;;
	doctor) options="--root --sample --json $common" ;;
	compare) options="--uuid --json --plain --root --timeout --concurrency $common" ;;
	features) options="--json --root --timeout --concurrency --probe-held $common" ;;
	export) options="--dir --root --timeout --concurrency --probe-held $common" ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$options" -- "$cur"))
		return
	fi
	case $command in
	'') COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
	compare) COMPREPLY=($(compgen -W 'local -' -- "$cur") $(compgen -f -- "$cur")) ;;
	features) COMPREPLY=($(compgen -W "$(_mdevscope_uuids)" -- "$cur")) ;;
	*) COMPREPLY=() ;;
	esac
}
complete -F _mdevscope mdevscope
