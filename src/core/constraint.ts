/**
 * Marathon's placement constraints, as apps, stacks and packages declare them; the scheduler
 * (src/scheduler/constraints.ts) reads and checks them.
 */
export type ConstraintOperator = 'UNIQUE' | 'CLUSTER' | 'GROUP_BY' | 'LIKE' | 'UNLIKE' | 'MAX_PER' | 'IS';
export const CONSTRAINT_OPERATORS: readonly ConstraintOperator[] = [
  'UNIQUE',
  'CLUSTER',
  'GROUP_BY',
  'LIKE',
  'UNLIKE',
  'MAX_PER',
  'IS',
];

export interface Constraint {
  field: string;
  operator: ConstraintOperator;
  value?: string;
}
