#!/bin/sh
# `railway up` on a terminal: indicatif's draw target through console's Term. Each draw of a
# spinner clears its row (CR, erase line) and writes the line padded with spaces to the
# terminal's width, leaving the cursor at the right edge ("so that next user writes happen on
# the next line"); the next spinner's first line and plain println! output wrap there. The width
# is the terminal's (stty, as console asks), or COLUMNS on a pipe.
cols=$(stty size <&2 2>/dev/null | cut -d' ' -f2)
cols=${cols:-${COLUMNS:-80}}
# A line of visible width $2, padded to the edge.
draw() { printf '\r\033[2K%s%*s' "$1" $((cols - $2)) ''; }
spin() {
  for frame in '⠋' '⠙' '⠹' '⠸' '⠼'; do
    draw "$(printf '\033[32m%s\033[0m %s' "$frame" "$1")" $((2 + ${#1}))
  done
  draw "$(printf '\033[32m✓\033[0m %s' "$2")" $((2 + ${#2}))
}
spin Indexing Indexed
spin Compressing Compressed
spin Uploading Uploaded
printf '  \033[1;32mBuild Logs\033[0m: https://railway.com/project/6f1e9c2a-4b7d-4e8a-9c3f-2d5b8a7e1f40/service/0b9d4e21-7c3a-4f5e-8d2b-6a1c9e3f7b50?id=ad3f8b2c-9e41-4a7d-b6c5-1f2e3d4c5b6a\n'
printf 'Build started: 3 services, 12 layers cached\n'
