// AEAD_AES_256_GCM as WeChat Pay uses it (pay.weixin.qq.com …/notification/decryption.html): the key is
// the 32 UTF-8 bytes of the APIv3 key, the IV the 12 UTF-8 bytes of `nonce`, the AAD the UTF-8 bytes of
// `associated_data` (may be empty), and the base64 ciphertext ends with the 16-byte GCM tag.
import { createCipheriv, createDecipheriv } from 'node:crypto';

export interface EncryptedResource {
  algorithm: string;
  ciphertext: string;
  associated_data?: string;
  nonce: string;
  original_type?: string;
}

const TAG_BYTES = 16;

export class ResourceDecryptError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'ResourceDecryptError';
  }
}

export function apiV3KeyBytes(apiV3Key: string): Buffer {
  const key = Buffer.from(apiV3Key, 'utf8');
  if (key.length !== 32) throw new RangeError(`the WeChat Pay APIv3 key must be 32 bytes, got ${key.length}`);
  return key;
}

/** The plaintext (UTF-8 JSON in practice); throws ResourceDecryptError when it does not authenticate. */
export function decryptResource(resource: EncryptedResource, apiV3Key: Buffer): string {
  if (resource.algorithm !== 'AEAD_AES_256_GCM') {
    throw new ResourceDecryptError(`unsupported resource algorithm ${JSON.stringify(resource.algorithm)}`);
  }
  const sealed = Buffer.from(resource.ciphertext, 'base64');
  if (sealed.length <= TAG_BYTES) throw new ResourceDecryptError('ciphertext shorter than the GCM tag');
  try {
    const decipher = createDecipheriv('aes-256-gcm', apiV3Key, Buffer.from(resource.nonce, 'utf8'));
    decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch (error) {
    throw new ResourceDecryptError('resource does not decrypt with the APIv3 key', { cause: error });
  }
}

/** The inverse, as WeChat Pay's side does it; used by tests and the traffic simulator. */
export function encryptResource(
  plaintext: string,
  apiV3Key: Buffer,
  nonce: string,
  associatedData: string,
): EncryptedResource {
  const cipher = createCipheriv('aes-256-gcm', apiV3Key, Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: sealed.toString('base64'),
    associated_data: associatedData,
    nonce,
    original_type: associatedData,
  };
}
