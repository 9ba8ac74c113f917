#!/bin/sh
# `gh run watch` (before 2.0): the screen cleared once, then every refresh moves the cursor
# home (CSI 0;0H) and erases below (CSI J) and draws the whole frame; a line and the outcome
# after the last frame.
job() { printf '%b %s in %s (ID %s)\n' "$1" "$2" "$3" "$4"; }
# As gh's FuzzyAgo words it: past a minute the line gets shorter.
ago() {
  if [ "$1" -lt 60 ]; then
    printf 'Triggered via push about %s seconds ago\n\n' "$1"
  else
    printf 'Triggered via push about 1 minute ago\n\n'
  fi
}
frame() {
  printf '\033[0;0H\033[J'
  printf '\033[1mRefreshing run status every 3 seconds. Press Ctrl+C to quit.\033[0m\n\n'
  printf '\033[33m*\033[0m hotfix/pay-4f2a CI · 7104522931\n'
  ago "$1"
  printf '\033[1mJOBS\033[0m\n'
  job "$2" build "$1s" 19387112021
  printf '  \033[32m✓\033[0m Set up job\n  \033[32m✓\033[0m Checkout\n  %b Test\n' "$2"
  job "$3" deploy "$1s" 19387112022
  printf '  %b Deploy to production\n' "$3"
  printf '\n\033[1mANNOTATIONS\033[0m\n'
  printf '! Node.js 16 actions are deprecated.\n'
  printf '%s\n' "build: .github#1"
}
printf '\033[2J'
t=3
while [ $t -le 66 ]; do
  frame $t '\033[33m*\033[0m' '\033[33m*\033[0m'
  t=$((t + 3))
done
frame 69 '\033[32m✓\033[0m' '\033[32m✓\033[0m'
printf '\n\033[32m✓\033[0m Run \033[1mCI\033[0m (\033[36m7104522931\033[0m) completed with '"'"'success'"'"'\n'
