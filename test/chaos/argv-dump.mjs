// Writes the argv it received (after the script path) as JSON to $DUMP_FILE: proof of what arrived, byte for byte.
import { writeFileSync } from 'node:fs';
writeFileSync(process.env.DUMP_FILE, JSON.stringify(process.argv.slice(2)));
