/**
 * The outbound benchmark's rows, medians, table and comparison, and its run.ts options.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatOutbound,
  formatOutboundComparison,
  medianOutboundRows,
  type OutboundRow,
  outboundErrors,
} from '../../bench/lib/outbound-report.ts';
import { parseBenchmarks } from '../../bench/run.ts';
import { outboundMessage } from '../../bench/smtp-outbound.ts';

function row(over: Partial<OutboundRow>): OutboundRow {
  return {
    server: 'loft',
    messages: 10000,
    received: 10000,
    seconds: 10,
    perSecond: 1000,
    firstSeconds: 0.5,
    steadyPerSecond: 1052.6,
    connections: 20,
    cpuMsPerMessage: 0.8,
    peakRssMb: 150,
    peakPssMb: 140,
    verified: true,
    runs: [],
    ...over,
  };
}

describe('outbound rows and report', () => {
  it('folds repeated runs into the median one per server, verified only if all were', () => {
    const rows = medianOutboundRows([
      row({ perSecond: 900 }),
      row({ server: 'postfix', perSecond: 700 }),
      row({ perSecond: 1100, verified: false, error: 'the sink got 1 messages never' }),
      row({ server: 'postfix', perSecond: 800 }),
      row({ perSecond: 1000 }),
    ]);
    assert.deepEqual(
      rows.map((r) => [r.server, r.perSecond, r.runs, r.verified, r.error]),
      [
        ['loft', 1000, [900, 1100, 1000], false, 'the sink got 1 messages never'],
        ['postfix', 700, [700, 800], true, undefined],
      ],
    );
  });

  it('prints the table, the runs when repeated, and the comparison', () => {
    const rows = [
      row({}),
      row({
        server: 'postfix',
        seconds: 12.5,
        perSecond: 800,
        firstSeconds: 0.12,
        steadyPerSecond: 810,
        connections: 22,
        cpuMsPerMessage: 1.234,
        peakRssMb: 310,
        peakPssMb: 70,
      }),
    ];
    assert.deepEqual(formatOutbound(rows).split('\n'), [
      'server   messages  seconds  msg/s  first s  steady msg/s  connections  CPU ms/msg  peak RSS MB  peak PSS MB  check',
      'loft        10000    10.00   1000     0.50          1053           20        0.80          150          140     ok',
      'postfix     10000    12.50    800     0.12           810           22        1.23          310           70     ok',
    ]);
    assert.deepEqual(formatOutboundComparison(rows), [
      'Loft/Postfix delivery rate: 1.25 (steady: 1.30)',
      'Loft/Postfix peak memory (PSS): 2.00',
    ]);
    const repeated = formatOutbound([
      row({ runs: [990, 1000, 1010], verified: false, peakPssMb: undefined }),
    ]);
    assert.match(repeated.split('\n')[0]!, / check +runs msg\/s$/);
    assert.match(repeated.split('\n')[1]!, / - {2}FAILED {2}990 1000 1010$/);
    assert.deepEqual(formatOutboundComparison([row({})]), [], 'no comparison without Postfix');
    assert.deepEqual(outboundErrors([row({ error: 'x' }), row({ server: 'postfix' })]), ['loft: x']);
  });

  it('runs after the other benchmarks in npm run bench, and alone by name', () => {
    assert.deepEqual(parseBenchmarks([]).at(-1), 'smtp-outbound');
    assert.deepEqual(parseBenchmarks(['smtp-outbound', 'pop3']), ['pop3', 'smtp-outbound']);
  });

  it('builds messages of the payload size, no line starting with a dot', () => {
    const message = outboundMessage(3, 5120).toString('latin1');
    assert.match(message, /^Message-ID: <3\.outbound@bench\.test>\r$/m);
    const body = message.slice(message.indexOf('\r\n\r\n') + 4);
    assert.ok(body.length >= 5120 && body.length < 5120 + 78);
    assert.ok(message.endsWith('\r\n'));
    assert.ok(!/\r\n\./.test(message));
  });
});
