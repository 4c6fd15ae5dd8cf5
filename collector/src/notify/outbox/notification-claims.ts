// Claiming a notification before it is queued (see migration 0018): the claim succeeds when the
// receiver was last told something else about the group, or the same thing long enough ago that
// saying it again is a repeat. A claim that fails means the notification is already on its way.
import type { Queryable } from '../../store/database.ts';

export interface NotificationClaim {
  receiver: string;
  groupKey: string;
  /** Digest of what the notification says (see `contentKeyOf`). */
  contentKey: string;
  at: Date;
  /** The same content claimed at or before this may be claimed again (now minus the repeat interval). */
  repeatAfter: Date;
}

/** True when this caller holds the claim and must queue the notification. */
export async function claimNotification(q: Queryable, claim: NotificationClaim): Promise<boolean> {
  const { rows } = await q.query(
    `INSERT INTO notification_claims AS c (receiver, group_key, content_key, claimed_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (receiver, group_key) DO UPDATE
        SET content_key = EXCLUDED.content_key, claimed_at = EXCLUDED.claimed_at
      WHERE c.content_key <> EXCLUDED.content_key OR c.claimed_at <= $5
     RETURNING 1`,
    [claim.receiver, claim.groupKey, claim.contentKey, claim.at, claim.repeatAfter],
  );
  return rows.length > 0;
}
