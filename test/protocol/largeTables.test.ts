/**
 * `alembic.lint.largeTableRows` over the protocol: the client reports the database's biggest
 * tables with its state; a pending migration's table rewrite on a big table becomes an error
 * with the size in the message, and goes back to a warning once the database has applied it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startServer, uri, type TestServer } from '../support/lspClient';
import { writeProject } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { DatabaseStateNotification, ProjectsRequest } from '../../server/src/shared/protocol';

const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

test('a rewrite of a big table in a pending migration is an error that names the size; once applied it is not raised', async () => {
  const dir = tempDir('alembic-large-');
  writeProject(dir, [
    { id: 'aaaa00000001', down: [], message: 'create orders' },
    { id: 'aaaa00000002', down: ['aaaa00000001'], message: 'widen total', upgrade: ["op.alter_column('orders', 'total', type_=sa.BigInteger())"] },
  ]);
  const file = path.join(
    dir,
    'migrations',
    'versions',
    fs.readdirSync(path.join(dir, 'migrations', 'versions')).find((f) => f.includes('aaaa00000002'))!,
  );
  const server = await startServer(dir, { settings: { lint: { largeTableRows: 1_000_000 } } });
  servers.push(server);
  const rewrite = (d: Array<{ code?: unknown; severity?: number; message: unknown }>) => d.find((x) => x.code === 'changing-column-type');
  const before = await server.waitForDiagnostics(uri(file), (d) => !!rewrite(d));
  assert.equal(rewrite(before)!.severity, 2, 'no database state: a warning');
  const [project] = await server.connection.sendRequest(ProjectsRequest);
  const state = (revisions: string[]) => ({
    kind: 'ok' as const,
    revisions,
    database: '`shop` on `db:5432`',
    readAt: new Date().toISOString(),
    largeTables: [
      { name: 'public.orders', rows: 12_300_000, bytes: 4.4e9 },
      { name: 'public.events', rows: 20_000, bytes: 1e6 },
    ],
  });
  await server.connection.sendNotification(DatabaseStateNotification, { projectId: project.id, state: state(['aaaa00000001']) });
  const raised = await server.waitForDiagnostics(uri(file), (d) => rewrite(d)?.severity === 1);
  assert.match(String(rewrite(raised)!.message), /`public\.orders` has ~12\.3M rows, 4\.1 GB in `shop` on `db:5432`/);
  await server.connection.sendNotification(DatabaseStateNotification, { projectId: project.id, state: state(['aaaa00000002']) });
  const applied = await server.waitForDiagnostics(uri(file), (d) => rewrite(d)?.severity !== 1);
  // Applied: the database decides it shipped (no git here), so the rule is not shown while closed.
  assert.equal(rewrite(applied), undefined);
});
