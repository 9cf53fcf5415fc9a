# bash completion for numapin                              -*- shell-script -*-
#
# Commands, global options, each command's options (numapin reads them
# from its own command table: `numapin --complete options:CMD`), and the
# guest names and node ids of the host that the options typed so far
# name (-c, --topology, --root): `numapin --complete guests|nodes`.

_numapin()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -n : || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local np=${words[0]} i cmd= cmdi=0 src=()
    local globals="-c -N --topology --root --qmp --pid --json --color
        --version --help"

    # the global options before the command, kept to read the same host
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        -c | --topology | --root | --qmp | --pid)
            src+=("${words[i]}" "${words[i + 1]}")
            i=$((i + 1))
            ;;
        --topology=* | --root=* | --qmp=* | --pid=*) src+=("${words[i]}") ;;
        -*) ;;
        *)
            cmd=${words[i]}
            cmdi=$i
            break
            ;;
        esac
    done

    if [[ -z $cmd ]]; then
        case $prev in
        -c)
            COMPREPLY=($(compgen -W "xen kvm kvm: test:" -- "$cur"))
            [[ $cur == test:* ]] &&
                COMPREPLY=($(compgen -P test: -f -- "${cur#test:}"))
            return
            ;;
        --topology) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --qmp) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --pid) return ;;
        esac
        if [[ $cur == --color=* ]]; then
            COMPREPLY=($(compgen -P --color= -W "auto always never" \
                -- "${cur#--color=}"))
        elif [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$globals" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$("$np" --complete commands 2>/dev/null) help" \
                -- "$cur"))
        fi
        return
    fi

    # options that take a file or a directory
    case $prev in
    -o | --xl-config | --libvirt-xml | --svg | --html)
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    --state-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --policy) COMPREPLY=($(compgen -W "prefer isolate require" -- "$cur")); return ;;
    --vcpus | --memory | --overcommit | --name | --reserve | --to) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$("$np" --complete "options:$cmd" 2>/dev/null)" \
            -- "$cur"))
        return
    fi

    # the position among the command's operands
    local n=0
    for ((i = cmdi + 1; i < cword; i++)); do
        case ${words[i]} in
        -o | --xl-config | --libvirt-xml | --svg | --html | --state-dir | \
            --policy | --vcpus | --memory | --overcommit | --name | --reserve | \
            --to)
            i=$((i + 1))
            ;;
        -*) ;;
        *) n=$((n + 1)) ;;
        esac
    done

    local nodes
    _np_guests() { "$np" "${src[@]}" --complete guests 2>/dev/null; }
    _np_nodes() { "$np" "${src[@]}" --complete nodes 2>/dev/null; }
    case $cmd in
    help) [[ $n == 0 ]] && COMPREPLY=($(compgen -W "$("$np" --complete commands)" -- "$cur")) ;;
    vcpu-list) COMPREPLY=($(compgen -W "$(_np_guests)" -- "$cur")) ;;
    vcpuinfo | reset | sched-cap | sched-weight | persist)
        [[ $n == 0 ]] && COMPREPLY=($(compgen -W "$(_np_guests)" -- "$cur"))
        ;;
    vcpu-pin)
        case $n in
        0) COMPREPLY=($(compgen -W "$(_np_guests)" -- "$cur")) ;;
        1) COMPREPLY=($(compgen -W "all" -- "$cur")) ;;
        2 | 3)
            nodes=$(_np_nodes)
            COMPREPLY=($(compgen -W "all - $(printf 'node:%s ' $nodes)" -- "$cur"))
            ;;
        esac
        ;;
    emulator-pin)
        case $n in
        0) COMPREPLY=($(compgen -W "$(_np_guests)" -- "$cur")) ;;
        1) COMPREPLY=($(compgen -W "all $(printf 'node:%s ' $(_np_nodes))" -- "$cur")) ;;
        esac
        ;;
    numatune)
        case $n in
        0) COMPREPLY=($(compgen -W "$(_np_guests)" -- "$cur")) ;;
        1) COMPREPLY=($(compgen -W "auto $(_np_nodes)" -- "$cur")) ;;
        esac
        ;;
    freecell) [[ $n == 0 ]] && COMPREPLY=($(compgen -W "$(_np_nodes)" -- "$cur")) ;;
    plan) COMPREPLY=($(compgen -W "$(_np_guests)" -- "$cur")) ;;
    apply) COMPREPLY=($(compgen -W "$(_np_guests)" -- "$cur") $(compgen -f -X '!*.json' -- "$cur")) ;;
    esac
    unset -f _np_guests _np_nodes
}
complete -F _numapin numapin
