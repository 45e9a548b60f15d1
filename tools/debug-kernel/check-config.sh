#!/usr/bin/env bash
# check-config.sh <.config> <fragment>...
# Fails (exit 1) unless every option of the fragments ended up in .config
# exactly as written: merge_config.sh and olddefconfig silently drop or
# change options whose dependencies are missing.  Lists every mismatch.
set -euo pipefail
(($# >= 2)) || { echo "usage: $0 <.config> <fragment>..." >&2; exit 2; }
config=$1
shift
bad=0
for frag in "$@"; do
    while IFS= read -r line; do
        if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
            opt=${BASH_REMATCH[1]}
            want="$opt=${BASH_REMATCH[2]}"
        elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
            opt=${BASH_REMATCH[1]}
            want="# $opt is not set"
        else
            continue
        fi
        # The option's line in .config: "CONFIG_X=..." or "# CONFIG_X is not set";
        # absent altogether means not set as well (its dependencies are off).
        have=$(grep -E "^($opt=|# $opt is not set$)" "$config" || true)
        [[ -n $have ]] || have="# $opt is not set"
        if [[ $have != "$want" ]]; then
            echo "check-config: want '$want', .config has '$have'" >&2
            bad=1
        fi
    done <"$frag"
done
((bad == 0)) && echo "check-config: all options of $* are set in $config"
exit "$bad"
