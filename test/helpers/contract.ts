// Checks the router's JSON responses against its OpenAPI document (GET /openapi.json's content): a 2xx against the
// operation's 200 schema, anything else against the error schema. Wired into test/helpers/stack.ts for every request.
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import { openApiDocument } from '../../src/http/openapi';

type Json = Record<string, any>;

export interface ContractChecker {
  /** A violation's description, or undefined when the response fits the document. */
  check(method: string, path: string, status: number, body: unknown): string | undefined;
  document: Json;
}

let shared: ContractChecker | undefined;

export function contractChecker(): ContractChecker {
  if (shared) return shared;
  const document = JSON.parse(JSON.stringify(openApiDocument())) as Json;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'doc', components: document.components }, 'doc');
  // The document's $refs point into components: resolve them against the schema registered above.
  const compile = (schema: Json) => ajv.compile(JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"doc#/components/')));
  const error = compile(document.components.schemas.Error);
  const routes: Array<{ method: string; pattern: RegExp; path: string; ok?: ValidateFunction }> = [];
  for (const [path, ops] of Object.entries(document.paths as Json)) {
    for (const [method, op] of Object.entries(ops as Json)) {
      const schema = (op as Json).responses?.['200']?.content?.['application/json']?.schema;
      routes.push({ method: method.toUpperCase(), path, pattern: new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}/?$`), ok: schema ? compile(schema) : undefined });
    }
  }
  shared = {
    document,
    check(method, path, status, body) {
      const route = routes.find((r) => r.method === method && r.pattern.test(path));
      const validate = status >= 200 && status < 300 ? route?.ok : error;
      if (status >= 200 && status < 300 && !route) return `${method} ${path} answered ${status} but is not in the OpenAPI document`;
      if (!validate || validate(body)) return undefined;
      return `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 300)}`;
    },
  };
  return shared;
}
