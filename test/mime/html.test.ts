import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { htmlToText } from '../../src/mime/html.ts';

describe('htmlToText', () => {
  it('strips tags, comments, scripts and styles; block tags break lines', () => {
    const html =
      '<html><head><title>t</title><style>p{x}</style></head><body><!-- hidden -->' +
      '<p>Caf&eacute; &amp; <b>cr&#232;me</b>&#x21; &Eacute;t&frac12;</p><SCRIPT>evil()</SCRIPT>' +
      '<div>second&nbsp;line</div><table><tr><td>a</td><td>b</td></tr></table></body></html>';
    assert.equal(htmlToText(html), 'Café & crème! Ét½\nsecond line\na b');
  });

  it('survives unterminated markup', () => {
    assert.equal(htmlToText('text <b'), 'text');
    assert.equal(htmlToText('a <!-- never closed'), 'a');
    assert.equal(htmlToText('a <script>never closed'), 'a');
    assert.equal(htmlToText('&#xD800; &#0; &bogus;'), '\ufffd \ufffd &bogus;');
  });

  it('never throws and stays fast on hostile input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('<', '>', '<!--', '-->', '<script>', '</', '&#', ';', 'a', ' '), {
          maxLength: 80,
        }),
        (p) => {
          htmlToText(p.join(''));
        },
      ),
      { numRuns: 1000 },
    );
    const t0 = performance.now();
    htmlToText('<script>'.repeat(20_000) + '<!--'.repeat(20_000) + '<a'.repeat(20_000));
    assert.ok(performance.now() - t0 < 1000);
  });
});
