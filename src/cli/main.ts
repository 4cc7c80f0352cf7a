import { run } from './program.js';

// exitCode rather than exit(): stdout may still be flushing into a pipe.
process.exitCode = await run(process.argv.slice(2));
