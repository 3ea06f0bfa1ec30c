import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isGroup, parseAddressList } from '../../src/mime/address.ts';

describe('parseAddressList (RFC 5322 §3.4)', () => {
  it('addr-spec and name-addr, with quoted display names', () => {
    assert.deepEqual(
      parseAddressList('jdoe@example.org, "Doe, Jane" <jane@example.org>, Mary Smith <mary@x.test>'),
      [
        { mailbox: 'jdoe', host: 'example.org' },
        { name: 'Doe, Jane', mailbox: 'jane', host: 'example.org' },
        { name: 'Mary Smith', mailbox: 'mary', host: 'x.test' },
      ],
    );
  });

  it('groups, empty groups and mailboxes after a group', () => {
    const list = parseAddressList(
      'A Group: Ed <ed@a.test>, fred@b.test;, undisclosed-recipients:;, last@c.test',
    );
    assert.deepEqual(list, [
      {
        group: 'A Group',
        members: [
          { name: 'Ed', mailbox: 'ed', host: 'a.test' },
          { mailbox: 'fred', host: 'b.test' },
        ],
      },
      { group: 'undisclosed-recipients', members: [] },
      { mailbox: 'last', host: 'c.test' },
    ]);
    assert.equal(isGroup(list[0]!), true);
    assert.equal(isGroup(list[2]!), false);
  });

  it('a comment after a bare addr-spec is the name; comments elsewhere are dropped', () => {
    assert.deepEqual(parseAddressList('jdoe@example.org (John  Doe)'), [
      { name: 'John Doe', mailbox: 'jdoe', host: 'example.org' },
    ]);
    assert.deepEqual(parseAddressList('Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>'), [
      { name: 'Pete', mailbox: 'pete', host: 'silly.test' },
    ]);
  });

  it('obsolete syntax (RFC 5322 §4.4): routes, CFWS around dots, empty elements, dotted phrases', () => {
    assert.deepEqual(
      parseAddressList('Joe Q. Public <@relay1.test,@relay2.test:john.q . public@example . com>,,'),
      [
        {
          name: 'Joe Q. Public',
          route: '@relay1.test,@relay2.test',
          mailbox: 'john.q.public',
          host: 'example.com',
        },
      ],
    );
  });

  it('quoted local parts are unquoted; domain literals kept; encoded words left raw', () => {
    assert.deepEqual(parseAddressList('"john smith"@[192.0.2.1], =?utf-8?q?J=C3=B6rg?= <j@x.test>'), [
      { mailbox: 'john smith', host: '[192.0.2.1]' },
      { name: '=?utf-8?q?J=C3=B6rg?=', mailbox: 'j', host: 'x.test' },
    ]);
  });

  it('tolerates garbage: missing domain or local part, unclosed brackets, stray specials', () => {
    assert.deepEqual(parseAddressList('user'), [{ mailbox: 'user', host: '' }]);
    assert.deepEqual(parseAddressList('<>'), [{ mailbox: '', host: '' }]);
    assert.deepEqual(parseAddressList('Name <a@b.test'), [{ name: 'Name', mailbox: 'a', host: 'b.test' }]);
    assert.deepEqual(parseAddressList('@b.test'), [{ mailbox: '', host: 'b.test' }]);
    assert.deepEqual(parseAddressList(' ; > , : ;'), []);
    assert.deepEqual(parseAddressList(''), []);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (value) => {
        parseAddressList(value);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom('a', '@', '<', '>', ',', ';', ':', '"', '(', ')', '\\', '.', '[', ']', ' '),
          {
            maxLength: 50,
          },
        ),
        (pieces) => {
          for (const entry of parseAddressList(pieces.join(''))) {
            if (isGroup(entry)) assert.equal(typeof entry.group, 'string');
            else assert.equal(typeof entry.mailbox, 'string');
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
