#!/bin/sh
# The demo's build (a stand-in for `pnpm build`).
printf '> next build\n'
for step in 'Creating an optimized production build' 'Compiled successfully' 'Collecting page data' 'Generating static pages (14/14)'; do
  sleep 0.3
  printf '   \033[36m▲\033[0m %s\n' "$step"
done
printf '\033[32m✓ Build completed\033[0m in 1.4s\n'
