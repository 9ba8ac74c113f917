#!/bin/sh
# `gh run watch` (2.x): the refreshes inside the alternate screen (CSI ?1049h … ?1049l), each
# home + erase below + the frame; after leaving it, the last frame written once more on the
# main screen, a blank line and the outcome.
# As gh's FuzzyAgo words it: past a minute the line gets shorter.
ago() {
  if [ "$1" -lt 60 ]; then
    printf 'Triggered via push about %s seconds ago\n\n' "$1"
  else
    printf 'Triggered via push about 1 minute ago\n\n'
  fi
}
frame() {
  printf '\033[1m%s\033[0m\n\n' "$1"
  printf '\033[33m*\033[0m hotfix/pay-4f2a CI · 7104522931\n'
  ago "$2"
  printf '\033[1mJOBS\033[0m\n'
  printf '%b build in %ss (ID 19387112021)\n' "$3" "$2"
  printf '  \033[32m✓\033[0m Set up job\n  %b Test\n' "$3"
}
printf 'Watching run 7104522931\n'
printf '\033[?1049h'
t=3
while [ $t -le 63 ]; do
  printf '\033[0;0H\033[J'
  frame 'Refreshing run status every 3 seconds. Press Ctrl+C to quit.' $t '\033[33m*\033[0m'
  t=$((t + 3))
done
printf '\033[?1049l'
printf '\033[1mhotfix/pay-4f2a CI · 7104522931\033[0m\n'
printf '\033[32m✓\033[0m build in 48s (ID 19387112021)\n'
printf '\n\033[32m✓\033[0m Run \033[1mCI\033[0m (\033[36m7104522931\033[0m) completed with '"'"'success'"'"'\n'
