#!/usr/bin/env bash
# image.sh - prove the Dockerfile builds a working image, without a Docker
# engine. Runs as root (debootstrap and buildah need it); ctest runs it as the
# test "image" (label image) of the release build.
#
#  1. A debian:bookworm-slim stand-in: `debootstrap --variant=minbase
#     bookworm` from the Debian mirror apt already uses, slimmed the way the
#     official -slim image is, imported into buildah (vfs storage in a temp
#     dir) and tagged docker.io/library/debian:bookworm-slim. The rootfs
#     tarball is cached between local runs (GRM_IMAGE_CACHE, renewed after
#     GRM_IMAGE_CACHE_DAYS); with CI=true it is built once per run instead.
#  2. `buildah bud --pull=never --isolation chroot` on the real Dockerfile.
#  3. test/image/check_image.py runs the image's /opt/resource executables
#     with `buildah run --isolation chroot` (host network) against the fake
#     GitHub and, for out, a local S3, and asserts on their JSON and files.
#  4. The image's size; the same script fails on any -dev package, compiler
#     or apt list in the image.
#
# Env: GRM_DEBIAN_MIRROR (default: apt's bookworm mirror), GRM_IMAGE_CACHE
# (default ${XDG_CACHE_HOME:-$HOME/.cache}/github-release-mirror),
# GRM_IMAGE_CACHE_DAYS (default 7), GRM_IMAGE_WORKDIR (where the temp dir
# goes, default /var/tmp; needs ~1 GB: vfs copies every layer),
# GRM_IMAGE_KEEP=1 (keep the temp dir, for debugging).
set -Eeuo pipefail
trap 'echo "image.sh: error: line $LINENO: $BASH_COMMAND failed" >&2' ERR

root=$(cd "$(dirname "$0")/.." && pwd)
RECIPE=2 # bump when the stand-in's recipe changes: invalidates caches
IMAGE=github-release-mirror:test
BASE=docker.io/library/debian:bookworm-slim
SUITE=bookworm
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

start=$SECONDS
say() { printf 'image.sh: %s\n' "$*"; }
die() {
    printf 'image.sh: error: %s\n' "$*" >&2
    exit 1
}
elapsed() { printf '%ds' $((SECONDS - $1)); }

[ "$(id -u)" -eq 0 ] ||
    die "run as root: debootstrap and buildah's chroot isolation need it (sudo $0)"

# ---- tools -----------------------------------------------------------------
need=()
command -v buildah >/dev/null || need+=(buildah)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
say "$(buildah --version), debootstrap $(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null)"

