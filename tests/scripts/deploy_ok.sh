#!/bin/sh
# A deploy that prints coloured lines, a progress bar and a planted secret, then succeeds.
printf '\033[36m▲ Deploying to production\033[0m\n'
printf 'Uploading [#    ] 20%%\r'; sleep 0.05
printf 'Uploading [#####] 100%%\n'
echo "using token $PLANTED_SECRET"
echo "\033[32m✓ Ready in 1s\033[0m" >&2
exit 0
