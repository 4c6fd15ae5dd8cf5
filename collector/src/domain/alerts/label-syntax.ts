// What a rule may write as its alerts' labels and route. No imports, so the dashboard's rule forms
// check a field with the very patterns the rule-file checker uses.

/** Prometheus label names (no `:`, which Prometheus keeps for recording rules). */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Labels every alert carries from the engine; a rule may not set them itself. */
export const RESERVED_LABELS = ['rule', 'severity', 'store_id', 'route', 'alertname'] as const;

/** A rule's `route:` value, matched by routes.yaml as `route="…"`. */
export const ROUTE_LABEL = /^[a-z][a-z0-9_-]*$/;
