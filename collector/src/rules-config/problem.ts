// What a rule-file problem says, as a catalogue message (`ruleError.…`) rather than a sentence:
// the dashboard renders it in the reader's language, while the CLI, the logs and the API's
// `message` get the English rendering of the same entry, so the wording has one source.
import { type MessageParams, type MessageRef, renderMessage } from '../messages/format-message.ts';
import type { MessageKey } from '../messages/message-key.ts';

/** The catalogue keys a rule-file problem, or a part of one, may use. */
export type ProblemKey = Extract<MessageKey, `ruleError.${string}` | `ruleWord.${string}`>;

export function problem(key: ProblemKey, params?: MessageParams): MessageRef {
  return params === undefined ? { key } : { key, params };
}

/** A message inside another one (a value's description, a hint), rendered in the same language. */
export function part(key: ProblemKey, params?: MessageParams): MessageRef[] {
  return [problem(key, params)];
}

export function englishText(ref: MessageRef): string {
  return renderMessage('en', ref);
}

/** "did you mean "x"?" when a close name exists, else the list of allowed names (maybe none). */
export function nameHint(guess: string | undefined, allowed: readonly string[]): MessageRef[] {
  return guess === undefined
    ? part('ruleWord.expectedOneOf', { choices: allowed.join(', ') })
    : part('ruleWord.didYouMean', { name: guess });
}
