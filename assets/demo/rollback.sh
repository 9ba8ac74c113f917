#!/bin/sh
# The demo's rollback (a stand-in for `vercel rollback`).
printf '\033[2mVercel CLI 39.1.2\033[0m\n> Rolling back to the previous production deployment…\n'
sleep 1.5
printf '\033[32m✅  Rolled back accounts.example.com\033[0m\n'
