// The syntax tree of a condition. Every node keeps where it started, for error messages.

export interface Position {
  line: number;
  column: number;
}

export type LiteralValue = string | number | boolean | null;

export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type StringOperator = 'contains' | 'startsWith' | 'matches';

export type Expression =
  | { kind: 'literal'; value: LiteralValue; at: Position }
  | { kind: 'field'; name: string; at: Position }
  | { kind: 'list'; items: Array<{ value: LiteralValue; at: Position }>; at: Position }
  | { kind: 'not'; operand: Expression; at: Position }
  | { kind: 'logical'; operator: 'and' | 'or'; left: Expression; right: Expression; at: Position }
  | { kind: 'compare'; operator: ComparisonOperator; left: Expression; right: Expression; at: Position }
  | { kind: 'in'; negated: boolean; left: Expression; right: Expression; at: Position }
  | { kind: 'string_op'; operator: StringOperator; left: Expression; right: Expression; at: Position };
