#!/bin/sh
# log-update (the Netlify CLI): each frame erases the previous one from the bottom up with
# erase-line and cursor-up, then cursor to column 1, then the new frame.
frame() {
  printf '\033[36m%s\033[39m Uploading blobs to deploy store\n  %s files hashed\n  %s of 24 uploaded\n' "$1" "$2" "$3"
}
erase() {
  printf '\033[2K\033[1A\033[2K\033[1A\033[2K\033[1A\033[2K\033[G'
}
frame ⠋ 0 0
i=1
for f in ⠙ ⠹ ⠸ ⠼ ⠴ ⠦ ⠧ ⠇ ⠏ ⠋ ⠙ ⠹ ⠸ ⠼ ⠴ ⠦ ⠧ ⠇ ⠏ ⠋ ⠙ ⠹ ⠸ ⠼ ⠴ ⠦ ⠧ ⠇ ⠏; do
  erase
  frame "$f" $((i * 4)) $i
  i=$((i + 1))
done
erase
printf '\033[32m✔\033[39m Finished uploading blobs to deploy store\n'
printf '\n🚀 Deploy complete\n  Website URL: \033[36mhttps://acme-web.netlify.app\033[39m\n'
