#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium for the browser tests (Playwright drives the
# system binary; `playwright install` cannot download here), Dovecot for the IMAP tests, and the
# Noto fonts with Devanagari and Chinese glyphs (Debian's Chromium brings none: the Hindi and
# Chinese screenshots of the browser tests would show boxes), and curl (the HelpDeskPro manual's
# curl examples are run as written against a real server).
# Installs only what is missing, so a second `make test` costs nothing.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v dovecot >/dev/null 2>&1 || missing+=(dovecot-imapd)
command -v curl >/dev/null 2>&1 || missing+=(curl)
dpkg -s fonts-noto-core >/dev/null 2>&1 || missing+=(fonts-noto-core)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo -n"
else
  echo "install-system-deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
