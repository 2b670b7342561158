# The audit device of an OpenBao server, which takes audit devices only from its configuration (2.3.2 and
# later): every request and answer as a JSON line in /vault/logs/audit.log, on the logs volume (vault-logs-vl),
# secrets HMAC'd. HashiCorp Vault gets the same device through its API from the bootstrap
# (src/activities/cluster/audit.ts); the path and the file here must stay the ones named there.
# Deployed by docker-stack-vault.openbao.yml as a second configuration file beside vault.json.
audit "file" "vault-logs" {
  options {
    file_path = "/vault/logs/audit.log"
  }
}
