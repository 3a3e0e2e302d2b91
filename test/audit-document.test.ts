import { test } from 'tap'
import { join } from 'node:path'
import { HIDDEN_OPERATIONS, normaliseDocument, parseDocumentText, readDocumentFile, resolveRef, serverPath } from '../lib/openapi/document'
import { DocumentError } from '../lib/openapi/document'

const fixtures = join(__dirname, 'fixtures', 'audit')
const ok = { description: 'ok' }

test('JSON and YAML text both parse; garbage names the parser problem', async (t) => {
  t.same(parseDocumentText('{"openapi":"3.1.0"}'), { openapi: '3.1.0' })
  t.same(parseDocumentText('openapi: 3.1.0\npaths: {}\n'), { openapi: '3.1.0', paths: {} })
  t.throws(() => parseDocumentText('{"openapi": '), { name: 'DocumentError', message: /^is neither valid JSON nor valid YAML: / })
  t.throws(() => parseDocumentText('a: [1\nb: }'), { message: /^is neither valid JSON nor valid YAML: / })
})

test('files: JSON, YAML, missing, broken', async (t) => {
  t.match(readDocumentFile(join(fixtures, 'pets-swagger.json')), { swagger: '2.0' })
  t.match(readDocumentFile(join(fixtures, 'express-openapi.yaml')), { openapi: '3.1.0' })
  t.throws(() => readDocumentFile(join(fixtures, 'nope.yaml')), { message: 'could not be read (ENOENT)' })
  t.throws(() => readDocumentFile(fixtures), { message: 'could not be read (EISDIR)' })
  t.throws(() => readDocumentFile(join(fixtures, 'broken.json')), { message: /neither valid JSON nor valid YAML/ })
})

test('OpenAPI 3: version, title, methods in Allow order, servers path with variables', async (t) => {
  const doc = normaliseDocument({
    openapi: '3.0.3',
    info: { title: 'T', version: '1' },
    servers: [{ url: 'https://{host}/{base}/v1/', variables: { host: { default: 'api.example.com' }, base: { default: 'shop' } } }],
    paths: {
      '/items': { post: { responses: { 201: ok } }, get: { responses: { 200: ok } }, summary: 'not an operation' },
      'x-internal': { get: {} }
    }
  })
  t.equal(doc.version, 'OpenAPI 3.0.3')
  t.equal(doc.title, 'T')
  t.equal(doc.basePath, '/shop/v1')
  t.same(doc.paths.map(p => [p.path, p.methods]), [['/items', ['GET', 'POST']]])
  t.same(doc.paths[0].operations.get('POST')?.responses, ['201'])
})

test('server paths: relative, root, missing variables, no servers, invalid', async (t) => {
  t.equal(serverPath('/api', undefined), '/api')
  t.equal(serverPath('api/v2', undefined), '/api/v2')
  t.equal(serverPath('http://example.com', undefined), '')
  t.equal(serverPath('http://example.com/', undefined), '')
  t.equal(serverPath('/{version}', { other: {} }), '')
  t.equal(serverPath('/{version}', { version: 'v1' }), '')
  t.equal(serverPath('/{version}', undefined), '')
  t.throws(() => serverPath('http://[bad', undefined), { message: 'has a server URL "http://[bad" that is not a valid URL' })
  t.equal(normaliseDocument({ openapi: '3.1.0', servers: [], paths: {} }).basePath, '')
  t.equal(normaliseDocument({ openapi: '3.1.0', servers: 'nope', paths: {} }).basePath, '')
  t.equal(normaliseDocument({ openapi: '3.1.0', servers: [{ description: 'no url' }] }).basePath, '')
})

test('OpenAPI 3.1 without paths, 3.2 with query and additionalOperations', async (t) => {
  t.same(normaliseDocument({ openapi: '3.1.0', webhooks: {} }).paths, [])
  const doc = normaliseDocument({
    openapi: '3.2.0',
    info: { version: '1' },
    paths: { '/search': { query: { responses: {} }, additionalOperations: { purge: { responses: {} } } } }
  })
  t.equal(doc.title, undefined)
  t.same(doc.paths[0].methods, ['QUERY', 'PURGE'])
})

