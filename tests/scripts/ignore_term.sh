#!/bin/sh
# Never ends and ignores SIGTERM: only SIGKILL stops it.
trap '' TERM
echo "started"
while true; do sleep 0.1; done
