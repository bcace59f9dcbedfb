// The official Cloudflare Node SDK against the streamfake binary.
// .ci/run starts the binary and sets STREAMFAKE_URL (the base URL, ending
// in /client/v4); run it by hand with:
//   go run ./cmd/streamfake -addr 127.0.0.1:8787 &
//   STREAMFAKE_URL=http://127.0.0.1:8787/client/v4 npm test
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';

const baseURL = process.env.STREAMFAKE_URL ?? 'http://127.0.0.1:8787/client/v4';
const admin = baseURL.replace(/\/client\/v4$/, '') + '/__streamfake/';
const account_id = '023e105f4ecef8ad9ca31a8372d0c353'; // streamfake.DefaultAccountID
const client = new Cloudflare({ apiToken: 'streamfake-test-token-0000000000000000000', baseURL });

async function adminCall(method, path, body) {
  const resp = await fetch(admin + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  return { status: resp.status, body: text ? JSON.parse(text) : null };
}

test('create, get, list, update and delete a live input', async () => {
  const created = await client.stream.liveInputs.create({ account_id, meta: { name: 'from node' } });
  assert.match(created.uid, /^[0-9a-f]{32}$/);
  assert.deepEqual(created.meta, { name: 'from node' });
  assert.equal(created.recording.mode, 'off');
  assert.equal(created.srt.streamId, created.uid);

  const got = await client.stream.liveInputs.get(created.uid, { account_id });
  assert.deepEqual(got, created);

  const list = await client.stream.liveInputs.list({ account_id, include_counts: true });
  assert.ok(list.liveInputs.some((i) => i.uid === created.uid));
  assert.equal(list.total, list.liveInputs.length);

  const updated = await client.stream.liveInputs.update(created.uid, { account_id, recording: { mode: 'automatic' } });
  assert.equal(updated.recording.mode, 'automatic');
  assert.equal(updated.created, created.created);

  await client.stream.liveInputs.delete(created.uid, { account_id });
  await assert.rejects(client.stream.liveInputs.get(created.uid, { account_id }), (err) => {
    assert.ok(err instanceof Cloudflare.APIError);
    assert.equal(err.status, 400);
    assert.equal(err.errors[0].code, 10003);
    return true;
  });
});

test('a 429 set through the admin API is retried to success', async () => {
  await adminCall('DELETE', 'requests');
  const rule = await adminCall('POST', 'faults', {
    match: { operation: 'create' },
    action: { kind: 'error', status: 429, code: 971, message: 'Please wait', header: { 'Retry-After': '0' } },
    times: 2,
  });
  assert.equal(rule.status, 201);
  const created = await client.stream.liveInputs.create({ account_id });
  assert.match(created.uid, /^[0-9a-f]{32}$/);

  const log = await adminCall('GET', 'requests?operation=create');
  assert.deepEqual(log.body.requests.map((r) => r.status), [429, 429, 200]);
  assert.deepEqual(log.body.requests.map((r) => r.header['X-Stainless-Retry-Count'][0]), ['0', '1', '2']);
  const faults = await adminCall('GET', 'faults');
  assert.equal(faults.body.find((f) => f.id === rule.body.id).fired, 2);
  await adminCall('DELETE', 'faults');
});

test('a validation error surfaces as the SDK error with the Cloudflare code', async () => {
  await assert.rejects(
    client.stream.liveInputs.create({ account_id, deleteRecordingAfterDays: 10, recording: { mode: 'sometimes' } }),
    (err) => {
      assert.ok(err instanceof Cloudflare.BadRequestError);
      assert.equal(err.status, 400);
      assert.deepEqual(err.errors.map((e) => [e.code, e.source.pointer]), [
        [10005, '/deleteRecordingAfterDays'],
        [10005, '/recording/mode'],
      ]);
      return true;
    },
  );
});
