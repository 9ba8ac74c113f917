#!/bin/sh
# Output that would move the cursor, clear the screen, set the title and the clipboard,
# ring the bell, plus NUL bytes and invalid UTF-8.
printf 'before\033[2J\033[H\033]0;pwned\007\033]52;c;ZXZpbA==\007\007\033[10Aafter\n'
printf 'nul\000byte \377\376 end\n'
