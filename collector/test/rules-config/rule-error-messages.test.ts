// Rule-file problems as catalogue messages: every error the checker can return (each broken
// sample in testdata/invalid, a table of broken files and of broken conditions) carries a
// `message_ref` whose English rendering is exactly its `message` and whose Chinese rendering is
// Chinese: no run of English words once the user's own text and names are set aside.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EN } from '../../src/messages/en.ts';
import {
  isMessageKey,
  type MessageRef,
  type MessageValue,
  renderMessage,
} from '../../src/messages/format-message.ts';
import { compileCondition } from '../../src/rules-config/expression/compile.ts';
import { ExpressionError } from '../../src/rules-config/expression/expression-error.ts';
import type { LoadError } from '../../src/rules-config/load-error.ts';
import { loadRuleSet, parseRuleFiles } from '../../src/rules-config/rule-set.ts';

const testdata = path.join(import.meta.dirname, 'testdata');
const minimal = filesOf(path.join(testdata, 'valid/minimal'));

/** Three English words in a row (as the catalogue test defines a sentence). */
const ENGLISH_RUN = /\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b/;

function filesOf(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) Object.assign(out, filesOf(full, `${prefix}${name}/`));
    else out[`${prefix}${name}`] = readFileSync(full, 'utf8');
  }
  return out;
}

/** The user's text and names inside a message: every string parameter, nested ones included. */
function userText(ref: MessageRef, out: string[] = []): string[] {
  for (const value of Object.values(ref.params ?? {}) as MessageValue[]) {
    if (Array.isArray(value)) for (const inner of value) userText(inner, out);
    else out.push(String(value));
  }
  return out;
}

/** The Chinese rendering with the user's text, quoted examples and `code` taken out. */
function ourChineseWords(ref: MessageRef): string {
  let text = renderMessage('zh-CN', ref);
  for (const value of userText(ref).sort((a, b) => b.length - a.length)) {
    if (value !== '') text = text.split(value).join('▢');
  }
  return text.replace(/"[^"]*"|`[^`]*`/g, '▢');
}

function expectCatalogued(error: { message: string; message_ref?: MessageRef }, where: string): void {
  const ref = error.message_ref;
  expect(ref, where).toBeDefined();
  expect(isMessageKey(ref!.key), `${where}: ${ref!.key}`).toBe(true);
  expect(Object.hasOwn(EN, ref!.key), `${where}: ${ref!.key} in en`).toBe(true);
  expect(ref!.key.startsWith('ruleError.'), where).toBe(true);
  expect(renderMessage('en', ref!), where).toBe(error.message);
  const zh = ourChineseWords(ref!);
  expect(zh, `${where}: ${renderMessage('zh-CN', ref!)}`).not.toMatch(ENGLISH_RUN);
  expect(zh, where).toMatch(/[\u4e00-\u9fff]/);
}

const expectAllCatalogued = (errors: readonly LoadError[], where: string): void => {
  expect(errors.length, where).toBeGreaterThan(0);
  for (const error of errors) expectCatalogued(error, `${where} ${error.file}:${error.field}`);
};

