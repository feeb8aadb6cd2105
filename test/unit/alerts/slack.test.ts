// The Slack body: escaping of client-supplied text (no mentions, no links), the 3,000-character section limit
// with multi-byte text, and the shape Slack's incoming webhooks take.
import { describe, expect, it } from 'vitest';
import { escapeSlack, SLACK_SECTION_MAX, slackMessage, truncateSlack } from '../../../src/alerts/slack.js';
import { sampleNotification } from './helpers.js';

/** Half a character: a surrogate without its partner (paired ones are one code point under /u). */
const LONE_SURROGATE = /\p{Cs}/u;
const texts = (m: ReturnType<typeof slackMessage>): string[] => [m.text, ...m.blocks.map((b) => b.text.text)];

describe('escapeSlack', () => {
  it('escapes &, < and > and nothing else', () => {
    expect(escapeSlack('<!channel> & <@U123|x> <https://evil.example|click> *b* é')).toBe(
      '&lt;!channel&gt; &amp; &lt;@U123|x&gt; &lt;https://evil.example|click&gt; *b* é',
    );
    expect(escapeSlack('&amp;')).toBe('&amp;amp;');
  });
});

describe('slackMessage', () => {
  it('a subject or action written as a mention or link arrives escaped everywhere', () => {
    const m = slackMessage(
      sampleNotification({ subject: 'user:<!channel> & <!here>', actions: ['<https://evil.example|ok> done'] }),
    );
    const all = texts(m).join('\n');
    expect(all).not.toMatch(/<!|<@|<https?:|<#/);
    expect(all).toContain('user:&lt;!channel&gt; &amp; &lt;!here&gt;');
    expect(all).toContain('&lt;https://evil.example|ok&gt; done');
    // every text object is verbatim: Slack links no bare URL or @name in it
    for (const b of m.blocks) expect(b.text).toMatchObject({ type: 'mrkdwn', verbatim: true });
    expect(m).toMatchObject({ unfurl_links: false, unfurl_media: false });
  });

  it('names the transition and severity and lists the actions', () => {
    const m = slackMessage(sampleNotification({ type: 'incident.escalated', actions: ['block_ip 3600s', 'tighten'] }));
    expect(m.blocks).toHaveLength(3);
    expect(m.blocks[0]!.text.text).toContain('Incident escalated');
    expect(m.blocks[0]!.text.text).toContain('*HIGH*');
    expect(m.blocks[2]!.text.text).toBe('*Actions:*\n• block_ip 3600s\n• tighten');
    expect(m.text).toBe('[HIGH] incident escalated: scanner ip:203.0.113.9');
    expect(slackMessage(sampleNotification({ actions: [] })).blocks).toHaveLength(2);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it('keeps every section and the text within 3,000 characters with long multi-byte input', () => {
    const subject = `user:${'😀é<'.repeat(2_000)}`;
    const actions = Array.from({ length: 400 }, (_, i) => `block_ip 3600s ${'ß'.repeat(i % 7)} &`);
    const m = slackMessage(sampleNotification({ subject, actions }));
    for (const t of texts(m)) {
      expect(t.length).toBeLessThanOrEqual(SLACK_SECTION_MAX);
      expect(t).not.toMatch(LONE_SURROGATE);
    }
    // cut as late as the limit allows: at most an escape's or a character's few units short of it
    expect(m.blocks[1]!.text.text.length).toBeGreaterThan(SLACK_SECTION_MAX - 5);
    expect(m.blocks[1]!.text.text.endsWith('…')).toBe(true);
    expect(m.blocks[2]!.text.text.endsWith('…')).toBe(true);
  });
});

describe('truncateSlack', () => {
  it('leaves short text alone and cuts long text to the limit with an ellipsis', () => {
    expect(truncateSlack('abc', 3)).toBe('abc');
    expect(truncateSlack('abcd', 3)).toBe('ab…');
  });

  it('never splits a surrogate pair', () => {
    // 'a' then emoji pairs: a cut after 4 units would fall between the halves of the second emoji
    const s = `a${'😀'.repeat(10)}`;
    const t = truncateSlack(s, 5);
    expect(t).toBe('a😀…');
    expect(t).not.toMatch(LONE_SURROGATE);
    for (let max = 2; max < s.length; max++) {
      const u = truncateSlack(s, max);
      expect(u, String(max)).not.toMatch(LONE_SURROGATE);
      expect(u.length).toBeLessThanOrEqual(max);
    }
  });

  it('never cuts inside an escape', () => {
    const s = escapeSlack('ab<&>cd');
    expect(s).toBe('ab&lt;&amp;&gt;cd');
    for (let max = 2; max < s.length; max++) {
      const u = truncateSlack(s, max);
      expect(u.length, String(max)).toBeLessThanOrEqual(max);
      const kept = u.slice(0, -1);
      expect(s.startsWith(kept) && u.endsWith('…'), String(max)).toBe(true);
      expect(kept, String(max)).not.toMatch(/&[a-z]*$/);
    }
  });
});
