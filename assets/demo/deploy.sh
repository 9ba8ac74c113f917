#!/bin/sh
# The demo's production deploy: Vercel-like output over DEMO_DEPLOY_SECONDS (default 20).
s=${DEMO_DEPLOY_SECONDS:-20}
pause() { sleep "$(awk -v s="$s" -v f="$1" 'BEGIN { printf "%.2f", s * f }')"; }
printf '\033[2mVercel CLI 39.1.2\033[0m\n'
printf '🔍  Inspect: https://vercel.com/acme/accounts-api/9xQm2 \033[2m[1s]\033[0m\n'
pause 0.05
printf '\033[36m▲\033[0m Uploading [                    ] 0%%\r'
for p in 20 45 70 100; do
  pause 0.05
  bar=$(printf '%*s' $((p / 5)) '' | tr ' ' '=')
  printf '\033[36m▲\033[0m Uploading [%-20s] %d%%\r' "$bar" "$p"
done
printf '\n'
for line in 'Building: Running "pnpm install"' 'Building: Lockfile is up to date' 'Building: Running "pnpm build"' \
            'Building: ✓ Compiled successfully' 'Building: ✓ Generating static pages (14/14)' \
            'Building: Collecting build traces' 'Deploying outputs…' 'Assigning domains…'; do
  pause 0.09
  printf '\033[2m%s\033[0m\n' "$line"
done
pause 0.05
printf '\033[32m✅  Production: https://accounts.example.com\033[0m \033[2m[%ss]\033[0m\n' "$s"
