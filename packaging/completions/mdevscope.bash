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

_mdevscope_parents() {
	# The mdev parents of this host, by the names mdevscope --plain lists (under /sys/class/mdev_bus).
	local d
	for d in /sys/class/mdev_bus/*; do
		[[ -e $d ]] && printf '%s\n' "${d##*/}"
	done
}

_mdevscope_types() {
	# The type ids the parent given with -p offers (every parent's when none is given).
	local d types
	if [[ -n $1 ]]; then
		types=("/sys/class/mdev_bus/$1/mdev_supported_types/"*)
	else
		types=(/sys/class/mdev_bus/*/mdev_supported_types/*)
	fi
	for d in "${types[@]}"; do
		[[ -e $d ]] && printf '%s\n' "${d##*/}"
	done
}

_mdevscope() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands='doctor compare features export start stop define undefine modify'
	local common='--help -h --version -V --no-color'
	local action='--dry-run --json --backend --root'
	local command='' parent='' word i
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		case $word in
		--root | --from | --dir | --timeout | --concurrency | --uuid | -u | --type | -t | --backend) ((i++)) ;;
		--parent | -p) ((i++)); parent=${COMP_WORDS[i]} ;;
		doctor | compare | features | export | start | stop | define | undefine | modify) [[ -z $command ]] && command=$word ;;
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
	--uuid | -u)
		COMPREPLY=($(compgen -W "$(_mdevscope_uuids)" -- "$cur"))
		return
		;;
	--parent | -p)
		COMPREPLY=($(compgen -W "$(_mdevscope_parents)" -- "$cur"))
		return
		;;
	--type | -t)
		COMPREPLY=($(compgen -W "$(_mdevscope_types "$parent")" -- "$cur"))
		return
		;;
	--backend)
		COMPREPLY=($(compgen -W 'auto mdevctl sysfs' -- "$cur"))
		return
		;;
	esac

	local options
	case $command in
	'') options="--root --from --sample --json --with-cmdline --plain --probe --probe-held --timeout --concurrency --advice --mouse --allow-write --backend $common" ;;
	doctor) options="--root --sample --json $common" ;;
	compare) options="--uuid --json --plain --root --timeout --concurrency $common" ;;
	features) options="--json --root --timeout --concurrency --probe-held $common" ;;
	export) options="--dir --root --timeout --concurrency --probe-held $common" ;;
	start) options="-u --uuid -p --parent -t --type --define -a --auto -m --manual $action $common" ;;
	define | modify) options="-u --uuid -p --parent -t --type -a --auto -m --manual $action $common" ;;
	stop) options="-u --uuid $action $common" ;;
	undefine) options="-u --uuid -p --parent $action $common" ;;
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
