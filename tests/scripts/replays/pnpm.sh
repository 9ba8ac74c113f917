#!/bin/sh
# pnpm's install progress: the progress line rewritten by going up a line, to column 1, and
# erasing what is left of it.
printf 'Packages: \033[32m+412\033[39m\n\033[32m++++++++++++++++++++++++++++++++\033[39m\n'
printf 'Progress: resolved 0, reused 0, downloaded 0, added 0\n'
i=1
while [ $i -le 40 ]; do
  printf '\033[1A\rProgress: resolved \033[96m%d\033[39m, reused \033[96m%d\033[39m, downloaded \033[96m%d\033[39m, added \033[96m%d\033[39m\033[K\n' $((i * 10)) $((i * 9)) $i $((i * 8))
  i=$((i + 1))
done
printf '\033[1A\rProgress: resolved \033[96m412\033[39m, reused \033[96m400\033[39m, downloaded \033[96m12\033[39m, added \033[96m412\033[39m, done\033[K\n'
printf '\n\033[1mdependencies:\033[22m\n\033[32m+\033[39m next \033[90m14.2.5\033[39m\n\nDone in 4.1s\n'
