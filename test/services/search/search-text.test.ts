import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexMessage } from '../../../src/mime/index.ts';
import { SEARCH_TEXT_LIMIT, searchTextOf } from '../../../src/services/search/search-text.ts';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

test('searchTextOf keeps decoded, NFC text for the index', () => {
  const raw = Buffer.from(
    `Subject: =?UTF-8?B?${b64('Cafe\u0301')}?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nnai\u0308ve\r\n`,
  );
  const text = searchTextOf(raw, indexMessage(raw));
  assert.match(text.headers, /Subject: Café/);
  assert.match(text.body, /naïve/);
  assert.equal(text.truncated, false);
});

test('searchTextOf cuts long text at the limit and says so', () => {
  const body = `${'word '.repeat(SEARCH_TEXT_LIMIT)}the end`;
  const raw = Buffer.from(`Subject: long\r\n\r\n${body}\r\n`);
  const text = searchTextOf(raw, indexMessage(raw));
  assert.equal(text.body.length, SEARCH_TEXT_LIMIT);
  assert.equal(text.truncated, true);
  assert.ok(!text.body.includes('the end'));
  const exact = Buffer.from(`Subject: short\r\n\r\n${'x'.repeat(SEARCH_TEXT_LIMIT - 10)}\r\n`);
  assert.equal(searchTextOf(exact, indexMessage(exact)).truncated, false);
});
