#!/bin/sh
# Installs what the SMTP benchmark compares against: Debian's Postfix, which also ships the load
# generator smtp-source. Needs root (apt-get). Answers debconf without asking ("Local only", so
# the package's own instance, if the init system starts it, only listens on loopback port 25).
# The benchmark never uses or changes that default instance: it runs its own with
# `postfix -c <temporary config dir>` (see bench/lib/postfix-server.ts).
set -eu

if [ -x /usr/sbin/postfix ] && [ -x /usr/sbin/smtp-source ]; then
  echo "setup: Postfix $(/usr/sbin/postconf -dh mail_version) and smtp-source already installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root (apt-get install postfix)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
echo "postfix postfix/mailname string localhost" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends postfix
echo "setup: installed Postfix $(/usr/sbin/postconf -dh mail_version)"
