#!/bin/sh
# docker buildx's progress: the cursor hidden, up as many lines as the last frame, column 0,
# each line ended by erase-to-end, fewer lines erased below.
printf '\033[?25l'
frame() {
  printf '\033[34m[+] Building %s (%s)\033[0m\033[0K\n' "$1" "$2"
  printf '\033[34m => [internal] load build definition from Dockerfile          0.0s\033[0m\033[0K\n'
  printf ' => [build 2/4] RUN npm ci                                      %s\033[0K\n' "$3"
  printf ' => => # added 412 packages in %s\033[0K\n' "$3"
}
frame 0.4s 1/8 0.3s
for t in 0.8 1.2 1.6 2.0 2.4 2.8 3.2; do
  printf '\033[1A\033[1A\033[1A\033[1A\033[0G'
  frame "${t}s" 2/8 "${t}s"
done
printf '\033[1A\033[1A\033[1A\033[1A\033[0G'
printf '\033[34m[+] Building 3.6s (8/8) FINISHED\033[0m\033[0K\n'
printf '\033[34m => [internal] load build definition from Dockerfile          0.0s\033[0m\033[0K\n'
printf '\033[34m => exporting to image                                         0.2s\033[0m\033[0K\n'
printf '\033[J\033[?25h'
printf 'naming to registry.acme.dev/web:hotfix-4f2a done\n'
