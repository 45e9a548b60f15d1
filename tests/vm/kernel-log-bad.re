# Guest kernel log lines that fail a VM run: extended regexps, one per line,
# OR-ed together (comments and blank lines ignored).  Read by run-vm.sh (exit
# 122; `run-vm.sh --scan-log FILE` applies it to a saved log) and by
# phases/powercut.sh (KERNEL-BAD lines, since a power-cut boot never reaches
# run-vm.sh's check).  tests/vm/selftest.sh (dmesg-patterns) checks it against
# sample report lines and boot banners.
#
# Oopses and BUG/WARNING, which also cover KASAN and KFENCE reports
# ("BUG: KASAN: ...", "BUG: KFENCE: ..."), lockdep splats ("WARNING: possible
# circular locking ..."), sleeping in atomic context ("BUG: sleeping function
# called from invalid context"), ODEBUG and list debugging (WARN) and soft
# lockups ("watchdog: BUG: soft lockup").
Oops
BUG:
WARNING:
general protection
kernel BUG
Call Trace
UBSAN
KASAN
KFENCE
# The checkers' own lines, in case a report is not preceded by BUG/WARNING.
possible circular locking
possible recursive locking
inconsistent lock state
trying to register non-static key
turning off the locking correctness validator
lockdep is turned off
sleeping function called from invalid context
ODEBUG:
list_(add|del) corruption
list_add double add
INFO: task .* blocked
# Not the bare word "lockdep": a lockdep kernel says "RCU lockdep checking is
# enabled" at every boot.
