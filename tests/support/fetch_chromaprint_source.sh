#!/usr/bin/env bash
# Fetches chromaprint's release source (Debian's chromaprint_<version>.orig.tar.gz: the release
# tarball's very bytes, which functions/chromaprint_library.py checks by sha256) into DIR, through
# apt's own client: the machine's Debian sources, read as source entries in a list of their own
# (the machine's apt configuration is left as it is). Usage: fetch_chromaprint_source.sh DIR
set -euo pipefail
dest=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts" "$work/lists/partial" "$dest"
for sources in /etc/apt/sources.list.d/*.sources; do
  sed 's/^Types: deb$/Types: deb-src/' "$sources" >"$work/parts/$(basename "$sources")"
done
apt=(apt-get -qq -o APT::Sandbox::User=root -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/parts" -o "Dir::State::Lists=$work/lists")
"${apt[@]}" update
# Only the upstream tarball is wanted: a missing Debian patch file does not matter.
(cd "$work" && "${apt[@]}" source --download-only chromaprint >/dev/null 2>&1) || true
orig=$(ls "$work"/chromaprint_*.orig.tar.gz)
mv "$orig" "$dest/"
echo "$dest/$(basename "$orig")"
