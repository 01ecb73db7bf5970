/**
 * Workspace Trust over the protocol: a server told the workspace is untrusted writes nothing
 * from the project's templates — `alembic/newRevision` refuses and the merge-heads quick fix is
 * offered disabled with the reason — until `alembic/workspaceTrust` says it is trusted.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeActionRequest, type CodeAction } from 'vscode-languageserver-protocol/node';
import { startServer, uri } from '../support/lspClient';
import { writeProject } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { NewRevisionRequest, ProjectsRequest, WorkspaceTrustNotification } from '../../server/src/shared/protocol';

const servers: Array<{ stop(): Promise<void> }> = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

test('untrusted: no new revision and no merge file until the workspace is trusted', async () => {
  const dir = tempDir('trust-');
  writeProject(dir, [
    { id: 'base00000001', down: [] },
    { id: 'left00000002', down: ['base00000001'] },
    { id: 'right0000003', down: ['base00000001'] },
  ]);
  const server = await startServer(dir, { initializationOptions: { workspaceTrusted: false } });
  servers.push(server);
  const [project] = await server.connection.sendRequest(ProjectsRequest);
  const refused = await server.connection.sendRequest(NewRevisionRequest, { projectId: project.id, message: 'add orders', parents: ['left00000002'] });
  assert.equal(refused.kind, 'error');
  assert.match(refused.kind === 'error' ? refused.message : '', /not trusted/);

  const left = path.join(
    dir,
    'migrations',
    'versions',
    fs.readdirSync(path.join(dir, 'migrations', 'versions')).find((f) => f.includes('left00000002'))!,
  );
  const ds = await server.waitForDiagnostics(uri(left), (d) => d.some((x) => x.code === 'multiple-heads'));
  const diag = ds.find((x) => x.code === 'multiple-heads')!;
  const ask = async (): Promise<CodeAction | undefined> =>
    (
      (await server.connection.sendRequest(CodeActionRequest.type, {
        textDocument: { uri: uri(left) },
        range: diag.range,
        context: { diagnostics: [diag] },
      })) as CodeAction[]
    ).find((a) => /merge revision/.test(a.title));
  const untrusted = await ask();
  assert.ok(untrusted?.disabled, 'the merge is shown, disabled');
  assert.match(untrusted.disabled.reason, /not trusted/);
  assert.equal(untrusted.edit, undefined, 'and carries no edit');

  await server.connection.sendNotification(WorkspaceTrustNotification, { trusted: true });
  const ok = await server.connection.sendRequest(NewRevisionRequest, { projectId: project.id, message: 'add orders', parents: ['left00000002'] });
  assert.equal(ok.kind, 'ok');
  const trusted = await ask();
  assert.ok(trusted?.edit && !trusted.disabled, 'trusted: the merge file is offered');
});
