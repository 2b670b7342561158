#!/usr/bin/env bash
# render-alerts.sh BASE_URL [RULES]: the alert rules with each runbook_url under BASE_URL, on stdout.
#
# vault-bootstrap-alerts.yml (beside this script, or RULES) is the one source of the rules; its runbook_url
# annotations name the runbooks relative to the repository (`docs/metrics.md#vaultnodesealed`), which no
# Alertmanager or Grafana can open. BASE_URL is where your copy of the repository's docs/ folder is served
# (a git host's file view, an internal wiki mirror), e.g.
#
#   monitoring/prometheus/render-alerts.sh https://git.example.com/ops/vault-swarm-bootstrap/-/blob/v0.1.0/docs \
#     >/etc/prometheus/rules/vault-bootstrap-alerts.yml
#
# turns `docs/metrics.md#vaultnodesealed` into `<BASE_URL>/metrics.md#vaultnodesealed`; nothing else changes.
# Pin BASE_URL to the version you run, so the runbook matches the rules. Exit 2 on a bad BASE_URL, or when
# not every runbook_url could be rewritten.
set -Eeuo pipefail

usage() {
  echo "usage: $0 BASE_URL [RULES]   (BASE_URL: http(s)://… where the repository's docs/ folder is served)" >&2
  exit 2
}
(($# == 1 || $# == 2)) || usage
base=${1%/}
rules=${2:-$(dirname "${BASH_SOURCE[0]}")/vault-bootstrap-alerts.yml}
# A URL with none of the characters that would change the YAML or the rewrite: no space, quote, #, & or backslash.
[[ $base =~ ^https?://[^[:space:]\"\'\#\&\\]+$ ]] ||
  { echo "render-alerts.sh: BASE_URL must be an http(s) URL without spaces, quotes, #, & or \\: $1" >&2 && usage; }
[[ -r $rules ]] || { echo "render-alerts.sh: cannot read the rules $rules" >&2 && exit 2; }

total=$(grep -Ec '^ *runbook_url: ' "$rules" || true)
relative=$(grep -Ec '^ *runbook_url: docs/[^ ]+$' "$rules" || true)
((total > 0 && total == relative)) || {
  echo "render-alerts.sh: $rules has $total runbook_url annotations, $relative of them docs/…: already rendered?" >&2
  exit 2
}
sed -E "s|^( *runbook_url: )docs/|\\1${base}/|" "$rules"
