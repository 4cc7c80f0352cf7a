import { FlotillaError } from '../core/errors.js';
import { CONSTRAINT_OPERATORS, type Constraint, type ConstraintOperator } from '../core/constraint.js';

/** How each operator uses the third element, and an example to put in error messages. */
const VALUE: Record<ConstraintOperator, { value: 'none' | 'optional' | 'required'; example: string }> = {
  UNIQUE: { value: 'none', example: '["hostname","UNIQUE"]' },
  CLUSTER: { value: 'optional', example: '["rack","CLUSTER","rack-1"]' },
  GROUP_BY: { value: 'optional', example: '["zone","GROUP_BY","3"]' },
  LIKE: { value: 'required', example: '["rack","LIKE","rack-[1-3]"]' },
  UNLIKE: { value: 'required', example: '["rack","UNLIKE","rack-[7-9]"]' },
  MAX_PER: { value: 'required', example: '["zone","MAX_PER","2"]' },
  IS: { value: 'required', example: '["zone","IS","a"]' },
};

const NUMERIC: ReadonlySet<ConstraintOperator> = new Set(['GROUP_BY', 'MAX_PER']);

/**
 * Reads Marathon's constraint syntax: a list of [field, operator] or [field, operator, value], e.g.
 * [["hostname","UNIQUE"],["zone","GROUP_BY","3"],["rack","LIKE","rack-[1-3]"]]. Absent means none.
 * Errors name the element (`${where}[i]`) and say what to write instead.
 */
export function parseConstraints(raw: unknown, where: string): Constraint[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    throw invalid(
      `${where}: constraints must be a list of [field, operator, value?] lists, e.g. [["hostname","UNIQUE"]]`,
    );
  }
  return raw.map((item, i) => parseOne(item, `${where}[${i}]`));
}

function parseOne(item: unknown, at: string): Constraint {
  if (!Array.isArray(item) || item.length < 2 || item.length > 3) {
    throw invalid(
      `${at}: a constraint is a list of 2 or 3 strings [field, operator, value?], e.g. ["hostname","UNIQUE"]`,
    );
  }
  const [field, op, value] = item as unknown[];
  if (typeof field !== 'string' || field.trim() === '') {
    throw invalid(`${at}: the first element must name a node attribute such as "hostname", "zone" or "rack"`);
  }
  const operator = CONSTRAINT_OPERATORS.find((o) => o === op);
  if (!operator) {
    const upper =
      typeof op === 'string' ? CONSTRAINT_OPERATORS.find((o) => o === op.toUpperCase()) : undefined;
    throw invalid(
      upper
        ? `${at}: write the operator in capitals: "${upper}"`
        : `${at}: the operator ${JSON.stringify(op)} is not one of ${CONSTRAINT_OPERATORS.join(', ')}`,
    );
  }
  const rule = VALUE[operator];
  if (value === undefined) {
    if (rule.value === 'required') throw invalid(`${at}: ${operator} needs a value, e.g. ${rule.example}`);
    return { field, operator };
  }
  if (rule.value === 'none') throw invalid(`${at}: UNIQUE takes no value; write ["${field}","UNIQUE"]`);
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw invalid(`${at}: the value of ${operator} must be a string, e.g. ${rule.example}`);
  }
  const text = String(value);
  if (NUMERIC.has(operator) && !/^[1-9][0-9]*$/.test(text)) {
    throw invalid(
      `${at}: the value of ${operator} must be a whole number of at least 1, e.g. ${rule.example}`,
    );
  }
  if (operator === 'LIKE' || operator === 'UNLIKE') {
    try {
      wholeMatch(text);
    } catch (err) {
      throw invalid(`${at}: "${text}" is not a valid regular expression (${(err as Error).message})`);
    }
  }
  return { field, operator, value: text };
}

/** LIKE and UNLIKE match the whole attribute value, as Marathon's (Java) String.matches does. */
export function wholeMatch(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

/** `hostname:UNIQUE`, `zone:GROUP_BY:3`: how constraints are named in messages. */
export function label(c: Constraint): string {
  return c.value === undefined ? `${c.field}:${c.operator}` : `${c.field}:${c.operator}:${c.value}`;
}

function invalid(message: string): FlotillaError {
  return new FlotillaError('APP_INVALID', message);
}
