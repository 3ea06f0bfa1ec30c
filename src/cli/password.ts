/**
 * Reading a password for the CLI: the first line of standard input (`--password-stdin`), or a
 * prompt without echo on a terminal.
 */
import { LoftError } from '../core/errors.ts';

export async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const line = text.split(/\r?\n/)[0] ?? '';
    if (line.length === 0) throw new LoftError('INVALID', 'no password on standard input');
    return line;
  }
  if (!process.stdin.isTTY)
    throw new LoftError('INVALID', 'standard input is not a terminal: use --password-stdin');
  const first = await prompt('Password: ');
  const second = await prompt('Again: ');
  if (first !== second) throw new LoftError('INVALID', 'the passwords differ');
  return first;
}

function prompt(question: string): Promise<string> {
  return new Promise((resolve) => {
    process.stderr.write(question);
    const stdin = process.stdin;
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (data: Buffer): void => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') process.exit(130);
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
