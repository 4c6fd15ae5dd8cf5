import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmailChannel } from '../../src/notify/channels/email.ts';
import { createChannel } from '../../src/notify/create-channel.ts';
import { DeliveryError } from '../../src/notify/delivery-error.ts';
import { decodeMail } from './mime-decode.ts';
import { firingNotification, resolvedNotification } from './sample-notification.ts';

interface ReceivedMail {
  from: string | undefined;
  to: string[];
  user: string | undefined;
  raw: string;
}

let server: SMTPServer;
let port: number;
let received: ReceivedMail[];
/** SMTP reply code to refuse the next message with, or 0 to accept. */
let refuseWith: number;

beforeEach(async () => {
  received = [];
  refuseWith = 0;
  server = new SMTPServer({
    // plain SMTP on loopback; nodemailer authenticates without STARTTLS when the server does not offer it
    hideSTARTTLS: true,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === 'alerts' && auth.password === 'p@ss word')
        return callback(null, { user: 'alerts' });
      return callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuseWith) {
          const error = Object.assign(new Error('refused by test'), { responseCode: refuseWith });
          return callback(error);
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    logger: false,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function smtpUrl(password = 'p@ss word'): string {
  return `smtp://alerts:${encodeURIComponent(password)}@127.0.0.1:${port}`;
}

describe('e-mail over SMTP (nodemailer → smtp-server)', () => {
  it('delivers an authenticated bilingual mail with subject, text and HTML', async () => {
    const channel = new EmailChannel({
      smtpUrl: smtpUrl(),
      from: 'OrderPulse <alerts@orderpulse.example.com>',
      to: ['oncall@example.com', 'store-001@example.com'],
    });
    await channel.send(firingNotification());
    channel.close();

    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail.user).toBe('alerts');
    expect(mail.from).toBe('alerts@orderpulse.example.com');
    expect(mail.to).toEqual(['oncall@example.com', 'store-001@example.com']);
    const decoded = decodeMail(mail.raw);
    expect(decoded.subject).toBe(
      '【告警:3】支付未入账（严重） 门店 s-001 | [FIRING:3] Payment unapplied (critical) Store s-001',
    );
    expect(decoded.parts['text/plain']).toContain('3 笔支付超过 2 分钟未入账');
    expect(decoded.parts['text/plain']).toContain('3 payments not applied within 2 min');
    expect(decoded.parts['text/plain']).toContain('Examples: o-1001, o-1002');
    const html = decoded.parts['text/html']!;
    expect(html).toContain('<section lang="zh-CN">');
    expect(html).toContain('<section lang="en">');
    expect(html).toContain(
      'href="https://orderpulse.example.com/alerts?rule=payment_unapplied&amp;store_id=s-001"',
    );
  });

  it('sends resolved notifications in the chosen language only, HTML-escaped', async () => {
    const channel = new EmailChannel({
      smtpUrl: smtpUrl(),
      from: 'alerts@x.example',
      to: ['a@x.example'],
      language: 'en',
    });
    const n = resolvedNotification();
    await channel.send({ ...n, summary: { zh: '好', en: 'cleared <script>' } });
    channel.close();
    const decoded = decodeMail(received[0]!.raw);
    expect(decoded.subject).toBe('[RESOLVED] Payment unapplied (critical) Store s-001');
    expect(decoded.parts['text/plain']).toContain('Resolved at: 11/25/2026 18:20:00 (GMT+8)');
    expect(decoded.parts['text/html']).toContain('cleared &lt;script&gt;');
    expect(decoded.parts['text/html']).not.toContain('告警');
  });

  it('maps SMTP replies: 4xx retryable, 5xx and bad credentials permanent, no server retryable', async () => {
    const channel = new EmailChannel({ smtpUrl: smtpUrl(), from: 'alerts@x.example', to: ['a@x.example'] });
    refuseWith = 451;
    const transient = await channel.send(firingNotification()).catch((e: unknown) => e);
    expect(transient).toBeInstanceOf(DeliveryError);
    expect([(transient as DeliveryError).retryable, (transient as DeliveryError).status]).toEqual([
      true,
      451,
    ]);
    refuseWith = 554;
    const permanent = (await channel.send(firingNotification()).catch((e: unknown) => e)) as DeliveryError;
    expect([permanent.retryable, permanent.status]).toEqual([false, 554]);
    channel.close();

    const wrongPassword = new EmailChannel({
      smtpUrl: smtpUrl('nope'),
      from: 'a@x.example',
      to: ['b@x.example'],
    });
    const auth = (await wrongPassword.send(firingNotification()).catch((e: unknown) => e)) as DeliveryError;
    expect(auth.retryable).toBe(false);
    expect(auth.status).toBe(535);
    wrongPassword.close();

    await new Promise<void>((resolve) => server.close(() => resolve()));
    const down = new EmailChannel({
      smtpUrl: smtpUrl(),
      from: 'a@x.example',
      to: ['b@x.example'],
      timeoutMs: 500,
    });
    const refused = (await down.send(firingNotification()).catch((e: unknown) => e)) as DeliveryError;
    expect(refused).toBeInstanceOf(DeliveryError);
    expect([refused.retryable, refused.status]).toEqual([true, undefined]);
    down.close();
    server = new SMTPServer({ logger: false });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  it('is built by createChannel from an SMTP URL held in an environment variable', async () => {
    const channel = createChannel(
      { kind: 'email', smtpUrlEnv: 'OP_SMTP_URL', from: 'alerts@x.example', to: ['ops@x.example'] },
      { env: { OP_SMTP_URL: smtpUrl() } },
    );
    await channel.send(firingNotification());
    (channel as EmailChannel).close();
    expect(received.map((m) => m.to)).toEqual([['ops@x.example']]);
  });
});
