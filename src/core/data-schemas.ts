import { Type, type Static } from '@sinclair/typebox';

/** JSON Schemas of the data folder routes (`/v1/data`). */

/** The smallest and largest data folder size, in MB: an ext4 image below 8 MB is mostly its own metadata. */
export const DATA_SIZE_MIN_MB = 8;
export const DATA_SIZE_MAX_MB = 1024 * 1024;

export const DataSizeBody = Type.Object(
  {
    sizeMb: Type.Integer({
      minimum: DATA_SIZE_MIN_MB,
      maximum: DATA_SIZE_MAX_MB,
      description:
        "The data folder's size in MB: writes past it fail (ENOSPC) for the tenant's tasks, jobs and uploads. It only grows.",
    }),
  },
  { additionalProperties: false },
);
export type DataSizeBody = Static<typeof DataSizeBody>;

export const DataEntryView = Type.Object({
  /** Relative to the data folder, "/"-separated. */
  path: Type.String(),
  kind: Type.Union([Type.Literal('file'), Type.Literal('dir'), Type.Literal('link'), Type.Literal('other')]),
  bytes: Type.Number(),
  modifiedAt: Type.String({ format: 'date-time' }),
});
export type DataEntryView = Static<typeof DataEntryView>;

export const DataFolderView = Type.Object({
  /** Where the folder is on this machine: FLOTILLA_DATA of every task and job of the tenant. */
  path: Type.String(),
  /** Its size (the quota) in MB, or null when it shares the home's file system without a limit. */
  sizeMb: Type.Union([Type.Integer(), Type.Null()]),
  /** The file system it is on: its own (with a size) or the home's. */
  totalBytes: Type.Number(),
  freeBytes: Type.Number(),
  usedBytes: Type.Number(),
  /** Files and folders, depth first in name order; at most 2,000 (`truncated` then says more are left out). */
  entries: Type.Array(DataEntryView),
  truncated: Type.Boolean(),
});
export type DataFolderView = Static<typeof DataFolderView>;

export const DataUploadView = Type.Object({
  path: Type.String(),
  bytes: Type.Number(),
});
export type DataUploadView = Static<typeof DataUploadView>;