// Broken files beyond testdata/invalid, each replacing one file of the minimal valid set.
const BROKEN_FILES: Array<[string, Record<string, string>]> = [
  ['empty rules.yaml', { 'rules.yaml': '' }],
  ['empty routes.yaml', { 'routes.yaml': '' }],
  ['empty calendar.yaml', { 'calendar.yaml': '' }],
  ['empty custom file', { 'custom/x.yaml': '' }],
  ['bad indentation', { 'rules.yaml': 'rules:\n  order_stalled:\n    limits: { paid: 2m\n' }],
  ['tab indentation', { 'rules.yaml': 'rules:\n\torder_stalled: {}\n' }],
  ['duplicate key', { 'rules.yaml': 'rules:\n  order_stalled: {}\n  order_stalled: {}\n' }],
  ['NUL character', { 'rules.yaml': 'rules: {}\u0000\n' }],
  ['unknown key with a hint', { 'rules.yaml': 'rules:\n  order_stalled:\n    enabeld: true\n' }],
  ['unknown key, no close name', { 'rules.yaml': 'rules:\n  order_stalled:\n    zzzzzzzzzz: 1\n' }],
  ['unknown built-in rule', { 'rules.yaml': 'rules:\n  order_stalld: {}\n' }],
  ['not a mapping', { 'rules.yaml': 'rules:\n  order_stalled: [1, 2]\n' }],
  ['not a boolean', { 'rules.yaml': 'rules:\n  order_stalled:\n    enabled: "yes"\n' }],
  ['bad severity', { 'rules.yaml': 'rules:\n  order_stalled:\n    severity: critcal\n' }],
  ['number for a duration', { 'rules.yaml': 'rules:\n  order_stalled:\n    for: 5\n' }],
  ['duration without unit', { 'rules.yaml': 'rules:\n  order_stalled:\n    for: "5"\n' }],
  ['duration units out of order', { 'rules.yaml': 'rules:\n  order_stalled:\n    for: 30m1h\n' }],
  ['duration too long', { 'rules.yaml': 'rules:\n  order_stalled:\n    for: 400d\n' }],
  ['duration garbage', { 'rules.yaml': 'rules:\n  order_stalled:\n    for: soon\n' }],
  ['terminal status', { 'rules.yaml': 'rules:\n  order_stalled:\n    limits:\n      completed: 2m\n' }],
  ['unknown status', { 'rules.yaml': 'rules:\n  order_stalled:\n    limits:\n      lost: 2m\n' }],
  ['reserved label', { 'rules.yaml': 'rules:\n  order_stalled:\n    labels:\n      rule: x\n' }],
  ['bad label name', { 'rules.yaml': 'rules:\n  order_stalled:\n    labels:\n      "a-b": x\n' }],
  ['bad time zone', { 'calendar.yaml': 'time_zone: Mars/Olympus\n' }],
  [
    'bad custom rule',
    { 'custom/x.yaml': 'rules:\n  - name: Bad Name\n    when: amount_fen > 1\n    severity: warning\n' },
  ],
  [
    'custom rule named like a built-in',
    { 'custom/x.yaml': 'rules:\n  - name: order_stalled\n    when: amount_fen > 1\n    severity: warning\n' },
  ],
  ['missing when and severity', { 'custom/x.yaml': 'rules:\n  - name: odd\n' }],
  [
    'bad tag',
    {
      'custom/x.yaml':
        'rules:\n  - name: odd\n    when: amount_fen > 1\n    severity: info\n    tags: [Bad Tag]\n',
    },
  ],
  [
    'condition on two lines',
    {
      'custom/x.yaml':
        'rules:\n  - name: odd\n    when: |\n      amount_fen > 1 and\n      region = "x"\n    severity: info\n',
    },
  ],
  [
    'unmatched route',
    {
      'custom/x.yaml':
        'rules:\n  - name: odd\n    when: amount_fen > 1\n    severity: info\n    route: nowhere\n',
    },
  ],
];

// Broken conditions: the parser's, the tokenizer's and the type checker's errors.
const BROKEN_CONDITIONS = [
  '',
  'amount_fen > 1 &&',
  'amount_fen > 1 || true',
  'region = "x"',
  'region === "x"',
  '!(region == "x")',
  '1 < amount_fen < 3',
  '(region == "x"',
  'region == "x',
  'region == "a\\q"',
  'region == "\\u12"',
  'amount_fen > 1 and',
  'region in ["a", region]',
  'region in ["a" "b"]',
  'region ; 1',
  'amount_fen > 1e999',
  'amount_fen > 1.',
  'amount_fen > - region',
  'region == and',
  'region',
  'regoin == "x"',
  'zzzzzzzz == "x"',
  'status == "payed"',
  'state in ["stuck", "lost"]',
  'region in ["a", 1]',
  'region in ["a", 1, true]',
  'region == 1',
  'amount_fen > "x"',
  'region in "西藏"',
  'region in [1, 2]',
  'amount_fen contains "1"',
  'region startsWith 1',
  'region matches store_id',
  'region matches "(["',
  `region matches "${'a'.repeat(600)}"`,
  'region and amount_fen > 1',
  'not region',
  'amount_fen == [1]',
  `${'('.repeat(40)}region == "x"${')'.repeat(40)}`,
  `region == "${'x'.repeat(5000)}"`,
];

