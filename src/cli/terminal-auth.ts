// Credentials a driver asks for (a test:/// node file with users, SASL on a TCP URI), asked on
// the terminal as virsh asks them: each prompt on stderr, the answer read from stdin, without
// echo for passwords. Off a terminal nothing is read: the open fails, saying what was asked.
import { tsvirtError } from '../ffi/index.js';
import { VIR_ERR_AUTH_FAILED } from '../../generated/index.js';
import type { AuthCallback, Credential } from '../sdk/index.js';

/** What the prompts read from: process.stdin, or a stand-in in tests. */
export interface TerminalInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?: (raw: boolean) => unknown;
}

/** Answers typed without echo: a password must not show on the screen. */
const HIDDEN = new Set(['passphrase', 'noechoprompt']);
/** More than any credential: a line that long is not being typed. */
const MAX_ANSWER = 4096;

const ETX = '\u0003'; // Ctrl-C
const EOT = '\u0004'; // Ctrl-D
const ERASE = new Set(['\u007f', '\b']);

const authError = (message: string): Error => tsvirtError(VIR_ERR_AUTH_FAILED, 'auth', message);

/**
 * The auth callback of the command line: prompts on `stderr`, reads `input()` (which must be a
 * terminal). `input` is called only when a driver asks: process.stdin, once made, puts a pipe
 * into non-blocking mode, where a plain read of descriptor 0 (`domain define -`) fails.
 */
export function terminalAuth(input: () => TerminalInput, stderr: NodeJS.WritableStream): AuthCallback {
  return async (credentials) => {
    const stdin = input();
    if (!stdin.isTTY || !stdin.setRawMode) {
      const asked = credentials.map((c) => c.prompt ?? c.type.name).join(', ');
      throw authError(`the connection asks for credentials (${asked}), and standard input is not a terminal to ask them on`);
    }
    const answers: (string | null)[] = [];
    for (const c of credentials) answers.push(await ask(stdin, stderr, c));
    return answers;
  };
}

async function ask(stdin: TerminalInput, stderr: NodeJS.WritableStream, c: Credential): Promise<string | null> {
  const hidden = HIDDEN.has(c.type.name);
  const shown = c.defaultResult !== null && !hidden ? ` [${c.defaultResult}]` : '';
  stderr.write(`${c.prompt ?? c.type.name}${shown}: `);
  const typed = await readLine(stdin, hidden ? undefined : stderr);
  stderr.write('\n');
  return typed === '' ? c.defaultResult ?? '' : typed;
}

/** What was typed past the end of a line (answers typed ahead, or pasted): the next line starts with it. */
const typedAhead = new WeakMap<TerminalInput, string>();

/**
 * One line typed on the terminal, in raw mode (so a password is not echoed by the terminal);
 * `echo` shows what is typed. Ctrl-C or Ctrl-D on an empty line gives up.
 */
function readLine(stdin: TerminalInput, echo: NodeJS.WritableStream | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    let line = '';
    let done = false;
    let listening = false;
    const finish = (err: Error | undefined): void => {
      done = true;
      if (listening) {
        stdin.removeListener('data', onData);
        stdin.removeListener('end', onEnd);
        stdin.setRawMode?.(false);
        stdin.pause();
      }
      if (err) reject(err);
      else resolve(line);
    };
    const take = (ch: string): void => {
      if (ch === '\r' || ch === '\n') return finish(undefined);
      if (ch === ETX || (ch === EOT && line === '')) return finish(authError('no credential given (interrupted)'));
      if (ERASE.has(ch)) {
        if (line.length > 0) echo?.write('\b \b');
        line = line.slice(0, -1);
      } else if (ch >= ' ') {
        if (line.length >= MAX_ANSWER) return finish(authError(`a credential longer than ${MAX_ANSWER} characters`));
        line += ch;
        echo?.write(ch);
      }
      return undefined;
    };
    const feed = (text: string): void => {
      const chars = [...text];
      for (let i = 0; i < chars.length; i++) {
        take(chars[i] as string);
        if (done) {
          if (i + 1 < chars.length) typedAhead.set(stdin, chars.slice(i + 1).join(''));
          return;
        }
      }
    };
    const onEnd = (): void => finish(authError('standard input ended before the credential was given'));
    const onData = (chunk: Buffer | string): void => feed(String(chunk));
    const ahead = typedAhead.get(stdin) ?? '';
    typedAhead.delete(stdin);
    feed(ahead);
    if (done) return;
    listening = true;
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}
