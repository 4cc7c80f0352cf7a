import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../daemon/version.js';
import { someDeps } from './deps.js';
import { buildServer } from './server.js';

/** The OpenAPI document, generated from the routes' schemas (no route runs, so no daemon is needed). */
export async function openapiDocument(): Promise<unknown> {
  const app = await buildServer(someDeps({ version: VERSION }));
  const doc = app.swagger();
  await app.close();
  return doc;
}

export const OPENAPI_FILE = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url));

// `npm run openapi` writes the checked-in copy.
if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  fs.writeFileSync(OPENAPI_FILE, JSON.stringify(await openapiDocument(), null, 2) + '\n');
  console.log(`wrote ${OPENAPI_FILE}`);
}