# ---- work dir and cleanup --------------------------------------------------
work=$(mktemp -d "${GRM_IMAGE_WORKDIR:-/var/tmp}/grm-image.XXXXXX")
B=(buildah --storage-driver vfs --root "$work/storage" --runroot "$work/run")
cleanup() {
    local rc=$?
    set +e
    trap - ERR
    if [ "${GRM_IMAGE_KEEP:-0}" = 1 ]; then
        say "kept $work (GRM_IMAGE_KEEP=1)"
        return $rc
    fi
    "${B[@]}" rm --all >/dev/null 2>&1
    unmount_under "$work"
    rm -rf --one-file-system "$work"
    return $rc
}
# unmount_under DIR: lazily unmount everything mounted below DIR (a run cut
# short, or a busy umount, can leave debootstrap's /proc or /sys behind).
unmount_under() {
    local m
    for m in $(findmnt -rn -o TARGET | grep -F "${1:?}/" | sort -r || true); do
        umount -l "$m" || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the Debian mirror apt uses --------------------------------------------
# Prints "URI SUITE" for every enabled deb entry, one-line and deb822 formats.
apt_sources() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" {
                sub(/^deb[ \t]+/, ""); sub(/^\[[^]]*\][ \t]+/, "")
                split($0, a, /[ \t]+/); print a[1], a[2] }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'function flush(   n, m, i, j, U, S) {
                if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no") {
                    n = split(uris, U, /[ \t]+/); m = split(suites, S, /[ \t]+/)
                    for (i = 1; i <= n; i++)
                        for (j = 1; j <= m; j++)
                            if (U[i] != "" && S[j] != "") print U[i], S[j]
                }
                types = uris = suites = enabled = ""
            }
            /^#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^[^ \t]/ {
                key = tolower($1); val = $0; sub(/^[^:]*:[ \t]*/, "", val)
                if (key == "types:") types = val
                else if (key == "uris:") uris = val
                else if (key == "suites:") suites = val
                else if (key == "enabled:") enabled = tolower(val)
            }
            END { flush() }' "$f"
    done
}
host_sources=$(apt_sources | sed 's|/* | |' | sort -u)
uri_for() { awk -v s="$1" '$2 == s { print $1; exit }' <<<"$host_sources"; }
mirror=${GRM_DEBIAN_MIRROR:-$(uri_for $SUITE)}
security=$(uri_for $SUITE-security)
if [ -z "$mirror" ]; then
    mirror=http://deb.debian.org/debian
    security=${security:-http://deb.debian.org/debian-security}
    say "apt has no $SUITE mirror; using $mirror"
fi
# The stand-in's apt sources, shaped like the official image's debian.sources.
standin_sources=$(
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: %s\n' \
        "$mirror" $SUITE $SUITE $KEYRING
    if [ -n "$security" ]; then
        printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: %s\n' \
            "$security" $SUITE $KEYRING
    fi
)
say "Debian mirror: $mirror${security:+ (security: $security)}"

# ---- step 1: the debian:bookworm-slim stand-in -------------------------------
arch=$(dpkg --print-architecture)
if [ -z "${GRM_IMAGE_CACHE:-}" ] && [ "${CI:-}" = true ]; then
    cache=$work/cache # CI: built once per run, never trusted across runs
else
    cache=${GRM_IMAGE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/github-release-mirror}
fi
mkdir -p "$cache"
key=$(printf '%s\n' "recipe $RECIPE" "$SUITE minbase $arch" "$standin_sources" |
    sha256sum | cut -c1-12)
tarball=$cache/debian-$SUITE-slim-$arch-$key.tar
days=${GRM_IMAGE_CACHE_DAYS:-7}

# slim ROOTFS: what the official -slim image leaves out (docs but copyright,
# man/info pages, translations), apt's caches and lists, and host leftovers;
# plus its dpkg/apt settings, so that later installs stay slim, clean and fast.
slim() {
    local r=${1:?}
    cat >"$r/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# As in debian:*-slim: no documentation (but copyright files), no man or info
# pages, no translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/info/*
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    cat >"$r/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::Languages "none";' >"$r/etc/apt/apt.conf.d/docker-no-languages"
    # No fsync per unpacked file: a build that dies is restarted clean anyway.
    echo 'force-unsafe-io' >"$r/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
    rm -f "$r/etc/apt/sources.list"
    printf '%s\n' "$standin_sources" >"$r/etc/apt/sources.list.d/debian.sources"
    find "$r/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
    find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    rm -rf "${r:?}"/usr/share/{info,man,groff,linda,lintian}/* \
        "${r:?}"/var/lib/apt/lists/* "${r:?}"/var/cache/apt/*.bin \
        "${r:?}"/var/cache/apt/archives/*.deb "${r:?}"/var/log/*.log "${r:?}"/var/log/apt/* \
        "${r:?}"/dev/* "${r:?}"/run/* "${r:?}"/tmp/* \
        "${r:?}"/var/tmp/* "${r:?}"/etc/resolv.conf "${r:?}"/etc/hostname
}

t=$SECONDS
exec 9>"$cache/.lock"
flock -w 1800 9 || die "cannot lock $cache/.lock"
if [ -s "$tarball" ] && [ -z "$(find "$tarball" -mmin +$((days * 1440)))" ]; then
    say "step 1: cached $SUITE minbase rootfs $tarball"
else
    say "step 1: debootstrap --variant=minbase $SUITE from $mirror (a minute or two)"
    rm -f "$cache"/debian-$SUITE-slim-"$arch"-*.tar # stale keys and ages
    rootfs=$work/rootfs
    if ! debootstrap --variant=minbase --arch "$arch" $SUITE "$rootfs" "$mirror" \
        >"$work/debootstrap.log" 2>&1; then
        tail -n 30 "$work/debootstrap.log" >&2
        die "debootstrap failed (log above)"
    fi
    unmount_under "$rootfs"
    [ -z "$(findmnt -rn -o TARGET | grep -F "$rootfs/" || true)" ] ||
        die "cannot unmount what is under $rootfs"
    slim "$rootfs"
    tar --numeric-owner --one-file-system -C "$rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf --one-file-system "$rootfs"
fi
flock -u 9
ctr=$("${B[@]}" from --name grm-base scratch)
mnt=$("${B[@]}" mount "$ctr")
tar --numeric-owner -C "$mnt" -xf "$tarball"
"${B[@]}" umount "$ctr" >/dev/null
"${B[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd bash "$ctr"
"${B[@]}" commit -q --rm "$ctr" "$BASE" >/dev/null
say "step 1: $BASE stand-in ready, $("${B[@]}" images --format '{{.Size}}' "$BASE") ($(elapsed $t))"

# ---- step 2: build the real Dockerfile ---------------------------------------
t=$SECONDS
say "step 2: buildah bud --pull=never --isolation chroot --jobs 2 -f Dockerfile (log: bud.log)"
progress='^\[[0-9]+/[0-9]+\] STEP [0-9]+/[0-9]+: (FROM|RUN|COPY)|tests passed|^Successfully tagged'
if ! "${B[@]}" bud --pull=never --isolation chroot --jobs 2 -f "$root/Dockerfile" -t "$IMAGE" \
    "$root" 2>&1 | tee "$work/bud.log" | grep --line-buffered -E "$progress" |
    sed -u -E 's/^(.{0,96}).*/  \1/'; then
    tail -n 80 "$work/bud.log" >&2
    die "buildah bud failed (end of its log above)"
fi
grep -q '^Successfully tagged' "$work/bud.log" || die "buildah bud did not tag $IMAGE"
say "step 2: built $IMAGE ($(elapsed $t))"

# ---- steps 3 and 4: run it, look into it -------------------------------------
t=$SECONDS
ctr=$("${B[@]}" from --pull=never --name grm-image-test "$IMAGE")
mnt=$("${B[@]}" mount "$ctr")
"${B[@]}" inspect --type image "$IMAGE" >"$work/image.json"
size=$(du -sb --apparent-size "$mnt" | cut -f1)
base_mnt=$("${B[@]}" mount "$("${B[@]}" from --pull=never --name grm-base-size "$BASE")")
base_size=$(du -sb --apparent-size "$base_mnt" | cut -f1)
"${B[@]}" push -q "$IMAGE" "oci:$work/oci:test" >/dev/null
pull=$(du -sb "$work/oci/blobs" | cut -f1)
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
say "step 4: image size $(mb "$size") uncompressed ($(mb $((size - base_size))) over the" \
    "$(mb "$base_size") base), $(mb "$pull") compressed (oci layout, gzip layers)"

say "step 3/4: check_image.py (buildah run --isolation chroot, fake GitHub on 127.0.0.1)"
rc=0
/usr/bin/python3 "$root/test/image/check_image.py" --repo "$root" --container "$ctr" \
    --rootfs "$mnt" --image-json "$work/image.json" --work "$work" -- "${B[@]}" || rc=$?
say "steps 3/4: ($(elapsed $t)); vfs storage $(du -sh "$work/storage" | cut -f1);" \
    "total $(elapsed $start)"
[ $rc -eq 0 ] || die "image checks failed"
say "PASS"
