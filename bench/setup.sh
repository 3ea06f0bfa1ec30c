#!/bin/sh
# Installs what the benchmarks compare against: Debian's Postfix, which also ships the SMTP load
# generator smtp-source, and Debian's Dovecot POP3 and IMAP servers (dovecot-pop3d,
# dovecot-imapd). Needs root (apt-get).
# Answers debconf without asking ("Local only", so Postfix's own instance, if the init system
# starts it, only listens on loopback port 25).
# The benchmarks never use or change the packages' default instances: they run their own with
# `postfix -c <temporary config dir>` and `dovecot -c <temporary dovecot.conf>` (see
# bench/lib/postfix-server.ts and bench/lib/dovecot-server.ts).
set -eu

need=""
if [ -x /usr/sbin/postfix ] && [ -x /usr/sbin/smtp-source ]; then
  echo "setup: Postfix $(/usr/sbin/postconf -dh mail_version) and smtp-source already installed"
else
  need="postfix"
fi
if [ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/pop3 ]; then
  echo "setup: Dovecot $(/usr/sbin/dovecot --version) with POP3 already installed"
else
  need="$need dovecot-pop3d"
fi
if [ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/imap ]; then
  echo "setup: Dovecot $(/usr/sbin/dovecot --version) with IMAP already installed"
else
  need="$need dovecot-imapd"
fi
[ -z "$need" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root (apt-get install$need)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
echo "postfix postfix/mailname string localhost" | debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086 # $need is a list of package names
apt-get install -y -qq --no-install-recommends $need
echo "setup: installed$( [ -x /usr/sbin/postfix ] && echo " Postfix $(/usr/sbin/postconf -dh mail_version)")$( [ -x /usr/sbin/dovecot ] && echo ", Dovecot $(/usr/sbin/dovecot --version)")"
