#!/bin/sh
# Colours in both parameter forms (ITU T.416 colon sub-parameters and the common semicolons),
# styled underlines, and text placed with tabs, backspace, column moves and saved cursors.
printf '\033[38:2::0:175:255mcolon truecolour\033[0m \033[38:2:255:95:0mno colour space\033[0m \033[48:5:33mcolon 256 bg\033[0m\n'
printf '\033[38;2;0;175;255msemicolon truecolour\033[0m \033[38;5;208m256\033[0m \033[1;91mbright bold\033[0m\n'
printf '\033[4:3mcurly\033[4:0m plain \033[4mstraight\033[24m \033[3mitalic\033[23m\n'
printf '\033[4;58:2::255:0:0mred underline\033[59;24m \033[58;5;196;4mindexed\033[0m\n'
printf 'a\tb\tc\n'
printf 'abcdef\010\010XY\n'
printf 'left\033[5Cright\033[3Dxx\n'
printf 'keep\0337 moved\0338 back\n'
printf 'erase left\033[4D\033[1K!\n'
printf 'one\ntwo\nthree\033[2A\033[J\n'
printf 'done\n'
