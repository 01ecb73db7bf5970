/**
 * The SARIF 2.1.0 JSON schema as a validator. The schema is vendored:
 * test/unit/fixtures/sarif-schema-2.1.0.json, from oasis-tcs/sarif-spec
 * `sarif-2.1/prose/sarif-schema-2.1.0.json` (the draft-07 copy of the errata-01 schema).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';

const schemaFile = path.resolve(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'sarif-schema-2.1.0.json');

/** A validator: the schema's complaints about `doc`, none when it is valid SARIF 2.1.0. */
export function sarifValidator(): (doc: unknown) => string[] {
  // unicodeRegExp off: the schema's `language` pattern is not valid under the `u` flag (a known
  // erratum); strict off: it lists `required` names that only some `anyOf` branches define.
  const ajv = new Ajv({ strict: false, unicodeRegExp: false, allErrors: true });
  const isUrl = (s: string): boolean => {
    try {
      new URL(s);
      return true;
    } catch {
      return false;
    }
  };
  ajv.addFormat('uri', { validate: isUrl });
  ajv.addFormat('uri-reference', { validate: (s: string) => isUrl(s) || isUrl(new URL(s, 'file:///base/').href) });
  ajv.addFormat('date-time', { validate: (s: string) => !Number.isNaN(Date.parse(s)) });
  const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as object);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`));
}
