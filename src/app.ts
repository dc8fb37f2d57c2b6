/** The App's public surface; it lives in src/app/ (app.ts: the App, state.ts: what a
 * configuration builds, reload.ts: what a reload reports). */
export { App, INTERNAL_ERRORS, type AppOptions } from './app/app.js';
export { RELOAD_AT, RELOAD_OK, type ReloadResult } from './app/reload.js';
export { TargetSetupError } from './app/state.js';
