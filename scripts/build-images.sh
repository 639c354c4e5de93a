#!/usr/bin/env bash
# Builds the components' container images on this machine without a Docker daemon or registry: esbuild
# bundles (scripts/images/bundle.ts), a base root filesystem from Debian packages plus the pinned Node
# binary (scripts/images/rootfs.sh), then buildah `FROM scratch` + COPY on the vfs storage driver, written
# out as OCI archives. images/Containerfile is the same image for a CI with docker or buildah.
# See docs/design/images.md.
#
#   bash scripts/build-images.sh [--force] [component...]
#
# components: event-manager addon-controller sveltos-agent (the default), sveltosctl, web, or `all`.
# Writes $SVELTOS_TS_CACHE/images/<component>-<version>.oci.tar (default cache: ~/.cache/sveltos-ts), each
# holding the image as ${IMAGE_REPOSITORY:-ghcr.io/sveltos-ts}/<component>:<version>; an archive whose inputs
# did not change is kept (--force rebuilds). Prints a table of sizes. Needs root (buildah's vfs storage,
# file ownership in the layers); installs buildah with apt-get when it is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh" # Node, pnpm, workspace; cd to the repository root

DEFAULT_COMPONENTS=(event-manager addon-controller sveltos-agent)
ALL_COMPONENTS=(event-manager addon-controller sveltos-agent sveltosctl web)
IMAGE_REPOSITORY="${IMAGE_REPOSITORY:-ghcr.io/sveltos-ts}"
IMAGES_CACHE="$SVELTOS_TS_CACHE/images"

force=0
components=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    all) components+=("${ALL_COMPONENTS[@]}") ;;
    event-manager | addon-controller | sveltos-agent | sveltosctl | web) components+=("$arg") ;;
    *) echo "build-images: unknown argument $arg (components: ${ALL_COMPONENTS[*]}, all; --force)" >&2; exit 2 ;;
  esac
done
[ ${#components[@]} -gt 0 ] || components=("${DEFAULT_COMPONENTS[@]}")

if [ "$(id -u)" -ne 0 ]; then
  echo "build-images: run as root (buildah's vfs storage keeps the layers' file owners)" >&2
  exit 1
fi
missing=()
for tool in buildah dpkg-deb apt-get strip; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "build-images: missing ${missing[*]}; this script builds on Debian (elsewhere: images/Containerfile)" >&2
    exit 1
  fi
  echo "build-images: installing buildah and binutils with apt-get" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends buildah binutils >/dev/null
fi

started=$SECONDS
mkdir -p "$IMAGES_CACHE"
exec 9>"$IMAGES_CACHE/.lock"
flock 9 # one build at a time per cache: they share the buildah storage

# --- inputs ------------------------------------------------------------------------------------------------
case "$(uname -m)" in
  x86_64) node_arch=x64 ;;
  aarch64) node_arch=arm64 ;;
  *) echo "build-images: no Node binary package for $(uname -m)" >&2; exit 1 ;;
