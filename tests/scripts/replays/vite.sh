#!/bin/sh
# vite's build reporter: progress redrawn with erase-line and cursor-to-column-1, no carriage
# return, then the result on its own line.
printf '\033[36mvite v5.4.8 \033[32mbuilding for production...\033[39m\n'
i=0
while [ $i -lt 300 ]; do
  printf '\033[2K\033[1Gtransforming (%d) \033[2msrc/components/Widget%d.tsx\033[22m' $i $i
  i=$((i + 1))
done
printf '\033[2K\033[1G\033[32m✓\033[39m 120 modules transformed.\n'
printf '\033[2K\033[1Grendering chunks (1)...'
printf '\033[2K\033[1Gcomputing gzip size (0)...'
printf '\033[2K\033[1G\033[2mdist/\033[22m\033[36massets/index-4f2a.js  \033[39m\033[1m\033[2m142.31 kB\033[22m\033[1m\033[22m\033[2m │ gzip: 45.80 kB\033[22m\n'
printf '\033[32m✓ built in 2.31s\033[39m\n'
