import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childText, children, parseXml } from './xml.js';

test('elements, comments, CDATA, entities and namespaces', () => {
  const root = parseXml(`<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment with <tags> -->
<s:settings xmlns:s="http://maven.apache.org/SETTINGS/1.0.0" a='x>y'>
  <servers>
    <server><id>a</id><password>p&amp;&lt;&#65;&#x42;</password></server>
    <server><id><![CDATA[<b>]]></id><empty/></server>
  </servers>
</s:settings>`);
  assert.equal(root.name, 'settings');
  const servers = children(root.children[0], 'server');
  assert.deepEqual(
    servers.map((s) => [childText(s, 'id'), childText(s, 'password')]),
    [
      ['a', 'p&<AB'],
      ['<b>', undefined],
    ],
  );
});

test('malformed XML is refused with a line number', () => {
  assert.throws(() => parseXml('<a>\n<b></a>'), /unexpected <\/a> at line 2/);
  assert.throws(() => parseXml('<a>'), /<a> is never closed/);
  assert.throws(() => parseXml('<a>&nbsp;</a>'), /unknown entity &nbsp;/);
  assert.throws(() => parseXml('<a/><b/>'), /second root element <b>/);
  assert.throws(() => parseXml('<a><!-- open </a>'), /unterminated comment/);
});
