/** Shapes of parsed JSON (answers from Kea, request bodies): one definition for every parser. */

/** A JSON object (a map), as JSON.parse builds it. */
export type Obj = Record<string, unknown>;

/** Whether a parsed JSON value is a map: not null, not a list. */
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
