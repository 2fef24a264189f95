#!/usr/bin/env node
/**
 * Command line: `weft start [options]`, `weft --help`. Thin: parsing and wiring only.
 */
import { helpText, loadConfig } from './config';
import { startServer } from './server';

const USAGE = `Usage: weft start [options]

Starts the Weft NGSI-LD broker. Options (flag, environment variable, meaning):
${helpText()}
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (command !== 'start') {
    process.stderr.write(`unknown command '${command}'\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig(rest, process.env);
  const server = await startServer(config);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`weft: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
