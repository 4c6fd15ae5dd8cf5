// The SMS request signers against the providers' own published examples.
// Tencent Cloud: "Signature v3" (cloud.tencent.com/document/api/213/30654; the same example is on every
// product's API page), the CVM DescribeInstances POST with SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE at
// 1551113065. Alibaba Cloud: the SMS signature page (help.aliyun.com/document_detail/56189, SendSms with
// testId/testSecret) and the RPC signature page (help.aliyun.com/document_detail/25492, ECS
// DescribeRegions with testid/testsecret).
import { describe, expect, it } from 'vitest';
import {
  popCanonicalQuery,
  popPercentEncode,
  popSignature,
  popStringToSign,
} from '../../src/notify/sms/aliyun-rpc-signature.ts';
import { tc3Sign } from '../../src/notify/sms/tc3-signature.ts';

describe('Tencent Cloud TC3-HMAC-SHA256', () => {
  it('reproduces the documented example step by step', () => {
    const signed = tc3Sign({
      secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
      secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
      service: 'cvm',
      host: 'cvm.tencentcloudapi.com',
      timestamp: 1551113065,
      contentType: 'application/json; charset=utf-8',
      payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
    });
    expect(signed.credentialScope).toBe('2019-02-25/cvm/tc3_request');
    expect(signed.hashedCanonicalRequest).toBe(
      '5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
    );
    expect(signed.signature).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
    expect(signed.authorization).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
  });
});

describe('Alibaba Cloud RPC signature (HMAC-SHA1, SignatureVersion 1.0)', () => {
  it('reproduces the documented SendSms example', () => {
    const params = {
      AccessKeyId: 'testId',
      Action: 'SendSms',
      Format: 'XML',
      OutId: '123',
      PhoneNumbers: '15300000001',
      RegionId: 'cn-hangzhou',
      SignName: '阿里云短信测试专用',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_71390007',
      TemplateParam: '{"customer":"test"}',
      Timestamp: '2017-07-12T02:42:19Z',
      Version: '2017-05-25',
    };
    expect(popStringToSign('GET', params)).toBe(
      'GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25',
    );
    expect(popSignature('GET', params, 'testSecret')).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
    // A Signature parameter already present is not part of what is signed.
    expect(popSignature('GET', { ...params, Signature: 'old' }, 'testSecret')).toBe(
      'zJDF+Lrzhj/ThnlvIToysFRq6t4=',
    );
  });

  it('reproduces the documented RPC DescribeRegions example', () => {
    const params = {
      Format: 'XML',
      AccessKeyId: 'testid',
      Action: 'DescribeRegions',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
      SignatureVersion: '1.0',
      Version: '2014-05-26',
      Timestamp: '2016-02-23T12:46:24Z',
    };
    expect(popSignature('GET', params, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('percent-encodes as the POP gateway does', () => {
    expect(popPercentEncode('a b*~')).toBe('a%20b%2A~');
    expect(popPercentEncode("!'()")).toBe('%21%27%28%29');
    expect(popCanonicalQuery({ b: '2', a: '1 1' })).toBe('a=1%201&b=2');
  });
});
