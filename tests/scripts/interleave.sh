#!/bin/sh
# stdout and stderr, alternating, each line after the previous one has surely arrived.
for i in 1 2 3; do echo "out $i"; sleep 0.05; echo "err $i" >&2; sleep 0.05; done
