/**
 * Registering the custom search attributes the workflows write (`VaultBootstrapStep`, `VaultHealthVerdict`,
 * `VaultHealthFindings`, `VaultRestoreDrill`), so a fresh namespace works without an operator step.
 */
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import {
  VAULT_BOOTSTRAP_STEP,
  VAULT_HEALTH_FINDINGS,
  VAULT_HEALTH_VERDICT,
  VAULT_RESTORE_DRILL,
} from '../shared/search-attributes';

type IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/** The custom search attributes the workflows upsert, with their indexed types. */
export function wantedSearchAttributes(): Record<string, IndexedValueType> {
  const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_KEYWORD_LIST: KEYWORD_LIST } =
    temporal.api.enums.v1.IndexedValueType;
  return {
    [VAULT_BOOTSTRAP_STEP.name]: KEYWORD,
    [VAULT_HEALTH_VERDICT.name]: KEYWORD,
    [VAULT_HEALTH_FINDINGS.name]: KEYWORD_LIST,
    [VAULT_RESTORE_DRILL.name]: KEYWORD,
  };
}

/** Those of `wanted` that the namespace's `existing` custom attributes lack (by name; types are not compared). */
export function missingSearchAttributes(
  wanted: Record<string, IndexedValueType>,
  existing: Record<string, unknown> | null | undefined,
): Record<string, IndexedValueType> {
  return Object.fromEntries(Object.entries(wanted).filter(([k]) => !(k in (existing ?? {}))));
}

/**
 * Registers the custom search attributes the workflows write, when the server lacks them. Adding them needs
 * the operator service's write, which a cluster with an authorizer grants its admins only: there the cluster's
 * set-up registers them (docs/temporal-cluster.md), and a client whose role may not add them gets the server's
 * PERMISSION_DENIED only when one is missing.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = missingSearchAttributes(wantedSearchAttributes(), existing.customAttributes);
  if (Object.keys(missing).length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  }
}