esac
# The Node of scripts/bootstrap.sh: its cached binary when bootstrap installed one, otherwise the same
# official binary from the npm registry (the `node` package installs it from node-linux-<arch>).
node_binary="$TOOLCHAIN/node_modules/node/bin/node"
if [ ! -x "$node_binary" ] || [ "$("$node_binary" --version)" != "v$NODE_VERSION" ]; then
  node_dir="$IMAGES_CACHE/node/node-linux-$node_arch-$NODE_VERSION"
  if [ ! -x "$node_dir/package/bin/node" ]; then
    echo "build-images: fetching node-linux-$node_arch@$NODE_VERSION from the npm registry" >&2
    rm -rf "$node_dir" && mkdir -p "$node_dir"
    (
      cd "$node_dir"
      npm pack --silent "node-linux-$node_arch@$NODE_VERSION" >/dev/null
      tar -xzf ./*.tgz && rm -f ./*.tgz
    )
  fi
  node_binary="$node_dir/package/bin/node"
fi

work="$IMAGES_CACHE/work"
rm -rf "$work"
mkdir -p "$work"
node scripts/images/bundle.ts --out "$work/app" "${components[@]}" >/dev/null
bash scripts/images/rootfs.sh --debs "$IMAGES_CACHE/debs" --node "$node_binary" "$work/rootfs"

# Reproducible layers: every file's time and the images' creation time are the commit's.
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
created="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain -- packages scripts package.json pnpm-lock.yaml 2>/dev/null)" ]; then
  revision="$revision-dirty"
fi

# A digest of a directory tree: names, types, modes, owners, link targets and contents.
tree_digest() {
  (
    cd "$1"
    find . -printf '%p %y %m %U:%G %l\n' | LC_ALL=C sort
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  ) | sha256sum | cut -d' ' -f1
}
base_digest="$(tree_digest "$work/rootfs")"
# The addon-controller shells out to helm and kustomize: the pinned ones testenv builds from Go modules
# (static binaries), in a layer of their own between the base and /app (docs/design/images.md).
if [[ " ${components[*]} " == *" addon-controller "* ]]; then
  read -r helm_binary kustomize_binary < <(node --input-type=module -e \
    "const { ensureBinaries } = await import('./packages/testenv/src/index.ts'); const b = await ensureBinaries(() => {}); console.log(b.helm, b.kustomize)")
  tools_digest="$(cat "$helm_binary" "$kustomize_binary" | sha256sum | cut -d' ' -f1)"
fi
script_digest="$(cat scripts/build-images.sh scripts/images/rootfs.sh | sha256sum | cut -d' ' -f1)"

description() {
  case "$1" in
    event-manager) echo 'Sveltos event framework (TypeScript): turns EventReports into ClusterProfiles' ;;
    addon-controller) echo 'Sveltos event framework (TypeScript): deploys ClusterProfiles to the matching clusters' ;;
    sveltos-agent) echo 'Sveltos event framework (TypeScript): evaluates EventSources in a cluster, writes EventReports' ;;
    sveltosctl) echo 'Sveltos command line (TypeScript edition)' ;;
    web) echo 'Sveltos event framework (TypeScript): read-only web view of the fleet, read with each user'"'"'s token' ;;
  esac
}

# --- buildah -----------------------------------------------------------------------------------------------
store="$IMAGES_CACHE/buildah"
B=(buildah --storage-driver vfs --root "$store/root" --runroot "$store/run")
base_ref="localhost/sveltos-ts/base:$base_digest"
base_built=0
cleanup() {
  local status=$?
  "${B[@]}" rm --all >/dev/null 2>&1 || true
  [ "$base_built" = 0 ] || "${B[@]}" rmi -f "$base_ref" >/dev/null 2>&1 || true
  exit "$status"
}
trap cleanup EXIT

ensure_base() {
  [ "$base_built" = 0 ] || return 0
  local container
  container="$("${B[@]}" from scratch)"
  "${B[@]}" copy --quiet "$container" "$work/rootfs" /
  # COPY makes everything root's; the home directory is nonroot's (--chown applies to what is copied:
  # the content of home/, that is nonroot/)
  "${B[@]}" copy --quiet --chown 65532:65532 "$container" "$work/rootfs/home" /home
  "${B[@]}" commit --quiet --format oci --timestamp "$epoch" --identity-label=false --omit-history --rm \
    "$container" "$base_ref" >/dev/null
  base_built=1
}

summary=()
for component in "${components[@]}"; do
  version="$(node -p "require('./packages/$component/package.json').version")"
  ref="$IMAGE_REPOSITORY/$component:$version"
  archive="$IMAGES_CACHE/$component-$version.oci.tar"
  config=(
    --entrypoint '["/usr/local/bin/node","/app/main.mjs"]'
    --cmd ''
    --user 65532:65532
    --workingdir /app
    --env PATH=/usr/local/bin:/usr/bin:/bin
    --env NODE_OPTIONS=--max-semi-space-size=2
    --stop-signal SIGTERM
    --label "org.opencontainers.image.title=$component"
    --label "org.opencontainers.image.description=$(description "$component")"
    --label "org.opencontainers.image.version=$version"
    --label "org.opencontainers.image.revision=$revision"
    --label "org.opencontainers.image.created=$created"
    --label "io.sveltos-ts.node.version=$NODE_VERSION"
  )
  from_ref="$base_ref"
  if [ "$component" = addon-controller ]; then
    config+=(--env ADDON_TOOLS_CACHE_DIR=/tmp/sveltos-addon-tools)
  fi
  app_digest="$(tree_digest "$work/app/$component")"
  key="$(printf '%s\n' "$script_digest" "$base_digest" "$app_digest" "$ref" "${config[@]}" "${tools_digest:-}" | sha256sum | cut -d' ' -f1)"
  if [ "$force" = 0 ] && [ -f "$archive" ] && [ "$(cat "$archive.key" 2>/dev/null)" = "$key" ]; then
    echo "build-images: $component: $archive is up to date" >&2
  else
    step=$SECONDS
    ensure_base
    if [ "$component" = addon-controller ]; then
      from_ref="localhost/sveltos-ts/addon-tools:$tools_digest"
      container="$("${B[@]}" from --pull=never --quiet "$base_ref")"
      "${B[@]}" copy --quiet --chmod 0755 "$container" "$helm_binary" /usr/local/bin/helm
      "${B[@]}" copy --quiet --chmod 0755 "$container" "$kustomize_binary" /usr/local/bin/kustomize
      "${B[@]}" commit --quiet --format oci --timestamp "$epoch" --identity-label=false --omit-history --rm \
        "$container" "$from_ref" >/dev/null
    fi
    container="$("${B[@]}" from --pull=never --quiet "$from_ref")"
    "${B[@]}" copy --quiet "$container" "$work/app/$component" /app
    "${B[@]}" config "${config[@]}" "$container"
    "${B[@]}" commit --quiet --format oci --timestamp "$epoch" --identity-label=false --rm \
      "$container" "$ref" >/dev/null
    rm -f "$archive" "$archive.key"
    "${B[@]}" push --quiet --remove-signatures "$ref" "oci-archive:$archive.partial:$ref"
    "${B[@]}" rmi "$ref" >/dev/null
    mv "$archive.partial" "$archive"
    echo "$key" >"$archive.key"
    echo "build-images: $component: built $archive in $((SECONDS - step)) s" >&2
  fi
  # compressed = the archive; unpacked = the layers' uncompressed tar streams (what a node stores)
  read -r archive_bytes unpacked_bytes < <(node scripts/images/oci.ts --sizes "$archive")
  summary+=("$(printf '%-18s %-45s %9s %9s' "$component" "$ref" \
    "$(numfmt --to=iec-i --suffix=B --format=%.1f "$archive_bytes")" \
    "$(numfmt --to=iec-i --suffix=B --format=%.1f "$unpacked_bytes")")")
done
rm -rf "$work"

printf '%-18s %-45s %9s %9s\n' component image archive unpacked
printf '%s\n' "${summary[@]}"
echo "build-images: done in $((SECONDS - started)) s ($IMAGES_CACHE)" >&2
