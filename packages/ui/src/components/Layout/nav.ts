/** Navigation: each entry shows only for roles holding one of its permissions. */
export const NAV: { path: string; label: string; anyOf: string[] }[] = [
  { path: '/', label: 'Overview', anyOf: ['logs:read', 'traces:read', 'aggregates:read'] },
  { path: '/search', label: 'Search', anyOf: ['logs:read', 'traces:read', 'aggregates:read'] },
  { path: '/tail', label: 'Live tail', anyOf: ['logs:read'] },
  { path: '/traces', label: 'Traces', anyOf: ['traces:read'] },
  { path: '/service-map', label: 'Service map', anyOf: ['traces:read', 'aggregates:read'] },
  { path: '/orders', label: 'Orders', anyOf: ['logs:read'] },
  { path: '/admin', label: 'Admin', anyOf: ['users:manage', 'keys:manage', 'retention:manage'] },
  { path: '/audit', label: 'Audit', anyOf: ['audit:read'] },
]
