#!/bin/sh
# The demo's type check (a stand-in for `pnpm tsc --noEmit`).
printf '> tsc --noEmit\n'
sleep 0.8
printf '\033[32mFound 0 errors.\033[0m\n'
