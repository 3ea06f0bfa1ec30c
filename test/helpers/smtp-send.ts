/**
 * A minimal pipelining SMTP sender for load and durability tests: one connection, one message,
 * resolves with the final reply code (or undefined when the connection died first).
 */
import net from 'node:net';
import { ReplyParser } from '../../src/proto/smtp/reply-parser.ts';

export function sendOne(port: number, from: string, to: string, body: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const parser = new ReplyParser();
    let seen = 0;
    let settled = false;
    const finish = (code: number | undefined): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(code);
    };
    socket.on('error', () => finish(undefined));
    socket.on('close', () => finish(undefined));
    socket.on('data', (chunk: Buffer) => {
      const { replies } = parser.push(chunk);
      for (const reply of replies) {
        seen++;
        // greeting, EHLO, MAIL, RCPT, DATA(354), end of data
        if (seen === 5) {
          if (reply.code !== 354) return finish(reply.code);
          socket.write(`${body.replaceAll(/^\./gm, '..')}\r\n.\r\nQUIT\r\n`);
        } else if (seen === 6) {
          finish(reply.code);
        } else if (reply.code >= 400) {
          finish(reply.code);
        }
      }
    });
    socket.on('connect', () => {
      socket.write(`EHLO sender.test\r\nMAIL FROM:<${from}>\r\nRCPT TO:<${to}>\r\nDATA\r\n`);
    });
  });
}