describe('rule-file problems as catalogue messages', () => {
  it.each(readdirSync(path.join(testdata, 'invalid')).sort())('testdata/invalid/%s', async (sample) => {
    const result = await loadRuleSet(path.join(testdata, 'invalid', sample));
    expect(result.ok).toBe(false);
    expectAllCatalogued(result.ok ? [] : result.errors, sample);
  });

  it.each(BROKEN_FILES)('%s', (where, files) => {
    const result = parseRuleFiles({ ...minimal, ...files });
    expect(result.ok, where).toBe(false);
    expectAllCatalogued(result.ok ? [] : result.errors, where);
  });

  it('reports a file by the wrong name, a missing directory and a missing required file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rule-errors-'));
    cpSync(path.join(testdata, 'valid/minimal'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'calendar.yml'), 'time_zone: Asia/Shanghai\n');
    writeFileSync(path.join(dir, 'custom.yml'), 'rules: []\n');
    const misnamed = await loadRuleSet(dir);
    rmSync(dir, { recursive: true, force: true });
    expect(misnamed.ok ? [] : misnamed.errors.map((error) => error.message_ref.key)).toEqual([
      'ruleError.renameYml',
      'ruleError.unknownFile',
    ]);
    expectAllCatalogued(misnamed.ok ? [] : misnamed.errors, 'misnamed files');
    const missingDir = await loadRuleSet('/nonexistent/alert-rules');
    expectAllCatalogued(missingDir.ok ? [] : missingDir.errors, 'missing directory');
    const { 'routes.yaml': _routes, ...withoutRoutes } = minimal;
    const missingFile = parseRuleFiles(withoutRoutes);
    expectAllCatalogued(missingFile.ok ? [] : missingFile.errors, 'missing routes.yaml');
  });

  it.each(BROKEN_CONDITIONS.map((source) => [source.slice(0, 60), source]))('condition %j', (_, source) => {
    let thrown: unknown;
    try {
      compileCondition(source);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ExpressionError);
    const error = thrown as ExpressionError;
    expectCatalogued({ message: error.message, message_ref: error.problem }, source);
  });
});

describe('rule-file problem wording', () => {
  const both = (ref: MessageRef) => ({ zh: renderMessage('zh-CN', ref), en: renderMessage('en', ref) });

  it('fills the offending text and the suggestion in both languages', () => {
    expect(both({ key: 'ruleError.durationSyntax', params: { text: '2 m' } })).toEqual({
      zh: '"2 m" 不是有效的时长，请用数字加单位 ms、s、m、h、d 或 w，例如 "2m" 或 "1h30m"',
      en: '"2 m" is not a duration; use digits with ms, s, m, h, d or w, e.g. "2m" or "1h30m"',
    });
    expect(both({ key: 'ruleError.durationNoUnit', params: { text: '120', number: '120' } })).toEqual({
      zh: '"120" 缺少单位，请写成 "120s"、"120m" 或 "120h" 这样的形式',
      en: '"120" has no unit; write e.g. "120s", "120m" or "120h"',
    });
  });

  it('renders nested parts (what was found, a hint) in the same language', () => {
    const ref: MessageRef = {
      key: 'ruleError.notMapping',
      params: { actual: [{ key: 'ruleWord.theString', params: { text: 'x' } }] },
    };
    expect(both(ref)).toEqual({
      zh: '应为映射（键值对），实际是字符串 "x"',
      en: 'must be a mapping, not the string "x"',
    });
    const unknown: MessageRef = {
      key: 'ruleError.unknownKey',
      params: { key: 'enabeld', hint: [{ key: 'ruleWord.didYouMean', params: { name: 'enabled' } }] },
    };
    expect(both(unknown)).toEqual({
      zh: '未知的键 "enabeld"；是不是想写 "enabled"？',
      en: 'unknown key "enabeld"; did you mean "enabled"?',
    });
  });

  it('names value types in Chinese, and lists allowed values as written', () => {
    const ref: MessageRef = {
      key: 'ruleError.exprCompareTypes',
      params: {
        left: [{ key: 'ruleWord.typedField', params: { field: 'region', type: 'string' } }],
        right: [{ key: 'ruleWord.aType', params: { type: 'number' } }],
        operator: '==',
      },
    };
    expect(both(ref)).toEqual({
      zh: '不能用 "==" 比较字段 region（字符串）和数字',
      en: 'cannot compare region (string) with a number using "=="',
    });
    expect(
      renderMessage('zh-CN', {
        key: 'ruleError.notOneOf',
        params: { choices: 'critical, warning, info', value: 'loud', hint: [] },
      }),
    ).toBe('应为以下之一：critical, warning, info，不能是 "loud"');
  });

  it('says how many custom files a set may hold, in both languages', () => {
    expect(both({ key: 'ruleError.tooManyCustomFiles', params: { max: '256' } })).toEqual({
      zh: '一套规则最多 256 个自定义规则文件，请先合并一些',
      en: 'a rule set holds at most 256 custom rule files; merge some first',
    });
  });

  it('keeps third-party English detail out of the Chinese rendering', () => {
    const ref: MessageRef = {
      key: 'ruleError.invalidYaml',
      params: { code: 'TAB_AS_INDENT', detail: 'Tabs are not allowed as indentation' },
    };
    expect(both(ref)).toEqual({
      zh: 'YAML 格式有误（TAB_AS_INDENT）：不能用 Tab 缩进，请改用空格',
      en: 'invalid YAML (TAB_AS_INDENT): Tabs are not allowed as indentation',
    });
  });
});
