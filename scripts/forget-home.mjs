// Removes what a throwaway home made outside itself (its tenants' Unix users, its firewall chain):
// the shell scripts that start a daemon on a temporary home call it before removing the folder.
//   node scripts/forget-home.mjs <home>
import console from 'node:console';
import process from 'node:process';
import { forgetHome } from '../dist/src/isolation/forget.js';

const home = process.argv[2];
if (!home) {
  console.error('usage: node scripts/forget-home.mjs <home>');
  process.exit(2);
}
await forgetHome(home);
