#!/bin/sh
# cargo's progress bar: carriage return, the bar, erase to the end; cleared before the next
# status line.
printf '\033[1m\033[32m   Compiling\033[0m serde v1.0.210\n' >&2
i=1
while [ $i -le 40 ]; do
  bar=$(printf '%*s' $i '' | tr ' ' '=')
  printf '\r\033[1m\033[36m    Building\033[0m [%-40s] %d/40: serde, tokio\033[K' "$bar>" $i >&2
  i=$((i + 1))
done
printf '\r\033[K' >&2
printf '\033[1m\033[32m    Finished\033[0m `release` profile [optimized] target(s) in 41.20s\n' >&2
