// Loopback stand-ins for the Tencent Cloud and Alibaba Cloud SMS APIs. Each checks the request's
// signature with the secret it was given (the signers are pinned to the providers' published
// examples in sms-signatures.test.ts) and answers in the provider's documented success or error shape.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { popSignature } from '../../src/notify/sms/aliyun-rpc-signature.ts';
import { tc3Sign } from '../../src/notify/sms/tc3-signature.ts';

export interface FakeSmsApi {
  baseUrl: string;
  /** Accepted messages: the numbers and template values of each. */
  sent: { phones: string[]; params: unknown; signName: string; template: string }[];
  /** Requests refused for a bad signature. */
  badSignatures: number;
  /** Numbers the fake refuses (a per-number error). */
  refuse: Set<string>;
  close(): Promise<void>;
}

async function listen(
  handler: (
    body: string,
    headers: Record<string, string | string[] | undefined>,
    host: string,
  ) => { status: number; body: unknown },
): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = handler(Buffer.concat(chunks).toString('utf8'), req.headers, req.headers.host ?? '');
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const closer = (server: Server) => async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
};

export async function startFakeTencentSms(secretId: string, secretKey: string): Promise<FakeSmsApi> {
  const api = { sent: [], badSignatures: 0, refuse: new Set<string>() } as unknown as FakeSmsApi;
  const { server, baseUrl } = await listen((body, headers, host) => {
    const requestId = 'fake-request-id';
    const timestamp = Number(headers['x-tc-timestamp']);
    const expected = tc3Sign({
      secretId,
      secretKey,
      service: 'sms',
      host,
      timestamp,
      contentType: String(headers['content-type']),
      payload: body,
    }).authorization;
    if (
      headers.authorization !== expected ||
      headers['x-tc-action'] !== 'SendSms' ||
      headers['x-tc-version'] !== '2021-01-11'
    ) {
      api.badSignatures++;
      return {
        status: 200,
        body: {
          Response: {
            Error: {
              Code: 'AuthFailure.SignatureFailure',
              Message:
                'The provided credentials could not be validated. Please check your signature is correct.',
            },
            RequestId: requestId,
          },
        },
      };
    }
    const request = JSON.parse(body) as {
      PhoneNumberSet: string[];
      TemplateParamSet: string[];
      SignName: string;
      TemplateId: string;
    };
    const statuses = request.PhoneNumberSet.map((phone) =>
      api.refuse.has(phone)
        ? {
            SerialNo: '',
            PhoneNumber: phone,
            Fee: 0,
            SessionContext: '',
            Code: 'LimitExceeded.PhoneNumberDailyLimit',
            Message:
              'the number of SMS messages sent from a single mobile number every day exceeds the upper limit',
            IsoCode: 'CN',
          }
        : {
            SerialNo: '2640:0000000000',
            PhoneNumber: phone,
            Fee: 1,
            SessionContext: '',
            Code: 'Ok',
            Message: 'send success',
            IsoCode: 'CN',
          },
    );
    const accepted = statuses.filter((s) => s.Code === 'Ok').map((s) => s.PhoneNumber);
    if (accepted.length > 0) {
      api.sent.push({
        phones: accepted,
        params: request.TemplateParamSet,
        signName: request.SignName,
        template: request.TemplateId,
      });
    }
    return { status: 200, body: { Response: { SendStatusSet: statuses, RequestId: requestId } } };
  });
  return Object.assign(api, { baseUrl, close: closer(server) });
}

export async function startFakeAliyunSms(accessKeyId: string, accessKeySecret: string): Promise<FakeSmsApi> {
  const api = { sent: [], badSignatures: 0, refuse: new Set<string>() } as unknown as FakeSmsApi;
  const { server, baseUrl } = await listen((body) => {
    const params = Object.fromEntries(new URLSearchParams(body));
    const { Signature: signature, ...signed } = params;
    const valid =
      params.AccessKeyId === accessKeyId &&
      params.SignatureMethod === 'HMAC-SHA1' &&
      params.SignatureVersion === '1.0' &&
      typeof params.SignatureNonce === 'string' &&
      signature === popSignature('POST', signed, accessKeySecret);
    if (!valid) {
      api.badSignatures++;
      return {
        status: 400,
        body: {
          RequestId: 'fake-request-id',
          HostId: 'dysmsapi.aliyuncs.com',
          Code: 'SignatureDoesNotMatch',
          Message: 'Specified signature does not match our calculation.',
          Recommend: 'https://api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch',
        },
      };
    }
    const phones = String(params.PhoneNumbers).split(',');
    if (phones.some((p) => api.refuse.has(p))) {
      return {
        status: 200,
        body: {
          RequestId: 'fake-request-id',
          Code: 'isv.BUSINESS_LIMIT_CONTROL',
          Message: '触发小时级流控Permits:5',
        },
      };
    }
    api.sent.push({
      phones,
      params: JSON.parse(String(params.TemplateParam)),
      signName: String(params.SignName),
      template: String(params.TemplateCode),
    });
    return {
      status: 200,
      body: { Message: 'OK', RequestId: 'fake-request-id', BizId: '900619746936498440^0', Code: 'OK' },
    };
  });
  return Object.assign(api, { baseUrl, close: closer(server) });
}
