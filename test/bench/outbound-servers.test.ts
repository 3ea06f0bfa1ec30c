/**
 * The outbound benchmark as a whole, small: Loft's runner and the benchmark's Postfix instance
 * (skipped where Postfix is not installed or we are not root) relaying to the sink, each run
 * checked message by message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postfixUnavailable } from '../../bench/lib/postfix-server.ts';
import { runSmtpOutbound } from '../../bench/smtp-outbound.ts';

describe('runSmtpOutbound, a small whole run', () => {
  it('queues, holds and releases the messages, and the sink gets each once from each server', {
    timeout: 240_000,
  }, async () => {
    const lines: string[] = [];
    const result = await runSmtpOutbound({
      servers: ['loft', 'postfix'],
      messages: 40,
      repeat: 2,
      keep: false,
      profile: false,
      log: (line) => lines.push(line),
    });
    const withPostfix = postfixUnavailable() === undefined;
    assert.deepEqual(
      result.notes.filter((n) => !n.startsWith('Postfix skipped')),
      [],
    );
    assert.deepEqual(
      result.rows.map((r) => r.server),
      withPostfix ? ['loft', 'postfix'] : ['loft'],
    );
    for (const row of result.rows) {
      assert.equal(row.verified, true, `${row.server}: ${row.error}`);
      assert.equal(row.received, 40);
      assert.equal(row.runs.length, 2);
      assert.ok(
        row.connections >= 1 && row.connections <= 40,
        `${row.server}: ${row.connections} connections`,
      );
      assert.ok(row.peakRssMb > 0);
    }
    assert.ok(result.loftQueueSeconds !== undefined);
    assert.equal(result.postfixFillSeconds.length, withPostfix ? 2 : 0);
    assert.ok(lines.some((l) => l.startsWith('loft: relaying 40 messages (run 2/2)')));
  });
});
