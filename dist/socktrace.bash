# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# bash completion for socktrace: subcommands, options, and the values that are
# names (states, hook families, seed sources). A test compares these lists with
# `socktrace --help`.

_socktrace()
{
	local cur prev words cword
	_init_completion || return

	local cmds="watch life table reuseport accept serve features help"
	local opts="--json -H --no-header -w --wide -T --timestamps -n --numeric
		--pid --comm --port --lport --rport --state -4 -6 --netns
		--duration --count --ready-file -v --ringbuf-size --max-sockets --btf
		--state-hook --hooks --seed -t -u -x --path -l -a -p -e -c --min-ms --max-ms
		--life-path --interval --metrics --web-config --metrics-max-series --help --version"
	local states="ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE
		CLOSE_WAIT LAST_ACK LISTEN CLOSING NEW_SYN_RECV"

	case $prev in
	--state)
		# a comma-separated list: complete the name after the last comma
		local head=${cur%"${cur##*,}"}
		COMPREPLY=($(compgen -P "$head" -W "$states" -- "${cur##*,}"))
		return
		;;
	--state-hook)
		COMPREPLY=($(compgen -W "auto tp_btf raw_tp tracepoint" -- "$cur"))
		return
		;;
	--hooks)
		COMPREPLY=($(compgen -W "auto fentry kprobe tracepoint" -- "$cur"))
		return
		;;
	--seed)
		COMPREPLY=($(compgen -W "auto iter netlink" -- "$cur"))
		return
		;;
	--life-path)
		COMPREPLY=($(compgen -W "auto table" -- "$cur"))
		return
		;;
	--ready-file | --btf | --web-config | --path)
		_filedir
		return
		;;
	--pid)
		_pids
		return
		;;
	--comm)
		_pnames
		return
		;;
	--metrics)
		COMPREPLY=($(compgen -W "127.0.0.1:9476 [::1]:9476" -- "$cur"))
		return
		;;
	--port | --lport | --rport | --netns | --duration | --count | --ringbuf-size | \
		--max-sockets | --min-ms | --max-ms | --interval | --metrics-max-series)
		return
		;;
	esac
	if [[ $cword -eq 1 && $cur != -* ]]; then
		COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _socktrace socktrace
