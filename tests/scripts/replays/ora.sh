#!/bin/sh
# The ora spinner as the Vercel CLI draws it on stderr: erase line, column 1, frame; the
# cursor hidden meanwhile; then the production URL on stdout.
printf 'Vercel CLI 37.4.2\n' >&2
printf '\033[?25l' >&2
n=0
while [ $n -lt 30 ]; do
  for f in ⠋ ⠙ ⠹ ⠸ ⠼ ⠴ ⠦ ⠧ ⠇ ⠏; do
    printf '\033[2K\033[1G\033[36m%s\033[39m Deploying acme/web' "$f" >&2
  done
  n=$((n + 1))
done
printf '\033[2K\033[1G\033[?25h' >&2
printf '✅  Production: \033[1mhttps://web-4f2a.vercel.app\033[22m \033[2m[14s]\033[22m\n'
