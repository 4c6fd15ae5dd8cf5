// What every page reads from the component tree: the language, its translator and the API client.
import { getContext, setContext } from 'svelte';
import type { Api } from './api.ts';
import { type Lang, labelFor, type Translate } from './i18n.ts';

export interface AppContext {
  lang: Lang;
  t: Translate;
  /** Label of a data-driven name (`status`, `rule`, `severity`, `provider`…), or the name itself. */
  label: (prefix: string, name: string) => string;
  /** Null until signed in. */
  api: Api | null;
}

const KEY = Symbol('orderpulse.app');

export function makeAppContext(lang: Lang, t: Translate, api: Api | null): AppContext {
  return { lang, t, api, label: (prefix, name) => labelFor(lang, prefix, name) };
}

export function setAppContext(ctx: AppContext): void {
  setContext(KEY, ctx);
}

export function getAppContext(): AppContext {
  const ctx = getContext<AppContext | undefined>(KEY);
  if (!ctx) throw new Error('AppContext missing: render inside App or pass it as context');
  return ctx;
}

export const APP_CONTEXT_KEY = KEY;
