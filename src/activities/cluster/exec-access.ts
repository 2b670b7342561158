/**
 * What `vault-bootstrap exec` runs with: a token made for one command through the token role `EXEC_ROLE`,
 * which can give nothing but `EXEC_POLICY` (read the Raft configuration and autopilot's state), lives at most
 * `EXEC_TOKEN_ROLE.explicitMaxTtlSeconds` and is revoked once the command ended (src/activities/exec.ts). The worker's policy may
 * create tokens through this role and nothing else; a role lets a token make a child with a policy it does not
 * hold itself, which Vault otherwise refuses.
 *
 * Written with a root token by the bootstrap's `revokeRootToken` and by `credentials repair`; the health run
 * compares both with what this version writes (`CredentialPolicyChanged`, credentials.ts), as for the tool's
 * other policies.
 */
import type { TokenRole, VaultNode } from '../../ports';

export const EXEC_POLICY = 'vault-bootstrap-exec';
export const EXEC_ROLE = 'vault-bootstrap-exec';

/** The role's path: where the health run reads it back to compare. */
export const tokenRolePath = (name: string) => `auth/token/roles/${name}`;

export const EXEC_POLICY_HCL = `# ${EXEC_POLICY}: written by vault-swarm-bootstrap (\`vault-bootstrap exec\`: the seed's checks).
# Read the Raft configuration, autopilot and HA status; nothing else, no secret.
path "sys/storage/raft/configuration" { capabilities = ["read"] }
path "sys/storage/raft/autopilot/state" { capabilities = ["read"] }
path "sys/storage/raft/autopilot/configuration" { capabilities = ["read"] }
path "sys/ha-status" { capabilities = ["read"] }
path "auth/token/lookup-self" { capabilities = ["read"] }
path "auth/token/revoke-self" { capabilities = ["update"] }
`;

/** The role: only `EXEC_POLICY`, no default policy, not renewable, a hard maximum lifetime. */
export const EXEC_TOKEN_ROLE: TokenRole = {
  allowedPolicies: [EXEC_POLICY],
  noDefaultPolicy: true,
  renewable: false,
  // The longest an exec token lives when its revocation does not happen (a worker killed mid-command).
  explicitMaxTtlSeconds: 300,
  orphan: false,
};

/** Whether `role`, as Vault answers it, is the role this version writes (the fields it sets). */
export function sameTokenRole(role: TokenRole | undefined, want: TokenRole = EXEC_TOKEN_ROLE): boolean {
  return (
    role !== undefined &&
    role.allowedPolicies.length === want.allowedPolicies.length &&
    role.allowedPolicies.every((p) => want.allowedPolicies.includes(p)) &&
    role.noDefaultPolicy === want.noDefaultPolicy &&
    role.renewable === want.renewable &&
    role.explicitMaxTtlSeconds === want.explicitMaxTtlSeconds &&
    role.orphan === want.orphan
  );
}

/**
 * Writes the exec policy and role with `root` where they are not what this version writes; returns what it
 * changed, for the step's summary.
 */
export async function writeExecAccess(node: VaultNode, root: string): Promise<string[]> {
  const done: string[] = [];
  if ((await node.readPolicy(root, EXEC_POLICY)) !== EXEC_POLICY_HCL) {
    await node.writePolicy(root, EXEC_POLICY, EXEC_POLICY_HCL);
    done.push(`wrote the policy ${EXEC_POLICY}`);
  }
  if (!sameTokenRole(await node.readTokenRole(root, EXEC_ROLE))) {
    await node.writeTokenRole(root, EXEC_ROLE, EXEC_TOKEN_ROLE);
    done.push(`wrote the token role ${EXEC_ROLE}`);
  }
  return done;
}
