import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The write-position token of the current request, set by `adapter.readAfter(token, fn)` around `fn`: the replica
 * router makes that request's `$forTenant` reads wait for the position it vouches for (see WritePositionTokens).
 */
export const readAfterContext = new AsyncLocalStorage<{ readonly token: string } | undefined>();