test('Swagger 2.0: basePath and parameters on the parameter itself', async (t) => {
  const doc = normaliseDocument(readDocumentFile(join(fixtures, 'pets-swagger.json')))
  t.equal(doc.version, 'Swagger 2.0')
  t.equal(doc.basePath, '/v2')
  t.same(doc.paths.map(p => [p.path, p.methods]), [['/pets', ['GET', 'POST']], ['/pets/{petId}', ['GET', 'DELETE']]])
  t.equal(doc.paths[1].parameters.get('petId')?.length, 2)
  t.equal(normaliseDocument({ swagger: '2.0', paths: {} }).basePath, '')
  t.equal(normaliseDocument({ swagger: '2.0', basePath: '/', paths: {} }).basePath, '')
})

test('what is not an OpenAPI document is refused with a reason', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [null, /^is not an object$/],
    [[], /^is not an object$/],
    [{ openapi: '2.0' }, /is not an OpenAPI 3.0\/3.1\/3.2 or Swagger 2.0 document/],
    [{ swagger: '1.2' }, /is not an OpenAPI/],
    [{ openapi: 3.1 }, /is not an OpenAPI/],
    [{ openapi: '3.0.0', paths: [] }, /has a "paths" member that is not an object/],
    [{ openapi: '3.0.0', paths: { items: {} } }, /has a path "items" that does not start with "\/"/],
    [{ openapi: '3.0.0', paths: { '/a': 5 } }, /has a path \/a that is not an object/],
    [{ openapi: '3.0.0', paths: { '/a': { get: 'x' } } }, /has a GET operation on \/a that is not an object/],
    [{ openapi: '3.0.0', paths: { '/a': { $ref: 'other.yaml#/paths/~1a' } } }, /refers to other.yaml#\/paths\/~1a: bundle external references/],
    [{ openapi: '3.0.0', paths: { '/a': { $ref: '#/components/pathItems/missing' } } }, /has a \$ref to #\/components\/pathItems\/missing, which does not exist/]
  ]
  for (const [input, message] of cases) {
    t.throws(() => normaliseDocument(input), message)
    t.throws(() => normaliseDocument(input), DocumentError)
  }
})

