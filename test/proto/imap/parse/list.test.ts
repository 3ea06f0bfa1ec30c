import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, box, ok } from '../helpers.ts';

const noSelection = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
const noReturn = { subscribed: false, children: false, specialUse: false, status: null };

describe('LIST (RFC 9051 §6.3.9)', () => {
  it('parses the basic form', () => {
    assert.deepEqual(ok('A101 LIST "" ""'), {
      name: 'LIST',
      reference: box(''),
      patterns: [box('')],
      selection: noSelection,
      returns: noReturn,
      extended: false,
    });
    const cmd = ok('A202 LIST ~/Mail/ %');
    assert.deepEqual(cmd.name === 'LIST' && [cmd.reference, cmd.patterns], [box('~/Mail/'), [box('%')]]);
    const star = ok('A1 LIST "" *');
    assert.deepEqual(star.name === 'LIST' && star.patterns, [box('*')]);
    const inbox = ok('A1 LIST "" inbox');
    assert.deepEqual(inbox.name === 'LIST' && inbox.patterns, [box('inbox', 'INBOX')]);
    const br = ok('A1 LIST #news. comp.mail.*]');
    assert.deepEqual(br.name === 'LIST' && br.patterns, [box('comp.mail.*]')]);
  });

  it('parses LIST-EXTENDED selection options and pattern lists (RFC 5258)', () => {
    assert.deepEqual(ok('A02 LIST (SUBSCRIBED) "" "*"'), {
      name: 'LIST',
      reference: box(''),
      patterns: [box('*')],
      selection: { ...noSelection, subscribed: true },
      returns: noReturn,
      extended: true,
    });
    const c6 = ok('A06 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"');
    assert.deepEqual(c6.name === 'LIST' && c6.selection, {
      ...noSelection,
      subscribed: true,
      recursiveMatch: true,
    });
    const c5 = ok('A05 LIST (REMOTE SUBSCRIBED) "" "*"');
    assert.deepEqual(c5.name === 'LIST' && c5.selection, { ...noSelection, subscribed: true, remote: true });
    const c7 = ok('A07 LIST "" ("foo" "foo/*")');
    assert.deepEqual(c7.name === 'LIST' && [c7.patterns, c7.extended], [[box('foo'), box('foo/*')], true]);
    const c3 = ok('A03 LIST () "" "%" RETURN (CHILDREN)');
    assert.deepEqual(c3.name === 'LIST' && [c3.selection, c3.returns], [
      noSelection,
      { ...noReturn, children: true },
    ]);
    const su = ok('t3 LIST (SPECIAL-USE) "" "*"');
    assert.deepEqual(su.name === 'LIST' && su.selection, { ...noSelection, specialUse: true });
  });

  it('parses return options: SUBSCRIBED, CHILDREN, SPECIAL-USE, STATUS (RFC 5819)', () => {
    const c = ok('A04 LIST "" % RETURN (SUBSCRIBED CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))');
    assert.deepEqual(c.name === 'LIST' && c.returns, {
      subscribed: true,
      children: true,
      specialUse: true,
      status: ['MESSAGES', 'UNSEEN'],
    });
    const empty = ok('A04 LIST "" % RETURN ()');
    assert.deepEqual(empty.name === 'LIST' && [empty.returns, empty.extended], [noReturn, true]);
  });

  it('refuses what RFC 5258 and Dovecot refuse', () => {
    assert.match(bad('A1 LIST (RECURSIVEMATCH) "" %'), /RECURSIVEMATCH/);
    assert.match(bad('A1 LIST (FOO) "" %'), /Unknown LIST selection option/);
    assert.match(bad('A1 LIST "" % RETURN (FOO)'), /Unknown LIST return option/);
    bad('A1 LIST "" % RETURN (STATUS ())');
    bad('A1 LIST "" % (CHILDREN)');
    bad('A1 LIST "" ()');
    bad('A1 LIST ""');
    bad('A1 LIST "" a b');
  });

  it('gives both readings of a modified UTF-7 pattern', () => {
    const c = ok('A1 LIST "" "Entw&APw-rfe/%"');
    assert.deepEqual(c.name === 'LIST' && c.patterns, [
      box('Entw&APw-rfe/%', 'Entw&APw-rfe/%', 'Entwürfe/%'),
    ]);
  });
});

describe('LSUB (RFC 3501 §6.3.9)', () => {
  it('takes a reference and a pattern', () => {
    assert.deepEqual(ok('A002 LSUB "#news." "comp.mail.*"'), {
      name: 'LSUB',
      reference: box('#news.'),
      pattern: box('comp.mail.*'),
    });
    bad('A002 LSUB "#news."');
    bad('A002 LSUB (SUBSCRIBED) "" *');
  });
});
