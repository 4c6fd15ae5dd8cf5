// Chinese chat robots (WeCom, DingTalk, Feishu) answer HTTP 200 even when they refuse a message; the
// verdict is an error code in the JSON body. A refused message must not count as delivered.
import { DeliveryError } from './delivery-error.ts';
import { type PostJsonOptions, parseJsonBody, postJson } from './post-json.ts';

export interface RobotReplyRules {
  robot: string;
  /** Body fields holding the code and message, in order of preference (Feishu has used two spellings). */
  codeFields: readonly string[];
  messageFields: readonly string[];
  /** Codes meaning "too many messages": worth retrying later. Everything else non-zero is permanent. */
  rateLimitCodes: readonly number[];
}

export function checkRobotReply(body: string, rules: RobotReplyRules): void {
  const reply = parseJsonBody(body);
  if (!reply) {
    throw new DeliveryError(`${rules.robot} answered with a body that is not JSON: ${body.slice(0, 200)}`, {
      code: 'rejected',
      retryable: true,
    });
  }
  const codeField = rules.codeFields.find((f) => typeof reply[f] === 'number');
  const code = codeField === undefined ? 0 : (reply[codeField] as number);
  if (code === 0) return;
  const messageField = rules.messageFields.find((f) => typeof reply[f] === 'string');
  const message = messageField === undefined ? '' : String(reply[messageField]);
  const rateLimited = rules.rateLimitCodes.includes(code);
  throw new DeliveryError(`${rules.robot} refused the message: ${code} ${message}`.trim(), {
    code: rateLimited ? 'rate_limited' : 'rejected',
    retryable: rateLimited,
    status: 200,
  });
}

/** Posts a message to a chat robot; fails unless the reply body says the robot took it. */
export async function postToRobot(
  url: string,
  payload: unknown,
  options: PostJsonOptions,
  rules: RobotReplyRules,
): Promise<void> {
  const reply = await postJson(url, payload, options);
  checkRobotReply(reply.body, rules);
}
