#!/bin/sh
# N lines of about 100 bytes as fast as possible (default 200000).
n=${1:-200000}
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "2026-11-26T14:00:00.000Z INFO deploy[web] step %09d pod/web-7f9c rolled out replicas=3/3 ok\n", i }'
