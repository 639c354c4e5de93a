// @sveltos-ts/web: a read-only web view of the fleet (clusters, events, profiles, add-ons), live, read with
// each user's own token. `src/main.ts` is the process; docs/design/web.md the design.

export { assetRoots, copyStaticAssets, resolveAsset, VENDORED } from './assets.ts';
export { type Access, type KindId, type Snapshot, trimObject, WATCHED } from './model.ts';
export { startWebServer, type WebServer, type WebServerOptions } from './server.ts';
export {
  type ApiServerTarget,
  parseNamespaceHints,
  reviewAccess,
  Session,
  SessionError,
  SessionPool,
  serviceAccountNamespace,
  userClient,
  whoAmI,
} from './session.ts';
export * from './views.ts';
