#!/bin/sh
# A carriage-return progress bar (the EB CLI's upload).
printf 'Uploading web/app-260127.zip to S3. This may take a while.\n'
for p in 0 10 20 30 40 50 60 70 80 90 100; do
  n=$((p / 10))
  bar=$(printf '%*s' $n '' | tr ' ' '#')
  printf '\rUpload progress: [%-10s] %3d%%' "$bar" $p
done
printf '\nUpload Complete.\n'
