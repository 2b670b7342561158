/**
 * `doctor`'s pollers rows (src/client/commands/doctor.ts): Temporal lists a poller for minutes after its last
 * poll, so a stopped agent must count as gone once it has not polled for `LIVE_POLLER_SECONDS`, not while it
 * is still listed (seen on the three-node bed: a killed agent was still "1 poller(s)").
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LIVE_POLLER_SECONDS, pollerCheck, pollersSeen } from '../../src/client/commands/doctor';

const NOW = 1_800_000_000_000;
const at = (secondsAgo: number) => ({ seconds: NOW / 1000 - secondsAgo });

void it('a poller that polled within the limit is live; one listed but silent longer is not', () => {
  const seen = pollersSeen(
    {
      pollers: [
        { identity: 'a@n1', lastAccessTime: at(3) },
        { identity: 'b@n1', lastAccessTime: at(400) },
      ],
    },
    NOW,
  );
  assert.deepEqual(seen, [
    { identity: 'a@n1', ageSeconds: 3 },
    { identity: 'b@n1', ageSeconds: 400 },
  ]);
  const ok = pollerCheck('agent on n1', 'q', seen, 'start it');
  assert.equal(ok.status, 'ok');
  assert.match(ok.detail, /polled by a@n1 \(3 s ago\)$/);
  const stale = pollerCheck('agent on n1', 'q', [seen[1]!], 'start it');
  assert.equal(stale.status, 'fail');
  assert.equal(
    stale.detail,
    `q: no poller in the last ${LIVE_POLLER_SECONDS} s; last seen: b@n1 (400 s ago); start it`,
  );
  assert.equal(
    pollerCheck('worker', 'q', [], 'start it').detail,
    `q: no poller in the last ${LIVE_POLLER_SECONDS} s; start it`,
  );
});
