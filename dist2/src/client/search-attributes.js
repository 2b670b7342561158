"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.wantedSearchAttributes = wantedSearchAttributes;
exports.missingSearchAttributes = missingSearchAttributes;
exports.ensureSearchAttributes = ensureSearchAttributes;
const proto_1 = require("@temporalio/proto");
const search_attributes_1 = require("../shared/search-attributes");
/** The custom search attributes the workflows upsert, with their indexed types. */
function wantedSearchAttributes() {
    const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_KEYWORD_LIST: KEYWORD_LIST } = proto_1.temporal.api.enums.v1.IndexedValueType;
    return {
        [search_attributes_1.VAULT_BOOTSTRAP_STEP.name]: KEYWORD,
        [search_attributes_1.VAULT_HEALTH_VERDICT.name]: KEYWORD,
        [search_attributes_1.VAULT_HEALTH_FINDINGS.name]: KEYWORD_LIST,
        [search_attributes_1.VAULT_RESTORE_DRILL.name]: KEYWORD,
    };
}
/** Those of `wanted` that the namespace's `existing` custom attributes lack (by name; types are not compared). */
function missingSearchAttributes(wanted, existing) {
    return Object.fromEntries(Object.entries(wanted).filter(([k]) => !(k in (existing ?? {}))));
}
/** Registers the custom search attributes the workflows write, when the server lacks them. */
async function ensureSearchAttributes(connection, namespace) {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = missingSearchAttributes(wantedSearchAttributes(), existing.customAttributes);
    if (Object.keys(missing).length > 0) {
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    }
}
//# sourceMappingURL=search-attributes.js.map