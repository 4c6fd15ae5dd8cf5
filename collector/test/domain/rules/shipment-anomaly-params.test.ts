// shipment_anomaly's own keys in rules.yaml, through the real loader.
import { expect, it } from 'vitest';
import { readBuiltinRules } from '../../../src/rules-config/builtin-rules.ts';
import { readYamlFile } from '../../../src/rules-config/yaml-file.ts';
import { HOUR } from '../fixtures.ts';

function read(yaml: string) {
  const file = readYamlFile('rules.yaml', yaml);
  const { params } = readBuiltinRules(file.root);
  return { params: params.shipment_anomaly, errors: file.errors.map((e) => e.line) };
}

it('reads returns_threshold and stuck_at_location', () => {
  const { params, errors } = read(
    'rules:\n  shipment_anomaly:\n    returns_threshold: 3\n    stuck_at_location: 36h\n',
  );
  expect(errors).toEqual([]);
  expect(params).toMatchObject({ returnsThreshold: 3, stuckAtLocationMs: 36 * HOUR });
});

it('refuses a zero stuck_at_location, keeping the default', () => {
  const { params, errors } = read('rules:\n  shipment_anomaly:\n    stuck_at_location: 0s\n');
  expect(errors).toEqual([3]);
  expect(params.stuckAtLocationMs).toBe(24 * HOUR);
});
