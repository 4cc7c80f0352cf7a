/**
 * CQL's consistency levels, without the API's schemas: the CLI checks `--consistency` against them,
 * and loading TypeBox for one list would cost every command about 90 ms at start.
 */
export const CONSISTENCY_LEVELS = [
  'ANY',
  'ONE',
  'TWO',
  'THREE',
  'QUORUM',
  'ALL',
  'LOCAL_QUORUM',
  'EACH_QUORUM',
  'SERIAL',
  'LOCAL_SERIAL',
  'LOCAL_ONE',
] as const;

export type ConsistencyLevel = (typeof CONSISTENCY_LEVELS)[number];
