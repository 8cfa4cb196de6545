import { errors, ok, publicErrors, query, stringParam, LIMIT, QUERY, TARGET, TIME_RANGE } from './openapi-schemas.ts'

/**
 * OpenAPI descriptions of routes whose modules declare no `schema` yet (search, fields, auth,
 * admin, audit), keyed `METHOD url`. They are used for the document only — not for validation —
 * so those routes keep answering exactly as before. A route that declares its own `schema` wins;
 * move an entry into its route when that module is next edited.
 */
type DocSchema = Record<string, unknown>

const USERNAME = { type: 'object', properties: { username: stringParam('user name') }, required: ['username'] }
const json = (properties: Record<string, unknown>, required: string[] = []): DocSchema => ({ type: 'object', properties, required })

export const ROUTE_DOCS: Record<string, DocSchema> = {
  'GET /api/search': {
    tags: ['search'],
    description: 'Search logs or spans: newest first, the total, a histogram by level over the range and a cursor for the next page. '
      + 'Callers with only `aggregates:read` get the total and histogram with `events: []`.',
    querystring: query({ q: QUERY, ...TIME_RANGE, target: TARGET, limit: LIMIT(100, 1000, 'events'), cursor: stringParam('`nextCursor` of the previous page') }),
    response: { ...ok('`{ target, query, from, to, total, events, histogram: { bucketSeconds, buckets }, nextCursor }`'), ...errors(400) },
  },
  'GET /api/fields': {
    tags: ['search'],
    description: 'Field names: the built-in fields of the query language and the attribute names seen in the range (default 24 h), with counts.',
    querystring: query({ target: TARGET, ...TIME_RANGE }),
    response: { ...ok('`{ target, builtin, attributes: [{ name, source, count }] }`'), ...errors(400) },
  },
  'GET /api/fields/:name/values': {
    tags: ['search'],
    description: 'Top values of one field among the records matching `q` (facets).',
    params: { type: 'object', properties: { name: stringParam('field name, e.g. service, level, http.route') }, required: ['name'] },
    querystring: query({ q: QUERY, target: TARGET, ...TIME_RANGE, limit: LIMIT(20, 200, 'values') }),
    response: { ...ok('`{ field, values: [{ value, count }] }`'), ...errors(400) },
  },
  'POST /api/auth/login': {
    tags: ['auth'],
    description: 'Sign in. Answers a bearer `token` (send `Authorization: Bearer <token>`), a `csrfToken` for cookie sessions, roles, permissions and `expiresAt`; also sets the session cookie. Failed attempts are throttled per address and user.',
    body: json({ username: { type: 'string', description: 'user name' }, password: { type: 'string', description: 'password' } }, ['username', 'password']),
    response: { ...ok('`{ username, roles, permissions, token, csrfToken, expiresAt }`'), ...publicErrors(400, 401, 429) },
  },
  'POST /api/auth/logout': {
    tags: ['auth'],
    description: 'Ends the caller\'s session and clears the cookie.',
    response: { ...ok('`{ ok: true }`'), ...publicErrors(401) },
  },
  'GET /api/auth/me': {
    tags: ['auth'],
    description: 'Who the caller is: kind, id, roles, permissions (and the csrfToken for cookie sessions).',
    response: { ...ok('`{ kind, id, name, roles, permissions, authenticated }`'), ...publicErrors(401) },
  },
  'GET /api/admin/users': { tags: ['admin'], description: 'Every user with roles and state.', response: { ...ok('`{ users }`'), ...errors() } },
  'POST /api/admin/users': {
    tags: ['admin'],
    description: 'Creates a user. Without `password` a random one is generated and returned once.',
    body: json({ username: { type: 'string' }, roles: { type: 'array', items: { type: 'string' }, description: 'e.g. support, developer, analyst, admin, auditor' }, password: { type: 'string' } }, ['username', 'roles']),
    response: { 201: { description: 'the user (and the generated password)', type: 'object', additionalProperties: true }, ...errors(400) },
  },
  'PUT /api/admin/users/:username/roles': {
    tags: ['admin'], description: 'Replaces a user\'s roles.', params: USERNAME,
    body: json({ roles: { type: 'array', items: { type: 'string' } } }, ['roles']),
    response: { ...ok('the user'), ...errors(400, 404) },
  },
  'PUT /api/admin/users/:username/password': {
    tags: ['admin'], description: 'Sets a password (random when none is sent, returned once) and ends the user\'s sessions.', params: USERNAME,
    body: json({ password: { type: 'string' } }),
    response: { ...ok('the user'), ...errors(400, 404) },
  },
  'POST /api/admin/users/:username/disable': { tags: ['admin'], description: 'Disables a user and ends their sessions.', params: USERNAME, response: { ...ok('the user'), ...errors(404) } },
  'POST /api/admin/users/:username/enable': { tags: ['admin'], description: 'Enables a disabled user.', params: USERNAME, response: { ...ok('the user'), ...errors(404) } },
  'GET /api/admin/keys': { tags: ['admin'], description: 'Every API key (never the secret).', response: { ...ok('`{ keys }`'), ...errors() } },
  'POST /api/admin/keys': {
    tags: ['admin'],
    description: 'Creates an API key: `ingest` keys only write (optionally bound to one service), `read` keys only read. The secret is returned once.',
    body: json({ scope: { type: 'string', description: 'ingest or read' }, name: { type: 'string' }, service: { type: 'string', description: 'ingest keys: the only service it may send as' } }, ['scope']),
    response: { 201: { description: '`{ key, secret }`', type: 'object', additionalProperties: true }, ...errors(400) },
  },
  'DELETE /api/admin/keys/:id': {
    tags: ['admin'], description: 'Revokes an API key.',
    params: { type: 'object', properties: { id: stringParam('key id') }, required: ['id'] },
    response: { ...ok('the revoked key'), ...errors(404) },
  },
  'GET /api/admin/redaction': { tags: ['admin'], description: 'Redaction and encryption counters per service and rule, key ids in use.', response: { ...ok('counters'), ...errors() } },
  'GET /api/audit': {
    tags: ['audit'],
    description: 'The tamper-evident access audit, newest first (default the last 30 days): who read, searched, exported, decrypted or changed what.',
    querystring: query({ user: stringParam('user name (or `cli:<os user>`, `anonymous`)'), action: stringParam('e.g. search, export, trace.read, sensitive.decrypt, auth.login_failed'), ...TIME_RANGE, limit: LIMIT(100, 10000, 'entries') }),
    response: { ...ok('`{ from, to, entries: [{ seq, time, actor, action, target, client, result, rows, detail, hash }] }`'), ...errors(400) },
  },
}
