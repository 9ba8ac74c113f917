#!/bin/sh
# `docker compose pull` on a terminal: compose's ttyWriter.print. Every 100 ms: the cursor up
# one row more than the last frame's event lines (the first time, back down one), to column 0,
# hidden; "[+] Running n/m" (blue once all are done); then one line per event and its children
# (two spaces in), each "spinner id text  status" padded so its timer ends at the terminal's
# width minus one, the colour (white working, blue done) wrapping the line and its newline.
# Five images and their layers make a frame taller than a small terminal: the cursor stops at
# the top of the screen, and what scrolled off stays, on a terminal as here.
cols=$(stty size <&2 2>/dev/null | cut -d' ' -f2)
cols=${cols:-${COLUMNS:-80}}
images="web api worker cron cache"
layers="4f4fb700ef54 a2abf6c4d29d c7b8c9d0e1f2 9d1e2f3a4b5c 31ad0b4c5d6e 7e8f9a0b1c2d b3c4d5e6f7a8"
numlines=0
repeated=0
# An event line: pad, spinner, id, text padded to 22, status; the timer at the right edge.
line() {
  colour=$1 pad=$2 spinner=$3 id=$4 text=$5 status=$6 timer=$7
  body=$(printf '%s %s %s %-*s %s' "$pad" "$spinner" "$id" $((22 - ${#id})) "$text" "$status")
  # Go's %-*s counts bytes: the spinner is three bytes and one column.
  width=$((cols - ${#timer} - 2))
  printf '\033[%sm%-*s %s\n\033[0m' "$colour" "$width" "$body" "$timer"
}
frame() {
  tick=$1 final=$2
  up=''
  i=0
  while [ $i -le $numlines ]; do up="$up\033[1A"; i=$((i + 1)); done
  [ $repeated = 0 ] && up="$up\033[1B"
  repeated=1
  printf "$up\033[0G\033[?25l"
  if [ "$final" = 1 ]; then
    printf '\033[34m[+] Running 5/5\033[0m\n'
  else
    printf '[+] Running %d/%d\n' $((tick / 3)) "$numlines"
  fi
  n=0
  for img in $images; do
    if [ "$final" = 1 ]; then
      line 34 '' '⠿' "$img" Pulled '' '4.2s'
    else
      line 37 '' '⠋' "$img" Pulling '' "$tick.1s"
    fi
    n=$((n + 1))
    k=0
    for layer in $layers; do
      k=$((k + 1))
      if [ "$final" = 1 ] || [ $k -le "$tick" ]; then
        line 34 '  ' '⠿' "$layer" 'Pull complete' '' '1.0s'
      else
        line 37 '  ' '⠙' "$layer" Downloading "[=====>     ] $k.${tick}MB/45.6MB" "$tick.0s"
      fi
      n=$((n + 1))
    done
  done
  printf '\033[?25h'
  numlines=$n
}
for t in 1 2 3 4 5 6; do frame $t 0; done
frame 7 1
