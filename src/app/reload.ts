import { ConfigError } from '../config/error.js';
import type { ReloadKey } from '../config/reload-table.js';
import { TargetSetupError, type Built } from './state.js';

export type ReloadResult =
  | {
      ok: true;
      added: string[];
      removed: string[];
      kept: number;
      /** Changed `restart process` keys: they keep their running value until the next restart. */
      pendingRestart: ReloadKey[];
    }
  | { ok: false; error: string };

export const RELOAD_OK = 'kea_exporter_config_last_reload_successful';
export const RELOAD_AT = 'kea_exporter_config_last_reload_success_timestamp_seconds';

/** What a failed reload reports: a ConfigError's own text (written to name no value), else a
 * fixed one. Never an arbitrary error's message, which may carry a path or a value. */
export function reloadFailure(err: unknown): string {
  if (err instanceof ConfigError || err instanceof TargetSetupError) return err.message;
  return `internal error (${err instanceof Error ? err.name : typeof err})`;
}

/** A successful reload's answer (POST /-/reload) and log fields. A target rebuilt is both
 * removed (the old object) and added (the new one), as its series start again. */
export function reloadResult({ state, changes, dropped, added }: Built): ReloadResult & { ok: true } {
  return {
    ok: true,
    added: added.map((t) => t.name),
    removed: dropped.map((t) => t.name),
    kept: state.targets.length - added.length,
    pendingRestart: [...changes['restart process']],
  };
}
