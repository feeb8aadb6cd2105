// A Slack incoming-webhook body for a notification: a fallback `text` and mrkdwn `section` blocks, every
// client-supplied string escaped so that it can neither mention (`<!channel>`) nor link.
import type { AlertType, Notification } from './notification.js';

/** Slack refuses a section whose text is longer. */
export const SLACK_SECTION_MAX = 3_000;

export interface SlackText {
  readonly type: 'mrkdwn';
  readonly text: string;
  /** true: Slack does not turn bare URLs, #channels or @mentions in the text into links. */
  readonly verbatim: true;
}

export interface SlackSection {
  readonly type: 'section';
  readonly text: SlackText;
}

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackSection[];
  readonly unfurl_links: false;
  readonly unfurl_media: false;
}

/** The three characters Slack's markup reserves (`<…>` is how it writes mentions and links). */
export function escapeSlack(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/**
 * At most `max` UTF-16 units (Slack counts no more than that), an ellipsis marking the cut. The cut never
 * falls inside a surrogate pair (half a character) nor an escape (`&am…` would show as text, not as `&`).
 */
export function truncateSlack(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = max - 1;
  const last = s.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  const amp = s.lastIndexOf('&', cut - 1);
  if (amp !== -1 && amp > cut - 5) {
    const semi = s.indexOf(';', amp);
    if (semi === -1 || semi >= cut) cut = amp;
  }
  return `${s.slice(0, cut)}…`;
}

const TITLES: Readonly<Record<AlertType, string>> = {
  'incident.opened': ':rotating_light: Incident opened',
  'incident.escalated': ':arrow_double_up: Incident escalated',
  'incident.resolved': ':white_check_mark: Incident resolved',
};

const section = (text: string): SlackSection => ({
  type: 'section',
  text: { type: 'mrkdwn', text: truncateSlack(text, SLACK_SECTION_MAX), verbatim: true },
});

export function slackMessage(n: Notification): SlackMessage {
  const i = n.incident;
  const e = escapeSlack;
  const sev = i.severity.toUpperCase();
  const blocks = [
    section(`*${TITLES[n.type]}* · severity *${sev}* · ${e(i.kind)}`),
    section(
      [
        `*Subject:* ${e(i.subject)}`,
        `*Count:* ${i.count}`,
        `*First seen:* ${e(i.first_seen)}`,
        `*Last seen:* ${e(i.last_seen)}`,
        `*Incident:* ${e(i.id)} (${e(i.key)})`,
      ].join('\n'),
    ),
  ];
  if (i.actions.length > 0) blocks.push(section(`*Actions:*\n${i.actions.map((a) => `• ${e(a)}`).join('\n')}`));
  const text = truncateSlack(
    `[${sev}] ${n.type.replace('incident.', 'incident ')}: ${e(i.kind)} ${e(i.subject)}`,
    3_000,
  );
  return { text, blocks, unfurl_links: false, unfurl_media: false };
}
