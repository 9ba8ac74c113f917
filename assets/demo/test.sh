#!/bin/sh
# The demo service's test suite (a stand-in for `pnpm test`).
printf '\033[1m> accounts-api@2.3.4 test\033[0m\n> vitest run\n\n'
sleep 0.4
for t in routes/session routes/account auth/refreshToken auth/verifyToken billing/invoice; do
  sleep 0.2
  printf ' \033[32m✓\033[0m tests/%s.test.ts \033[2m(%s tests)\033[0m\n' "$t" "$(( ${#t} % 7 + 3 ))"
done
printf '\n \033[1mTest Files\033[0m  \033[32m5 passed\033[0m (5)\n      \033[1mTests\033[0m  \033[32m31 passed\033[0m (31)\n'
