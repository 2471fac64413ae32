import { AsyncLocalStorage } from "node:async_hooks";

// As Next.js's server does at boot: its request stores need this before any of them is created.
(globalThis as { AsyncLocalStorage?: unknown }).AsyncLocalStorage ??= AsyncLocalStorage;
