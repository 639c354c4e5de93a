#!/usr/bin/env bash
# Assembles the images' base root filesystem from Debian packages, with no registry pull: the C and C++
# runtime the official Node binary links against (libc6, libstdc++6, libgcc-s1 and what they depend on),
# os-release, a distroless-like /etc (passwd and group with root, nonroot 65532 and nobody; nsswitch.conf),
# /tmp and /home/nonroot, and dpkg records so image scanners know the package versions.
# See docs/design/images.md.
#
#   scripts/images/rootfs.sh [--debs DIR] [--node BINARY] OUT
#
# --debs: where .deb files are downloaded and kept (default: a temporary directory).
# --node: a Node binary to install as /usr/local/bin/node (stripped of symbols when `strip` exists).
# Used by scripts/build-images.sh on this machine and by images/Containerfile's build stage.
set -euo pipefail

debs=""
node_binary=""
while [ $# -gt 0 ]; do
  case "$1" in
    --debs) debs="$2"; shift 2 ;;
    --node) node_binary="$2"; shift 2 ;;
    -*) echo "rootfs.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: rootfs.sh [--debs DIR] [--node BINARY] OUT" >&2; exit 2; }
out="$1"

# The runtime Node needs (ldd: libc, libm, libdl, libpthread, libstdc++, libgcc_s) and the packages those
# depend on (gcc-N-base carries the GCC runtime's copyright file).
roots=(libc6 libstdc++6)
dependencies() {
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
    --no-enhances --no-pre-depends "${roots[@]}" 2>/dev/null | grep -E '^[a-z0-9]' | sort -u
}
# a fresh container (Debian's images ship without package lists) has to fetch them first
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  apt-get update -qq
fi
mapfile -t packages < <(dependencies)
packages+=(base-files) # only its os-release is kept

cleanup_debs=""
if [ -z "$debs" ]; then
  debs="$(mktemp -d)"
  cleanup_debs="$debs"
fi
mkdir -p "$debs"
arch="$(dpkg --print-architecture)"
# one apt-cache call for every candidate version ("package version" lines)
declare -A candidates=()
while read -r package version; do
  candidates["$package"]="$version"
done < <(
  apt-cache policy "${packages[@]}" | awk '/^[^ ].*:$/ { sub(/:$/, ""); p = $0 } /^  Candidate:/ { print p, $2 }'
)
files=()
for package in "${packages[@]}"; do
  version="${candidates[$package]:-}"
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    echo "rootfs.sh: no candidate for $package" >&2
    exit 1
  fi
  # apt-get download names files with the version's ':' escaped as %3a
  file="$debs/${package}_${version//:/%3a}_$arch.deb"
  if [ ! -f "$file" ]; then
    file_all="$debs/${package}_${version//:/%3a}_all.deb"
    if [ -f "$file_all" ]; then
      file="$file_all"
    else
      # (as root apt warns that _apt cannot write the directory: noise)
      (cd "$debs" && apt-get download -qq "$package=$version" 2>&1 | grep -v '^W: Download is performed' >&2 || true)
      [ -f "$file" ] || file="$file_all"
      [ -f "$file" ] || { echo "rootfs.sh: apt-get download $package=$version failed" >&2; exit 1; }
    fi
  fi
  files+=("$file")
done

rm -rf "$out"
mkdir -p "$out"
status_dir="$out/var/lib/dpkg/status.d"
mkdir -p "$status_dir"
for file in "${files[@]}"; do
  package="$(dpkg-deb -f "$file" Package)"
  if [ "$package" = base-files ]; then
    dpkg-deb --fsys-tarfile "$file" | tar -x -C "$out" ./etc/os-release ./usr/lib/os-release
    continue
  fi
  dpkg-deb -x "$file" "$out"
  # distroless' layout: one control record per package, read by scanners (trivy, grype, syft)
  { dpkg-deb -f "$file"; echo "Status: install ok installed"; } > "$status_dir/$package"
done

# Nothing here runs iconv, a shell, gdb or man.
rm -rf "$out"/usr/lib/*/gconv "$out"/usr/share/{man,info,lintian,gdb,gcc,locale,bug} "$out"/etc/ld.so.conf.d
find "$out/usr/share/doc" -mindepth 1 -type f ! -name copyright -delete 2>/dev/null || true
find "$out/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true

install -d -m 0755 "$out/etc" "$out/usr/local/bin" "$out/app"
install -d -m 1777 "$out/tmp"
install -d -m 0700 "$out/root"
install -d -m 0700 -o 65532 -g 65532 "$out/home/nonroot"
cat > "$out/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat > "$out/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
EOF
# glibc's default without this file asks DNS before /etc/hosts
cat > "$out/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
chmod 0644 "$out/etc/passwd" "$out/etc/group" "$out/etc/nsswitch.conf"

if [ -n "$node_binary" ]; then
  install -m 0755 "$node_binary" "$out/usr/local/bin/node"
  # the official binary keeps its symbol table (~18 MB); the code is untouched
  if command -v strip >/dev/null 2>&1 && [ "${STRIP_NODE:-1}" != 0 ]; then
    strip --strip-all "$out/usr/local/bin/node"
  fi
fi

[ -z "$cleanup_debs" ] || rm -rf "$cleanup_debs"
