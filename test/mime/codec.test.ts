import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeStructure, encodeStructure } from '../../src/mime/codec.ts';
import { indexMessage } from '../../src/mime/structure.ts';
import type { MessageStructure } from '../../src/mime/types.ts';
import { fixture } from './helpers.ts';

const names = readdirSync(new URL('./fixtures/', import.meta.url)).filter((n) => n.endsWith('.eml'));

describe('encodeStructure / decodeStructure', () => {
  it('round-trips every fixture and is much smaller than plain JSON', () => {
    assert.ok(names.length >= 12);
    for (const name of names) {
      const s = indexMessage(fixture(name));
      const json = encodeStructure(s);
      assert.deepEqual(decodeStructure(json), s, name);
      assert.ok(json.length < JSON.stringify(s).length * 0.8, name);
    }
  });

  it('uses the documented short names', () => {
    const s: MessageStructure = {
      version: 1,
      size: 10,
      envelope: { subject: 's', from: [{ group: 'g', members: [{ mailbox: 'm', host: 'h', name: 'n' }] }] },
      root: {
        headerStart: 0,
        bodyStart: 4,
        bodyEnd: 10,
        headerLines: 1,
        bodyLines: 0,
        type: 'text',
        subtype: 'plain',
        params: [['charset', 'us-ascii']],
      },
    };
    assert.equal(
      encodeStructure(s),
      '{"v":1,"z":10,"ev":{"sj":"s","f":[{"g":"g","gm":[{"mb":"m","ho":"h","n":"n"}]}]},' +
        '"r":{"h":0,"b":4,"e":10,"hl":1,"bl":0,"t":"text","st":"plain","p":[["charset","us-ascii"]]}}',
    );
  });

  it('rejects what it did not write, without throwing', () => {
    const good = encodeStructure(indexMessage(fixture('simple-text.eml')));
    for (const bad of [
      '',
      'null',
      '[]',
      '{',
      '{"v":2,"z":1,"ev":{},"r":{}}',
      '{"v":1,"z":1,"ev":{},"r":{},"zz":1}',
    ]) {
      assert.equal(decodeStructure(bad), undefined, bad);
    }
    assert.equal(decodeStructure(good.replace('"v":1', '"v":2')), undefined);
  });
});