test('local $refs: path items, operations, parameters, escaped pointers, cycles', async (t) => {
  const doc = {
    openapi: '3.1.0',
    paths: {
      '/a/{id}': { $ref: '#/components/pathItems/A' },
      '/b/{id}': { $ref: '#/paths/~1a~1%7Bid%7D' },
      '/c': { $ref: '#/x/loop1' },
      '/d': { $ref: '#/x/%E0%A4%A' }
    },
    x: { loop1: { $ref: '#/x/loop2' }, loop2: { $ref: '#/x/loop1' }, '%E0%A4%A': { get: { $ref: '#/x/op' } }, op: { responses: { 200: ok } } },
    components: {
      pathItems: { A: { parameters: [{ $ref: '#/components/parameters/id' }, 'junk', { name: 'q', in: 'query' }], get: { responses: {} } } },
      parameters: { id: { name: 'id', in: 'path', schema: { type: 'integer' } } }
    }
  }
  t.throws(() => normaliseDocument(doc), /has a path \/c that refers to #\/x\/loop/)
  delete (doc.paths as Record<string, unknown>)['/c']
  const out = normaliseDocument(doc)
  t.same(out.paths.map(p => [p.path, p.methods]), [['/a/{id}', ['GET']], ['/b/{id}', ['GET']], ['/d', ['GET']]])
  t.same(out.paths[0].parameters.get('id'), [{ name: 'id', in: 'path', schema: { type: 'integer' } }])
  t.same([...out.paths[0].parameters.keys()], ['id'])
  t.equal(resolveRef(doc, 5), 5)
})

test('the Allow an OPTIONS operation documents (OpenAPI 3 schema, const, $ref; Swagger 2.0 enum)', async (t) => {
  const allowOf = (doc: Record<string, unknown>): string[] | undefined => normaliseDocument(doc).paths[0].operations.get('OPTIONS')?.allow
  const oas = (responses: unknown, components: unknown = {}): Record<string, unknown> => ({ openapi: '3.0.3', paths: { '/a': { options: { responses } } }, components })
  t.same(allowOf(oas({ 204: { description: 'x', headers: { Allow: { schema: { type: 'string', enum: ['GET, HEAD, OPTIONS'] } } } } })), ['GET', 'HEAD', 'OPTIONS'])
  t.same(allowOf(oas({ '2XX': { headers: { allow: { schema: { const: 'get,post' } } } } })), ['GET', 'POST'])
  t.same(allowOf(oas({ 200: { $ref: '#/components/responses/opts' } }, { responses: { opts: { headers: { Allow: { $ref: '#/components/headers/Allow' } } } }, headers: { Allow: { schema: { $ref: '#/components/schemas/allow' } } }, schemas: { allow: { enum: ['GET'] } } })), ['GET'])
  t.same(allowOf({ swagger: '2.0', paths: { '/a': { options: { responses: { 204: { headers: { Allow: { type: 'string', enum: ['GET, OPTIONS'] } } } } } } } }), ['GET', 'OPTIONS'])
  // nothing usable: no 2xx, no headers, other headers, a broken header, two values, not a string, no responses
  t.equal(allowOf(oas({ 405: { headers: { Allow: { schema: { enum: ['GET'] } } } } })), undefined)
  t.equal(allowOf(oas({ 204: { description: 'x' } })), undefined)
  t.equal(allowOf(oas({ 204: 'junk' })), undefined)
  t.equal(allowOf(oas({ 204: { headers: { 'X-Other': {} } } })), undefined)
  t.equal(allowOf(oas({ 204: { headers: { Allow: 'junk' } } })), undefined)
  t.equal(allowOf(oas({ 204: { headers: { Allow: { schema: { enum: ['GET', 'POST'] } } } } })), undefined)
  t.equal(allowOf(oas({ 204: { headers: { Allow: { schema: { enum: [1] } } } } })), undefined)
  t.equal(allowOf({ openapi: '3.0.3', paths: { '/a': { options: {} } } }), undefined)
  t.equal(normaliseDocument(oas({ 204: { headers: { Allow: { schema: { enum: ['GET'] } } } } })).paths[0].operations.get('GET'), undefined)
})

test('the mark of hidden operations: read from the document object, only for what it does not document', async (t) => {
  const raw = {
    openapi: '3.1.0',
    paths: {
      '/items/{id}': { get: { responses: { 200: ok } } },
      '/items': { get: { responses: { 200: ok } } },
      '/odd': { get: { responses: { 200: ok } } },
      '/plain': { get: { responses: { 200: ok } } }
    }
  }
  Object.defineProperty(raw, HIDDEN_OPERATIONS, {
    value: {
      '/items/{id}': ['DELETE', 'head', 7], // lower case is read as upper case; what is not a method name is ignored
      '/items': ['GET'], // documented: not hidden
      '/odd': 'DELETE', // not a list
      '/gone': ['POST'] // a path the document does not have
    }
  })
  const doc = normaliseDocument(raw)
  t.same(doc.paths.map(p => [p.path, p.hidden]), [['/items/{id}', ['DELETE', 'HEAD']], ['/items', undefined], ['/odd', undefined], ['/plain', undefined]])
  t.equal(HIDDEN_OPERATIONS, Symbol.for('fastify-allowed-methods.hidden'), 'a registered symbol: the built package and the sources share it')
  t.same(normaliseDocument(JSON.parse(JSON.stringify(raw))).paths.map(p => p.hidden), [undefined, undefined, undefined, undefined], 'a JSON copy carries no mark')
  t.same(normaliseDocument(structuredClone(raw)).paths.map(p => p.hidden), [undefined, undefined, undefined, undefined], 'nor a structured clone')
  const notObject = { ...raw }
  Object.defineProperty(notObject, HIDDEN_OPERATIONS, { value: ['DELETE'] })
  t.same(normaliseDocument(notObject).paths.map(p => p.hidden), [undefined, undefined, undefined, undefined], 'a mark that is not an object is ignored')
})
