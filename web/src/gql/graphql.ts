/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A duration in Go's notation: 150ms, 1.5s, 2m. */
  Duration: { input: string; output: string; }
  /** An instant, RFC 3339 with nanoseconds. */
  Time: { input: string; output: string; }
};

export type ApiKey = Node & {
  __typename?: 'APIKey';
  createdAt: Scalars['Time']['output'];
  expiresAt?: Maybe<Scalars['Time']['output']>;
  id: Scalars['String']['output'];
  lastUsed?: Maybe<Scalars['Time']['output']>;
  name: Scalars['String']['output'];
  nodeId: Scalars['ID']['output'];
  owner: Scalars['String']['output'];
  revokedAt?: Maybe<Scalars['Time']['output']>;
  role: Role;
};

export type ApiKeyConnection = {
  __typename?: 'APIKeyConnection';
  edges: Array<ApiKeyEdge>;
  nodes: Array<ApiKey>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ApiKeyEdge = {
  __typename?: 'APIKeyEdge';
  cursor: Scalars['String']['output'];
  node: ApiKey;
};

export type AddWebhookInput = {
  /** Signs every delivery (HMAC-SHA256): 16 to 256 printable characters without spaces; null: drawn by the controller. */
  secret?: InputMaybe<Scalars['String']['input']>;
  slack?: InputMaybe<Scalars['Boolean']['input']>;
  /** http:// or https://, without user information. */
  url: Scalars['String']['input'];
};

export type AddWebhookPayload = {
  __typename?: 'AddWebhookPayload';
  /** The secret the controller drew (when the input had none): shown here once, never again. */
  secret?: Maybe<Scalars['String']['output']>;
  webhook: Webhook;
};

/** An alert: one rule's condition on one subject, from firing to resolved. */
export type Alert = {
  __typename?: 'Alert';
  /** When this status began: fired, or resolved. */
  at: Scalars['Time']['output'];
  /** The rule's details: a JSON object. */
  details: Scalars['String']['output'];
  /** The alert's ID: its firing and its resolved notice carry the same. */
  id: Scalars['ID']['output'];
  kind: AlertKind;
  network?: Maybe<Scalars['String']['output']>;
  /** The path (ends in name order) for the path rules. */
  path?: Maybe<Scalars['String']['output']>;
  resolvedAt?: Maybe<Scalars['Time']['output']>;
  /** The site it is about (for a path, its first end); null for the controller's own alerts. */
  site?: Maybe<Scalars['String']['output']>;
  /** When the condition began. */
  startedAt: Scalars['Time']['output'];
  status: AlertStatus;
  /** What it is about within its rule: site/NAME, path/ID, cert/server, store. */
  subject: Scalars['String']['output'];
  summary: Scalars['String']['output'];
};

/** An alert rule (docs/ALERTS.md); TEST is the notice of testWebhook. */
export type AlertKind =
  | 'CERT_EXPIRING'
  | 'FAILOVER_STORM'
  | 'PATH_DOWN'
  | 'SITE_OFFLINE'
  | 'SITE_UNREACHABLE'
  | 'SLA_VIOLATED'
  | 'STORE_ERRORS'
  | 'TEST';

export type AlertStatus =
  | 'FIRING'
  | 'RESOLVED';

/** An application the network's edges classify: the built-in catalogue (unless disabled) and the policy set's. */
export type Application = {
  __typename?: 'Application';
  builtin: Scalars['Boolean']['output'];
  class: Scalars['String']['output'];
  name: Scalars['String']['output'];
};

/** One application's traffic over the selected windows. */
export type ApplicationTraffic = {
  __typename?: 'ApplicationTraffic';
  application: Scalars['String']['output'];
  /** Inner bytes the reporting sites received from their paths, of the flows they had seen (a flow's packets before the site's first answer are not counted). Both ends report, so a network's total counts each byte once sent and once received. */
  bytesReceived: Scalars['Int']['output'];
  /** Inner bytes the reporting sites sent. Each site reports what it sends, so a network's total holds both directions. */
  bytesSent: Scalars['Int']['output'];
  /** Flows that sent or received in a window, summed over the windows: a flow that lasts several windows counts in each. */
  flows: Scalars['Int']['output'];
  paths: Scalars['Int']['output'];
  /** Sites and paths that carried some. */
  sites: Scalars['Int']['output'];
};

export type AuditEntry = Node & {
  __typename?: 'AuditEntry';
  action: Scalars['String']['output'];
  actor: Scalars['String']['output'];
  at: Scalars['Time']['output'];
  /** JSON: the request's fields (never a secret), before/after for policy sets. */
  detail: Scalars['String']['output'];
  id: Scalars['Int']['output'];
  method: Scalars['String']['output'];
  nodeId: Scalars['ID']['output'];
  outcome: AuditOutcome;
  role: Scalars['String']['output'];
  sourceIp: Scalars['String']['output'];
  target: Scalars['String']['output'];
  userAgent: Scalars['String']['output'];
};

export type AuditEntryConnection = {
  __typename?: 'AuditEntryConnection';
  edges: Array<AuditEntryEdge>;
  nodes: Array<AuditEntry>;
  pageInfo: PageInfo;
};

export type AuditEntryEdge = {
  __typename?: 'AuditEntryEdge';
  cursor: Scalars['String']['output'];
  node: AuditEntry;
};

export type AuditFilter = {
  /** Exact, or a prefix ending in "." ("site."). */
  action?: InputMaybe<Scalars['String']['input']>;
  actor?: InputMaybe<Scalars['String']['input']>;
  outcome?: InputMaybe<AuditOutcome>;
  since?: InputMaybe<Scalars['Time']['input']>;
  until?: InputMaybe<Scalars['Time']['input']>;
};

export type AuditOutcome =
  | 'FAILURE'
  | 'SUCCESS';

/** A router of a site (docs/BGP.md): as configured (passwords are never shown) and its session as the site's edge last reported it. */
export type BgpNeighbor = {
  __typename?: 'BgpNeighbor';
  accepted?: Maybe<Scalars['Int']['output']>;
  address: Scalars['String']['output'];
  advertised?: Maybe<Scalars['Int']['output']>;
  bfd: Scalars['Boolean']['output'];
  /** The neighbour's BFD session (up, down, init, admin_down); null without BFD or report. */
  bfdState?: Maybe<Scalars['String']['output']>;
  /** Prefix limit; 0: the edge's default (10,000). */
  maxPrefixes: Scalars['Int']['output'];
  passwordSet: Scalars['Boolean']['output'];
  /** Why the session is down, when known: prefix limit, bfd down, shut down, the router's notification. */
  reason?: Maybe<Scalars['String']['output']>;
  /** Prefixes received from the router, accepted by the import policy, advertised to it; null: not reported. */
  received?: Maybe<Scalars['Int']['output']>;
  /** null: reported by the edge but no longer configured. */
  remoteAs?: Maybe<Scalars['Int']['output']>;
  /** The session; null: not reported (yet). */
  state?: Maybe<BgpSessionState>;
};

/** A BGP session's state (RFC 4271 8.2.2). */
export type BgpSessionState =
  | 'ACTIVE'
  | 'CONNECT'
  | 'ESTABLISHED'
  | 'IDLE'
  | 'OPENCONFIRM'
  | 'OPENSENT';

/** A site's BGP speaker towards its routers. */
export type BgpSite = {
  __typename?: 'BgpSite';
  gracefulRestart: Scalars['Boolean']['output'];
  /** The prefixes the site's routers announce, distributed to the other sites. */
  learnedPrefixes: Array<Scalars['String']['output']>;
  /** 0: 179; -1: the edge does not listen. */
  listenPort: Scalars['Int']['output'];
  /** 0: the site has no speaker configured (only an old report). */
  localAs: Scalars['Int']['output'];
  neighbors: Array<BgpNeighbor>;
  /** When the site's edge last reported its sessions; null: never. */
  reportedAt?: Maybe<Scalars['Time']['output']>;
  routerId?: Maybe<Scalars['String']['output']>;
  site: Scalars['String']['output'];
};

export type ConfigRevision = {
  __typename?: 'ConfigRevision';
  at: Scalars['Time']['output'];
  network: Scalars['String']['output'];
  revision: Scalars['Int']['output'];
};

export type CreateApiKeyPayload = {
  __typename?: 'CreateAPIKeyPayload';
  apiKey: ApiKey;
  /** The secret: shown here once, never again. */
  secret: Scalars['String']['output'];
};

export type CreateJoinTokenPayload = {
  __typename?: 'CreateJoinTokenPayload';
  /** The secret: shown here once, never again. */
  secret: Scalars['String']['output'];
  token: JoinToken;
};

export type CreateUserInput = {
  name: Scalars['String']['input'];
  password: Scalars['String']['input'];
  role: Role;
};

export type DeletePayload = {
  __typename?: 'DeletePayload';
  /** The global ID of what was deleted. */
  deletedNodeId: Scalars['ID']['output'];
};

export type JoinToken = Node & {
  __typename?: 'JoinToken';
  createdAt: Scalars['Time']['output'];
  expiresAt: Scalars['Time']['output'];
  /** The token's public ID; the secret is only in createJoinToken's answer. */
  id: Scalars['String']['output'];
  network: Scalars['String']['output'];
  nodeId: Scalars['ID']['output'];
  /** True for a token of resetSite: it re-enrols the existing site. */
  reset: Scalars['Boolean']['output'];
  revokedAt?: Maybe<Scalars['Time']['output']>;
  site: Scalars['String']['output'];
  usedAt?: Maybe<Scalars['Time']['output']>;
};

export type JoinTokenConnection = {
  __typename?: 'JoinTokenConnection';
  edges: Array<JoinTokenEdge>;
  nodes: Array<JoinToken>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type JoinTokenEdge = {
  __typename?: 'JoinTokenEdge';
  cursor: Scalars['String']['output'];
  node: JoinToken;
};

export type Link = Node & {
  __typename?: 'Link';
  bandwidthKbps: Scalars['Int']['output'];
  colour: Scalars['String']['output'];
  cost: Scalars['Int']['output'];
  /** Public address:port; empty behind NAT. */
  endpoint: Scalars['String']['output'];
  interface: Scalars['String']['output'];
  listenPort: Scalars['Int']['output'];
  localAddress: Scalars['String']['output'];
  name: Scalars['String']['output'];
  nodeId: Scalars['ID']['output'];
  site: Scalars['String']['output'];
};

export type MatchRule = {
  __typename?: 'MatchRule';
  cidrs: Array<Scalars['String']['output']>;
  domains: Array<Scalars['String']['output']>;
  dscp: Array<Scalars['String']['output']>;
  ports: Array<Scalars['String']['output']>;
  protocols: Array<Scalars['String']['output']>;
  sourceCidrs: Array<Scalars['String']['output']>;
};

export type MatchRuleInput = {
  cidrs?: InputMaybe<Array<Scalars['String']['input']>>;
  domains?: InputMaybe<Array<Scalars['String']['input']>>;
  dscp?: InputMaybe<Array<Scalars['String']['input']>>;
  ports?: InputMaybe<Array<Scalars['String']['input']>>;
  protocols?: InputMaybe<Array<Scalars['String']['input']>>;
  sourceCidrs?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type Mutation = {
  __typename?: 'Mutation';
  addPrefix: Prefix;
  /** Adds an alert webhook (administrators); without a secret the controller draws one, returned once. */
  addWebhook: AddWebhookPayload;
  createAPIKey: CreateApiKeyPayload;
  createJoinToken: CreateJoinTokenPayload;
  createUser: User;
  deleteLink: DeletePayload;
  deletePin: DeletePayload;
  deletePrefix: DeletePayload;
  deleteSite: DeletePayload;
  deleteUser: DeletePayload;
  putLink: Link;
  /** Removes an alert webhook and the deliveries waiting for it (administrators). */
  removeWebhook: DeletePayload;
  /** Revokes the site's certificates (its edge's streams end) and makes a one-time join token that re-enrols it under its name and ID, keeping its links, prefixes, pins and policies; the edge's new WireGuard key replaces the site's. */
  resetSite: CreateJoinTokenPayload;
  revokeAPIKey: DeletePayload;
  revokeJoinToken: JoinToken;
  revokeSite: Site;
  /** Sets a path pin; the same site and match again replaces it (it keeps its id). */
  setPin: Pin;
  /** Replaces the whole policy set; with expectedRevision the network must be at it (else STALE). */
  setPolicySet: PolicySet;
  /** Sends a test notice to a webhook now and says how it answered (administrators). */
  testWebhook: WebhookTestResult;
  updateUser: User;
};


export type MutationAddPrefixArgs = {
  network?: Scalars['String']['input'];
  prefix: Scalars['String']['input'];
  site: Scalars['String']['input'];
};


export type MutationAddWebhookArgs = {
  input: AddWebhookInput;
};


export type MutationCreateApiKeyArgs = {
  expiresAt?: InputMaybe<Scalars['Time']['input']>;
  name: Scalars['String']['input'];
  role: Role;
};


export type MutationCreateJoinTokenArgs = {
  network?: Scalars['String']['input'];
  site: Scalars['String']['input'];
  ttl?: InputMaybe<Scalars['Duration']['input']>;
};


export type MutationCreateUserArgs = {
  input: CreateUserInput;
};


export type MutationDeleteLinkArgs = {
  name: Scalars['String']['input'];
  network?: Scalars['String']['input'];
  site: Scalars['String']['input'];
};


export type MutationDeletePinArgs = {
  id: Scalars['Int']['input'];
  network?: Scalars['String']['input'];
};


export type MutationDeletePrefixArgs = {
  network?: Scalars['String']['input'];
  prefix: Scalars['String']['input'];
};


export type MutationDeleteSiteArgs = {
  name: Scalars['String']['input'];
  network?: Scalars['String']['input'];
};


export type MutationDeleteUserArgs = {
  name: Scalars['String']['input'];
};


export type MutationPutLinkArgs = {
  link: PutLinkInput;
  network?: Scalars['String']['input'];
  site: Scalars['String']['input'];
};


export type MutationRemoveWebhookArgs = {
  id: Scalars['Int']['input'];
};


export type MutationResetSiteArgs = {
  name: Scalars['String']['input'];
  network?: Scalars['String']['input'];
  ttl?: InputMaybe<Scalars['Duration']['input']>;
};


export type MutationRevokeApiKeyArgs = {
  id: Scalars['String']['input'];
};


export type MutationRevokeJoinTokenArgs = {
  id: Scalars['String']['input'];
  network?: Scalars['String']['input'];
};


export type MutationRevokeSiteArgs = {
  name: Scalars['String']['input'];
  network?: Scalars['String']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};


export type MutationSetPinArgs = {
  input: PinInput;
  network?: Scalars['String']['input'];
};


export type MutationSetPolicySetArgs = {
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
  network?: Scalars['String']['input'];
  policySet: PolicySetInput;
};


export type MutationTestWebhookArgs = {
  id: Scalars['Int']['input'];
};


export type MutationUpdateUserArgs = {
  input: UpdateUserInput;
  name: Scalars['String']['input'];
};

export type Network = Node & {
  __typename?: 'Network';
  createdAt: Scalars['Time']['output'];
  name: Scalars['String']['output'];
  nodeId: Scalars['ID']['output'];
  /** The configuration revision: it grows with every change. */
  revision: Scalars['Int']['output'];
  topology: Topology;
};

export type Node = {
  /** Stable global ID: the same object keeps it. */
  nodeId: Scalars['ID']['output'];
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Path = Node & {
  __typename?: 'Path';
  activeFlows?: Maybe<Scalars['Int']['output']>;
  /** From the newest live report of the last 10 minutes (null: none since the controller started): BFD state (UP, DOWN, INIT, ADMIN_DOWN), quality score, flap suppression, flows on the path, its transport, and which end reported it. */
  bfdState?: Maybe<Scalars['String']['output']>;
  /** The path's current flows, busiest first: each end of the path reports the 20 flows it carried on it with the most bytes in its last window (every 10 s), and the newest report of each end heard in the last minute is shown (docs/WEB.md). A flow both ends carry on the path appears once per end. Empty: no traffic, or no report since the controller started. Kept in memory: current flows are not history. */
  currentFlows: Array<PathFlow>;
  /** Measurements in [from, to), in buckets chosen by the range: raw up to 1 h, minutes up to 7 days, hours beyond (`PathHistory.resolution` says which). */
  history: PathHistory;
  /** The path ID as the edge prints it: "site1/inet->site2/lte". */
  id: Scalars['ID']['output'];
  jitterMs?: Maybe<Scalars['Float']['output']>;
  latencyMs?: Maybe<Scalars['Float']['output']>;
  linkA: Scalars['String']['output'];
  linkB: Scalars['String']['output'];
  lossPct?: Maybe<Scalars['Float']['output']>;
  measuredAt?: Maybe<Scalars['Time']['output']>;
  network: Scalars['String']['output'];
  nodeId: Scalars['ID']['output'];
  reportedBy?: Maybe<Scalars['String']['output']>;
  score?: Maybe<Scalars['Float']['output']>;
  siteA: Scalars['String']['output'];
  siteB: Scalars['String']['output'];
  /** The latest sample's state (of the last 10 minutes); null: none. */
  state?: Maybe<PathState>;
  suppressed?: Maybe<Scalars['Boolean']['output']>;
  /** From the same report: how the path's packets travel, DIRECT (to the peer link's endpoint, its observed one behind NAT: docs/NAT.md) or RELAYED; null: not known. */
  transport?: Maybe<PathTransport>;
};


export type PathHistoryArgs = {
  from: Scalars['Time']['input'];
  to: Scalars['Time']['input'];
};

export type PathConnection = {
  __typename?: 'PathConnection';
  edges: Array<PathEdge>;
  nodes: Array<Path>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type PathEdge = {
  __typename?: 'PathEdge';
  cursor: Scalars['String']['output'];
  node: Path;
};

/** A path's state and quality as its site reported them. */
export type PathEvent = {
  __typename?: 'PathEvent';
  activeFlows: Scalars['Int']['output'];
  at: Scalars['Time']['output'];
  bfdState?: Maybe<Scalars['String']['output']>;
  jitterMs?: Maybe<Scalars['Float']['output']>;
  latencyMs?: Maybe<Scalars['Float']['output']>;
  lossPct?: Maybe<Scalars['Float']['output']>;
  network: Scalars['String']['output'];
  /** The path's ID as the reporting site's edge names it. */
  pathId: Scalars['String']['output'];
  score: Scalars['Float']['output'];
  /** The reporting site. */
  site: Scalars['String']['output'];
  state: PathState;
  stateChanged: Scalars['Boolean']['output'];
  suppressed: Scalars['Boolean']['output'];
  /** null: the edge did not say (older edges). */
  transport?: Maybe<PathTransport>;
};

export type PathFilter = {
  /** Paths with this site at either end. */
  site?: InputMaybe<Scalars['String']['input']>;
  state?: InputMaybe<PathState>;
};

/** A flow on a path in a window, as one end of the path reported it; bytes and packets are inner (before encryption) and count the window only. */
export type PathFlow = {
  __typename?: 'PathFlow';
  application: Scalars['String']['output'];
  class: Scalars['String']['output'];
  dst: Scalars['String']['output'];
  dstPort: Scalars['Int']['output'];
  policy: Scalars['String']['output'];
  /** The IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6). */
  protocol: Scalars['Int']['output'];
  /** The site that reported it (an end of the path). */
  reportedBy: Scalars['String']['output'];
  /** Received by the reporting site from its paths. */
  rxBytes: Scalars['Int']['output'];
  rxPackets: Scalars['Int']['output'];
  /** The server name (TLS SNI or DNS), when known. */
  serverName?: Maybe<Scalars['String']['output']>;
  src: Scalars['String']['output'];
  /** 0 for protocols without ports. */
  srcPort: Scalars['Int']['output'];
  /** When the reporting edge first saw the flow. */
  startedAt: Scalars['Time']['output'];
  /** Sent by the reporting site, over any path. */
  txBytes: Scalars['Int']['output'];
  txPackets: Scalars['Int']['output'];
  windowEnd: Scalars['Time']['output'];
  /** The window's start and end (the edge's clock). */
  windowStart: Scalars['Time']['output'];
};

export type PathHistory = {
  __typename?: 'PathHistory';
  from: Scalars['Time']['output'];
  points: Array<PathPoint>;
  resolution: Resolution;
  to: Scalars['Time']['output'];
};

/** A raw sample or a rollup bucket (averages; maxLatencyMs the worst; state the worst seen). */
export type PathPoint = {
  __typename?: 'PathPoint';
  at: Scalars['Time']['output'];
  downSamples: Scalars['Int']['output'];
  jitterMs: Scalars['Float']['output'];
  latencyMs: Scalars['Float']['output'];
  lossPct: Scalars['Float']['output'];
  maxLatencyMs: Scalars['Float']['output'];
  samples: Scalars['Int']['output'];
  state: PathState;
};

export type PathState =
  | 'DEGRADED'
  | 'DOWN'
  | 'UP';

/** The way a path takes: straight to the peer's link, or through a relay (docs/NAT.md). */
export type PathTransport =
  | 'DIRECT'
  | 'RELAYED';

/** A path pin: the site's edge sends the matching flows over the path whatever steering says, until it is deleted or expires. */
export type Pin = Node & {
  __typename?: 'Pin';
  /** When it was last set. */
  createdAt: Scalars['Time']['output'];
  /** Who set it: a user, an API key or a certificate. */
  createdBy: Scalars['String']['output'];
  /** null: until deleted. An expired pin is listed until the controller removes it (within a minute). */
  expiresAt?: Maybe<Scalars['Time']['output']>;
  id: Scalars['Int']['output'];
  match: PinMatch;
  network: Scalars['String']['output'];
  nodeId: Scalars['ID']['output'];
  /** The path as the site's edge names it, its own end first: "site/link->peer/link". */
  pathId: Scalars['String']['output'];
  /** The site whose edge applies the pin. */
  site: Scalars['String']['output'];
};

export type PinInput = {
  match?: InputMaybe<PinMatchInput>;
  /** "site/link->peer/link", either end first; site must be one of the ends. */
  path: Scalars['String']['input'];
  site: Scalars['String']['input'];
  /** The pin's lifetime (at most 8784h); null: until deleted. */
  ttl?: InputMaybe<Scalars['Duration']['input']>;
};

/** What a pin matches; null or 0 fields match anything. */
export type PinMatch = {
  __typename?: 'PinMatch';
  dst?: Maybe<Scalars['String']['output']>;
  dstPort: Scalars['Int']['output'];
  /** IP protocol number (6 tcp, 17 udp); 0: any. */
  protocol: Scalars['Int']['output'];
  /** Source prefix, CIDR; null: any. */
  src?: Maybe<Scalars['String']['output']>;
  /** 0: any; ports need protocol 6 or 17. */
  srcPort: Scalars['Int']['output'];
};

export type PinMatchInput = {
  dst?: InputMaybe<Scalars['String']['input']>;
  dstPort?: InputMaybe<Scalars['Int']['input']>;
  protocol?: InputMaybe<Scalars['Int']['input']>;
  src?: InputMaybe<Scalars['String']['input']>;
  srcPort?: InputMaybe<Scalars['Int']['input']>;
};

export type Policy = {
  __typename?: 'Policy';
  colors: Array<Scalars['String']['output']>;
  compression?: Maybe<Scalars['Boolean']['output']>;
  match?: Maybe<PolicyMatch>;
  mode: SteeringMode;
  name: Scalars['String']['output'];
  slaClass: Scalars['String']['output'];
};

export type PolicyApplication = {
  __typename?: 'PolicyApplication';
  class: Scalars['String']['output'];
  match?: Maybe<MatchRule>;
  matchAny: Array<MatchRule>;
  name: Scalars['String']['output'];
};

export type PolicyApplicationInput = {
  class?: InputMaybe<Scalars['String']['input']>;
  match?: InputMaybe<MatchRuleInput>;
  matchAny?: InputMaybe<Array<MatchRuleInput>>;
  name: Scalars['String']['input'];
};

export type PolicyInput = {
  colors?: InputMaybe<Array<Scalars['String']['input']>>;
  compression?: InputMaybe<Scalars['Boolean']['input']>;
  match?: InputMaybe<PolicyMatchInput>;
  mode?: InputMaybe<SteeringMode>;
  name: Scalars['String']['input'];
  slaClass: Scalars['String']['input'];
};

export type PolicyMatch = {
  __typename?: 'PolicyMatch';
  applications: Array<Scalars['String']['output']>;
  classes: Array<Scalars['String']['output']>;
};

export type PolicyMatchInput = {
  applications?: InputMaybe<Array<Scalars['String']['input']>>;
  classes?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type PolicySlaClass = {
  __typename?: 'PolicySLAClass';
  maxJitter?: Maybe<Scalars['Duration']['output']>;
  maxLatency?: Maybe<Scalars['Duration']['output']>;
  maxLossPct: Scalars['Float']['output'];
  name: Scalars['String']['output'];
};

export type PolicySlaClassInput = {
  maxJitter?: InputMaybe<Scalars['Duration']['input']>;
  maxLatency?: InputMaybe<Scalars['Duration']['input']>;
  maxLossPct?: InputMaybe<Scalars['Float']['input']>;
  name: Scalars['String']['input'];
};

/** A network's steering configuration as stored: mirrors the policy set's JSON document. */
export type PolicySet = {
  __typename?: 'PolicySet';
  applications: Array<PolicyApplication>;
  disableBuiltinApplications: Scalars['Boolean']['output'];
  /** The document itself, JSON with proto field names. */
  document: Scalars['String']['output'];
  network: Scalars['String']['output'];
  policies: Array<Policy>;
  /** Path-state thresholds; null: the defaults. */
  qualityModel?: Maybe<QualityModel>;
  revision: Scalars['Int']['output'];
  slaClasses: Array<PolicySlaClass>;
  steering?: Maybe<SteeringTimers>;
  updatedAt?: Maybe<Scalars['Time']['output']>;
};

export type PolicySetInput = {
  applications?: InputMaybe<Array<PolicyApplicationInput>>;
  disableBuiltinApplications?: InputMaybe<Scalars['Boolean']['input']>;
  policies?: InputMaybe<Array<PolicyInput>>;
  qualityModel?: InputMaybe<QualityModelInput>;
  slaClasses?: InputMaybe<Array<PolicySlaClassInput>>;
  steering?: InputMaybe<SteeringTimersInput>;
};

export type Prefix = Node & {
  __typename?: 'Prefix';
  nodeId: Scalars['ID']['output'];
  prefix: Scalars['String']['output'];
  site: Scalars['String']['output'];
};

export type PutLinkInput = {
  bandwidthKbps?: InputMaybe<Scalars['Int']['input']>;
  colour: Scalars['String']['input'];
  cost?: InputMaybe<Scalars['Int']['input']>;
  endpoint?: InputMaybe<Scalars['String']['input']>;
  interface?: InputMaybe<Scalars['String']['input']>;
  listenPort?: InputMaybe<Scalars['Int']['input']>;
  localAddress?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
};

/** The path-state thresholds (edge/quality), in score points 0-100; 0: the default. */
export type QualityModel = {
  __typename?: 'QualityModel';
  /** An up path with a lower score is DEGRADED (default 75). */
  degradedBelowScore: Scalars['Float']['output'];
  /** A degraded path needs this score to be UP again (default 80). */
  recoverAtScore: Scalars['Float']['output'];
};

export type QualityModelInput = {
  degradedBelowScore?: InputMaybe<Scalars['Float']['input']>;
  recoverAtScore?: InputMaybe<Scalars['Float']['input']>;
};

export type Query = {
  __typename?: 'Query';
  /** The alerts firing now, oldest first (docs/ALERTS.md). */
  alerts: Array<Alert>;
  apiKeys: ApiKeyConnection;
  /** The top applications by bytes in the flow summaries the edges send (every 30 s, what each site sent by application and path), most bytes first: a ranking of at most `first` (1–1000), so a plain list. The window is the last hour unless `filter.since` says otherwise. */
  applicationTraffic: Array<ApplicationTraffic>;
  applications: Array<Application>;
  auditLog: AuditEntryConnection;
  /** The BGP speakers of the network's sites (site: of that site), by site name. */
  bgp: Array<BgpSite>;
  joinTokens: JoinTokenConnection;
  network: Network;
  networks: Array<Network>;
  /** The object with this global ID (nodeId), or null. */
  node?: Maybe<Node>;
  path: Path;
  paths: PathConnection;
  /** The network's path pins (site: of that site), by id: the order an edge tries them in. */
  pins: Array<Pin>;
  policySet: PolicySet;
  site: Site;
  sites: Array<Site>;
  sitesConnection: SiteConnection;
  slaClasses: Array<SlaClass>;
  steeringEvents: SteeringEventConnection;
  users: UserConnection;
  /** The alert webhooks, by id, never with their secrets (administrators). */
  webhooks: Array<Webhook>;
};


export type QueryApiKeysArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryApplicationTrafficArgs = {
  filter?: InputMaybe<TrafficFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  network?: Scalars['String']['input'];
};


export type QueryApplicationsArgs = {
  network?: Scalars['String']['input'];
};


export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AuditFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryBgpArgs = {
  network?: Scalars['String']['input'];
  site?: InputMaybe<Scalars['String']['input']>;
};


export type QueryJoinTokensArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  network?: Scalars['String']['input'];
};


export type QueryNetworkArgs = {
  name?: Scalars['String']['input'];
};


export type QueryNodeArgs = {
  nodeId: Scalars['ID']['input'];
};


export type QueryPathArgs = {
  id: Scalars['ID']['input'];
  network?: Scalars['String']['input'];
};


export type QueryPathsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<PathFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  network?: Scalars['String']['input'];
};


export type QueryPinsArgs = {
  network?: Scalars['String']['input'];
  site?: InputMaybe<Scalars['String']['input']>;
};


export type QueryPolicySetArgs = {
  network?: Scalars['String']['input'];
};


export type QuerySiteArgs = {
  name: Scalars['String']['input'];
  network?: Scalars['String']['input'];
};


export type QuerySitesArgs = {
  filter?: InputMaybe<SiteFilter>;
  network?: Scalars['String']['input'];
};


export type QuerySitesConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<SiteFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  network?: Scalars['String']['input'];
};


export type QuerySlaClassesArgs = {
  network?: Scalars['String']['input'];
};


export type QuerySteeringEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<SteeringEventFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  network?: Scalars['String']['input'];
};


export type QueryUsersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type Resolution =
  | 'HOUR'
  | 'MINUTE'
  | 'RAW';

export type Role =
  | 'ADMIN'
  | 'OPERATOR'
  | 'VIEWER';

/** An SLA class as the network's edges use it: the built-in ones and the policy set's. */
export type SlaClass = {
  __typename?: 'SLAClass';
  builtin: Scalars['Boolean']['output'];
  maxJitter?: Maybe<Scalars['Duration']['output']>;
  maxLatency?: Maybe<Scalars['Duration']['output']>;
  maxLossPct: Scalars['Float']['output'];
  name: Scalars['String']['output'];
};

export type Site = Node & {
  __typename?: 'Site';
  createdAt: Scalars['Time']['output'];
  /** When the site last reported; null: never. */
  lastSeen?: Maybe<Scalars['Time']['output']>;
  links: Array<Link>;
  name: Scalars['String']['output'];
  network: Scalars['String']['output'];
  nodeId: Scalars['ID']['output'];
  /** Enrolled and reported within the controller's online window (10 s by default). */
  online: Scalars['Boolean']['output'];
  /** The site's paths, each ID'd from this site: "this/link->peer/link". */
  paths: Array<Path>;
  prefixes: Array<Scalars['String']['output']>;
  /** WireGuard public key, base64. */
  publicKey: Scalars['String']['output'];
  role: SiteRole;
  state: SiteState;
};

export type SiteConnection = {
  __typename?: 'SiteConnection';
  edges: Array<SiteEdge>;
  nodes: Array<Site>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type SiteEdge = {
  __typename?: 'SiteEdge';
  cursor: Scalars['String']['output'];
  node: Site;
};

export type SiteEvent = {
  __typename?: 'SiteEvent';
  at: Scalars['Time']['output'];
  network: Scalars['String']['output'];
  online: Scalars['Boolean']['output'];
  site: Scalars['String']['output'];
};

export type SiteFilter = {
  namePrefix?: InputMaybe<Scalars['String']['input']>;
  online?: InputMaybe<Scalars['Boolean']['input']>;
  role?: InputMaybe<SiteRole>;
  state?: InputMaybe<SiteState>;
};

export type SiteRole =
  | 'HUB'
  | 'SPOKE';

export type SiteState =
  | 'ENROLLED'
  | 'REVOKED';

export type SteeringEvent = Node & {
  __typename?: 'SteeringEvent';
  at: Scalars['Time']['output'];
  flowsMoved: Scalars['Int']['output'];
  kind: Scalars['String']['output'];
  nodeId: Scalars['ID']['output'];
  /** The path's ID as stored ("a/al->b/bl"); null for site events. */
  pathId?: Maybe<Scalars['String']['output']>;
  reason: Scalars['String']['output'];
  site: Scalars['String']['output'];
};

export type SteeringEventConnection = {
  __typename?: 'SteeringEventConnection';
  edges: Array<SteeringEventEdge>;
  nodes: Array<SteeringEvent>;
  pageInfo: PageInfo;
};

export type SteeringEventEdge = {
  __typename?: 'SteeringEventEdge';
  cursor: Scalars['String']['output'];
  node: SteeringEvent;
};

export type SteeringEventFilter = {
  kind?: InputMaybe<Scalars['String']['input']>;
  since?: InputMaybe<Scalars['Time']['input']>;
  site?: InputMaybe<Scalars['String']['input']>;
  until?: InputMaybe<Scalars['Time']['input']>;
};

export type SteeringEventLive = {
  __typename?: 'SteeringEventLive';
  at: Scalars['Time']['output'];
  flowsMoved: Scalars['Int']['output'];
  from: Array<Scalars['String']['output']>;
  kind: Scalars['String']['output'];
  network: Scalars['String']['output'];
  pathId?: Maybe<Scalars['String']['output']>;
  policy?: Maybe<Scalars['String']['output']>;
  reason: Scalars['String']['output'];
  site: Scalars['String']['output'];
  to: Array<Scalars['String']['output']>;
};

export type SteeringMode =
  | 'BEST_PATH'
  | 'DUPLICATE'
  | 'LOAD_BALANCE'
  | 'UNSPECIFIED';

export type SteeringTimers = {
  __typename?: 'SteeringTimers';
  damping?: Maybe<Scalars['Duration']['output']>;
  flapHalfLife?: Maybe<Scalars['Duration']['output']>;
  flapMax: Scalars['Float']['output'];
  flapPenalty: Scalars['Float']['output'];
  flapReuse: Scalars['Float']['output'];
  flapSuppress: Scalars['Float']['output'];
  flowIdle?: Maybe<Scalars['Duration']['output']>;
  holdDown?: Maybe<Scalars['Duration']['output']>;
  marginScore: Scalars['Float']['output'];
};

export type SteeringTimersInput = {
  damping?: InputMaybe<Scalars['Duration']['input']>;
  flapHalfLife?: InputMaybe<Scalars['Duration']['input']>;
  flapMax?: InputMaybe<Scalars['Float']['input']>;
  flapPenalty?: InputMaybe<Scalars['Float']['input']>;
  flapReuse?: InputMaybe<Scalars['Float']['input']>;
  flapSuppress?: InputMaybe<Scalars['Float']['input']>;
  flowIdle?: InputMaybe<Scalars['Duration']['input']>;
  holdDown?: InputMaybe<Scalars['Duration']['input']>;
  marginScore?: InputMaybe<Scalars['Float']['input']>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /** Alert notices as they happen: an alert firing or resolved (any role). */
  alertNotices: Alert;
  configRevisions: ConfigRevision;
  /**
   * A path's state as it changes (stateChanged is true), with its quality at
   * that moment; site: paths with that site at either end. With
   * everyReport: true, also every periodic report of every path (its
   * latency, jitter and loss each second): for a few paths, not a fleet.
   */
  pathEvents: PathEvent;
  siteEvents: SiteEvent;
  steeringEvents: SteeringEventLive;
};


export type SubscriptionConfigRevisionsArgs = {
  network?: InputMaybe<Scalars['String']['input']>;
};


export type SubscriptionPathEventsArgs = {
  everyReport?: InputMaybe<Scalars['Boolean']['input']>;
  network?: InputMaybe<Scalars['String']['input']>;
  site?: InputMaybe<Scalars['String']['input']>;
};


export type SubscriptionSiteEventsArgs = {
  network?: InputMaybe<Scalars['String']['input']>;
  site?: InputMaybe<Scalars['String']['input']>;
};


export type SubscriptionSteeringEventsArgs = {
  network?: InputMaybe<Scalars['String']['input']>;
  site?: InputMaybe<Scalars['String']['input']>;
};

export type Topology =
  | 'FULL_MESH'
  | 'HUB_AND_SPOKE';

export type TrafficFilter = {
  /** A path (either end's ID): what both its ends sent over it. */
  path?: InputMaybe<Scalars['ID']['input']>;
  /** Windows starting at or after; default: an hour before `until` (or now). */
  since?: InputMaybe<Scalars['Time']['input']>;
  /** The reporting site: what it sent. */
  site?: InputMaybe<Scalars['String']['input']>;
  /** Windows starting before; default: no end. */
  until?: InputMaybe<Scalars['Time']['input']>;
};

export type UpdateUserInput = {
  disabled?: InputMaybe<Scalars['Boolean']['input']>;
  password?: InputMaybe<Scalars['String']['input']>;
  role?: InputMaybe<Role>;
};

export type User = Node & {
  __typename?: 'User';
  createdAt: Scalars['Time']['output'];
  disabledAt?: Maybe<Scalars['Time']['output']>;
  lastLogin?: Maybe<Scalars['Time']['output']>;
  mfaEnabled: Scalars['Boolean']['output'];
  name: Scalars['String']['output'];
  nodeId: Scalars['ID']['output'];
  role: Role;
  /** local or oidc */
  source: Scalars['String']['output'];
};

export type UserConnection = {
  __typename?: 'UserConnection';
  edges: Array<UserEdge>;
  nodes: Array<User>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type UserEdge = {
  __typename?: 'UserEdge';
  cursor: Scalars['String']['output'];
  node: User;
};

/** An alert webhook; its secret is never shown after it is added. */
export type Webhook = {
  __typename?: 'Webhook';
  createdAt: Scalars['Time']['output'];
  createdBy: Scalars['String']['output'];
  id: Scalars['Int']['output'];
  /** Deliveries carry a Slack-compatible text field too. */
  slack: Scalars['Boolean']['output'];
  url: Scalars['String']['output'];
};

export type WebhookTestResult = {
  __typename?: 'WebhookTestResult';
  /** The receiver answered 2xx. */
  delivered: Scalars['Boolean']['output'];
  durationMs: Scalars['Float']['output'];
  /** Why it was not delivered. */
  error?: Maybe<Scalars['String']['output']>;
  /** Its status code; null when it did not answer. */
  httpStatus?: Maybe<Scalars['Int']['output']>;
};

export type AppTrafficQueryVariables = Exact<{
  filter?: InputMaybe<TrafficFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
}>;


export type AppTrafficQuery = { __typename?: 'Query', applicationTraffic: Array<{ __typename?: 'ApplicationTraffic', application: string, flows: number, bytesSent: number, bytesReceived: number, sites: number, paths: number }> };

export type PathFlowsQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type PathFlowsQuery = { __typename?: 'Query', path: { __typename?: 'Path', id: string, currentFlows: Array<{ __typename?: 'PathFlow', reportedBy: string, src: string, dst: string, srcPort: number, dstPort: number, protocol: number, application: string, class: string, policy: string, serverName?: string | null, txBytes: number, rxBytes: number, txPackets: number, rxPackets: number, startedAt: string, windowStart: string, windowEnd: string }> } };

export type NetworkListQueryVariables = Exact<{ [key: string]: never; }>;


export type NetworkListQuery = { __typename?: 'Query', networks: Array<{ __typename?: 'Network', name: string }> };

export type SiteBgpQueryVariables = Exact<{
  site: Scalars['String']['input'];
}>;


export type SiteBgpQuery = { __typename?: 'Query', bgp: Array<{ __typename?: 'BgpSite', site: string, localAs: number, routerId?: string | null, listenPort: number, gracefulRestart: boolean, reportedAt?: string | null, learnedPrefixes: Array<string>, neighbors: Array<{ __typename?: 'BgpNeighbor', address: string, remoteAs?: number | null, passwordSet: boolean, bfd: boolean, maxPrefixes: number, state?: BgpSessionState | null, reason?: string | null, received?: number | null, accepted?: number | null, advertised?: number | null, bfdState?: string | null }> }> };

export type ClientTestSitesQueryVariables = Exact<{ [key: string]: never; }>;


export type ClientTestSitesQuery = { __typename?: 'Query', sites: Array<{ __typename?: 'Site', name: string }> };

export type LivePathEventsSubscriptionVariables = Exact<{
  network: Scalars['String']['input'];
}>;


export type LivePathEventsSubscription = { __typename?: 'Subscription', pathEvents: { __typename?: 'PathEvent', site: string, pathId: string, state: PathState, stateChanged: boolean, bfdState?: string | null, latencyMs?: number | null, jitterMs?: number | null, lossPct?: number | null, score: number, suppressed: boolean, activeFlows: number, at: string } };

export type LiveSiteEventsSubscriptionVariables = Exact<{
  network: Scalars['String']['input'];
}>;


export type LiveSiteEventsSubscription = { __typename?: 'Subscription', siteEvents: { __typename?: 'SiteEvent', site: string, online: boolean, at: string } };

export type LiveSteeringEventsSubscriptionVariables = Exact<{
  network: Scalars['String']['input'];
}>;


export type LiveSteeringEventsSubscription = { __typename?: 'Subscription', steeringEvents: { __typename?: 'SteeringEventLive', site: string, pathId?: string | null, kind: string, reason: string, policy?: string | null, flowsMoved: number, from: Array<string>, to: Array<string>, at: string } };

export type NetworkPathsQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type NetworkPathsQuery = { __typename?: 'Query', paths: { __typename?: 'PathConnection', nodes: Array<{ __typename?: 'Path', id: string, siteA: string, linkA: string, siteB: string, linkB: string, state?: PathState | null, latencyMs?: number | null, jitterMs?: number | null, lossPct?: number | null, measuredAt?: string | null, bfdState?: string | null, score?: number | null, activeFlows?: number | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type NetworkSitesQueryVariables = Exact<{ [key: string]: never; }>;


export type NetworkSitesQuery = { __typename?: 'Query', network: { __typename?: 'Network', name: string, topology: Topology, revision: number }, sites: Array<{ __typename?: 'Site', name: string, role: SiteRole, state: SiteState, online: boolean, lastSeen?: string | null, links: Array<{ __typename?: 'Link', name: string, colour: string }> }> };

export type AuditLogPageQueryVariables = Exact<{
  filter?: InputMaybe<AuditFilter>;
  first: Scalars['Int']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type AuditLogPageQuery = { __typename?: 'Query', auditLog: { __typename?: 'AuditEntryConnection', nodes: Array<{ __typename?: 'AuditEntry', id: number, at: string, actor: string, role: string, method: string, sourceIp: string, action: string, target: string, outcome: AuditOutcome, detail: string }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type JoinTokensQueryVariables = Exact<{
  first: Scalars['Int']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type JoinTokensQuery = { __typename?: 'Query', joinTokens: { __typename?: 'JoinTokenConnection', totalCount: number, nodes: Array<{ __typename?: 'JoinToken', id: string, site: string, createdAt: string, expiresAt: string, usedAt?: string | null, revokedAt?: string | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type CreateJoinTokenMutationVariables = Exact<{
  site: Scalars['String']['input'];
  ttl?: InputMaybe<Scalars['Duration']['input']>;
}>;


export type CreateJoinTokenMutation = { __typename?: 'Mutation', createJoinToken: { __typename?: 'CreateJoinTokenPayload', secret: string, token: { __typename?: 'JoinToken', id: string, site: string, expiresAt: string } } };

export type RevokeJoinTokenMutationVariables = Exact<{
  id: Scalars['String']['input'];
}>;


export type RevokeJoinTokenMutation = { __typename?: 'Mutation', revokeJoinToken: { __typename?: 'JoinToken', id: string, revokedAt?: string | null } };

export type EventLogQueryVariables = Exact<{
  filter?: InputMaybe<SteeringEventFilter>;
  first: Scalars['Int']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type EventLogQuery = { __typename?: 'Query', steeringEvents: { __typename?: 'SteeringEventConnection', nodes: Array<{ __typename?: 'SteeringEvent', nodeId: string, at: string, site: string, pathId?: string | null, kind: string, reason: string, flowsMoved: number }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type EventLogSteeringSubscriptionVariables = Exact<{
  site?: InputMaybe<Scalars['String']['input']>;
}>;


export type EventLogSteeringSubscription = { __typename?: 'Subscription', steeringEvents: { __typename?: 'SteeringEventLive', at: string, site: string, pathId?: string | null, kind: string, reason: string, flowsMoved: number } };

export type EventLogSitesSubscriptionVariables = Exact<{
  site?: InputMaybe<Scalars['String']['input']>;
}>;


export type EventLogSitesSubscription = { __typename?: 'Subscription', siteEvents: { __typename?: 'SiteEvent', site: string, online: boolean, at: string } };

export type RecentSteeringQueryVariables = Exact<{
  since: Scalars['Time']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type RecentSteeringQuery = { __typename?: 'Query', steeringEvents: { __typename?: 'SteeringEventConnection', nodes: Array<{ __typename?: 'SteeringEvent', at: string, site: string, pathId?: string | null, kind: string, reason: string, flowsMoved: number }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type PathDetailQueryVariables = Exact<{
  id: Scalars['ID']['input'];
  from: Scalars['Time']['input'];
  to: Scalars['Time']['input'];
}>;


export type PathDetailQuery = { __typename?: 'Query', path: { __typename?: 'Path', id: string, siteA: string, linkA: string, siteB: string, linkB: string, state?: PathState | null, latencyMs?: number | null, jitterMs?: number | null, lossPct?: number | null, measuredAt?: string | null, bfdState?: string | null, score?: number | null, suppressed?: boolean | null, activeFlows?: number | null, reportedBy?: string | null, history: { __typename?: 'PathHistory', resolution: Resolution, points: Array<{ __typename?: 'PathPoint', at: string, state: PathState, latencyMs: number, maxLatencyMs: number, jitterMs: number, lossPct: number, samples: number, downSamples: number }> } } };

export type PathSteeringQueryVariables = Exact<{
  siteA: Scalars['String']['input'];
  siteB: Scalars['String']['input'];
  since: Scalars['Time']['input'];
}>;


export type PathSteeringQuery = { __typename?: 'Query', a: { __typename?: 'SteeringEventConnection', nodes: Array<{ __typename?: 'SteeringEvent', at: string, site: string, pathId?: string | null, kind: string, reason: string }> }, b: { __typename?: 'SteeringEventConnection', nodes: Array<{ __typename?: 'SteeringEvent', at: string, site: string, pathId?: string | null, kind: string, reason: string }> } };

export type PathReportsSubscriptionVariables = Exact<{
  site: Scalars['String']['input'];
}>;


export type PathReportsSubscription = { __typename?: 'Subscription', pathEvents: { __typename?: 'PathEvent', pathId: string, state: PathState, bfdState?: string | null, latencyMs?: number | null, jitterMs?: number | null, lossPct?: number | null, at: string } };

export type PolicyEditorQueryVariables = Exact<{ [key: string]: never; }>;


export type PolicyEditorQuery = { __typename?: 'Query', policySet: { __typename?: 'PolicySet', revision: number, updatedAt?: string | null, disableBuiltinApplications: boolean, slaClasses: Array<{ __typename?: 'PolicySLAClass', name: string, maxLatency?: string | null, maxJitter?: string | null, maxLossPct: number }>, applications: Array<{ __typename?: 'PolicyApplication', name: string, class: string, match?: { __typename?: 'MatchRule', cidrs: Array<string>, sourceCidrs: Array<string>, protocols: Array<string>, ports: Array<string>, dscp: Array<string>, domains: Array<string> } | null, matchAny: Array<{ __typename?: 'MatchRule', cidrs: Array<string>, sourceCidrs: Array<string>, protocols: Array<string>, ports: Array<string>, dscp: Array<string>, domains: Array<string> }> }>, policies: Array<{ __typename?: 'Policy', name: string, slaClass: string, colors: Array<string>, mode: SteeringMode, compression?: boolean | null, match?: { __typename?: 'PolicyMatch', applications: Array<string>, classes: Array<string> } | null }>, steering?: { __typename?: 'SteeringTimers', damping?: string | null, holdDown?: string | null, marginScore: number, flapPenalty: number, flapSuppress: number, flapReuse: number, flapMax: number, flapHalfLife?: string | null, flowIdle?: string | null } | null, qualityModel?: { __typename?: 'QualityModel', degradedBelowScore: number, recoverAtScore: number } | null }, slaClasses: Array<{ __typename?: 'SLAClass', name: string, maxLatency?: string | null, maxJitter?: string | null, maxLossPct: number, builtin: boolean }>, applications: Array<{ __typename?: 'Application', name: string, class: string, builtin: boolean }> };

export type SetPoliciesMutationVariables = Exact<{
  policySet: PolicySetInput;
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
}>;


export type SetPoliciesMutation = { __typename?: 'Mutation', setPolicySet: { __typename?: 'PolicySet', revision: number, updatedAt?: string | null } };

export type PolicyAuditQueryVariables = Exact<{ [key: string]: never; }>;


export type PolicyAuditQuery = { __typename?: 'Query', auditLog: { __typename?: 'AuditEntryConnection', nodes: Array<{ __typename?: 'AuditEntry', id: number, at: string, actor: string, role: string, method: string, sourceIp: string, action: string, target: string, outcome: AuditOutcome, detail: string }> } };

export type PolicyRevisionsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type PolicyRevisionsSubscription = { __typename?: 'Subscription', configRevisions: { __typename?: 'ConfigRevision', revision: number, at: string } };

export type SiteDetailQueryVariables = Exact<{
  name: Scalars['String']['input'];
}>;


export type SiteDetailQuery = { __typename?: 'Query', site: { __typename?: 'Site', name: string, role: SiteRole, state: SiteState, publicKey: string, lastSeen?: string | null, online: boolean, createdAt: string, prefixes: Array<string>, links: Array<{ __typename?: 'Link', name: string, colour: string, cost: number, bandwidthKbps: number, endpoint: string, interface: string, listenPort: number }>, paths: Array<{ __typename?: 'Path', id: string, state?: PathState | null, latencyMs?: number | null, jitterMs?: number | null, lossPct?: number | null, measuredAt?: string | null, bfdState?: string | null }> }, steeringEvents: { __typename?: 'SteeringEventConnection', nodes: Array<{ __typename?: 'SteeringEvent', at: string, pathId?: string | null, kind: string, reason: string, flowsMoved: number }> } };

export type RevokeSiteMutationVariables = Exact<{
  name: Scalars['String']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
}>;


export type RevokeSiteMutation = { __typename?: 'Mutation', revokeSite: { __typename?: 'Site', name: string, state: SiteState } };

export type DeleteSiteMutationVariables = Exact<{
  name: Scalars['String']['input'];
}>;


export type DeleteSiteMutation = { __typename?: 'Mutation', deleteSite: { __typename?: 'DeletePayload', deletedNodeId: string } };

export type UsersAndKeysQueryVariables = Exact<{ [key: string]: never; }>;


export type UsersAndKeysQuery = { __typename?: 'Query', users: { __typename?: 'UserConnection', totalCount: number, nodes: Array<{ __typename?: 'User', name: string, role: Role, source: string, mfaEnabled: boolean, createdAt: string, disabledAt?: string | null, lastLogin?: string | null }> }, apiKeys: { __typename?: 'APIKeyConnection', totalCount: number, nodes: Array<{ __typename?: 'APIKey', id: string, name: string, role: Role, owner: string, createdAt: string, expiresAt?: string | null, lastUsed?: string | null, revokedAt?: string | null }> } };

export type CreateUserMutationVariables = Exact<{
  input: CreateUserInput;
}>;


export type CreateUserMutation = { __typename?: 'Mutation', createUser: { __typename?: 'User', name: string, role: Role } };

export type UpdateUserMutationVariables = Exact<{
  name: Scalars['String']['input'];
  input: UpdateUserInput;
}>;


export type UpdateUserMutation = { __typename?: 'Mutation', updateUser: { __typename?: 'User', name: string, role: Role, disabledAt?: string | null } };

export type DeleteUserMutationVariables = Exact<{
  name: Scalars['String']['input'];
}>;


export type DeleteUserMutation = { __typename?: 'Mutation', deleteUser: { __typename?: 'DeletePayload', deletedNodeId: string } };

export type CreateApiKeyMutationVariables = Exact<{
  name: Scalars['String']['input'];
  role: Role;
  expiresAt?: InputMaybe<Scalars['Time']['input']>;
}>;


export type CreateApiKeyMutation = { __typename?: 'Mutation', createAPIKey: { __typename?: 'CreateAPIKeyPayload', secret: string, apiKey: { __typename?: 'APIKey', id: string, name: string, role: Role } } };

export type RevokeApiKeyMutationVariables = Exact<{
  id: Scalars['String']['input'];
}>;


export type RevokeApiKeyMutation = { __typename?: 'Mutation', revokeAPIKey: { __typename?: 'DeletePayload', deletedNodeId: string } };


export const AppTrafficDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AppTraffic"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"TrafficFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"applicationTraffic"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"application"}},{"kind":"Field","name":{"kind":"Name","value":"flows"}},{"kind":"Field","name":{"kind":"Name","value":"bytesSent"}},{"kind":"Field","name":{"kind":"Name","value":"bytesReceived"}},{"kind":"Field","name":{"kind":"Name","value":"sites"}},{"kind":"Field","name":{"kind":"Name","value":"paths"}}]}}]}}]} as unknown as DocumentNode<AppTrafficQuery, AppTrafficQueryVariables>;
export const PathFlowsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PathFlows"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"currentFlows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reportedBy"}},{"kind":"Field","name":{"kind":"Name","value":"src"}},{"kind":"Field","name":{"kind":"Name","value":"dst"}},{"kind":"Field","name":{"kind":"Name","value":"srcPort"}},{"kind":"Field","name":{"kind":"Name","value":"dstPort"}},{"kind":"Field","name":{"kind":"Name","value":"protocol"}},{"kind":"Field","name":{"kind":"Name","value":"application"}},{"kind":"Field","name":{"kind":"Name","value":"class"}},{"kind":"Field","name":{"kind":"Name","value":"policy"}},{"kind":"Field","name":{"kind":"Name","value":"serverName"}},{"kind":"Field","name":{"kind":"Name","value":"txBytes"}},{"kind":"Field","name":{"kind":"Name","value":"rxBytes"}},{"kind":"Field","name":{"kind":"Name","value":"txPackets"}},{"kind":"Field","name":{"kind":"Name","value":"rxPackets"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"windowStart"}},{"kind":"Field","name":{"kind":"Name","value":"windowEnd"}}]}}]}}]}}]} as unknown as DocumentNode<PathFlowsQuery, PathFlowsQueryVariables>;
export const NetworkListDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"NetworkList"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"networks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<NetworkListQuery, NetworkListQueryVariables>;
export const SiteBgpDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SiteBgp"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"site"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bgp"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"site"},"value":{"kind":"Variable","name":{"kind":"Name","value":"site"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"site"}},{"kind":"Field","name":{"kind":"Name","value":"localAs"}},{"kind":"Field","name":{"kind":"Name","value":"routerId"}},{"kind":"Field","name":{"kind":"Name","value":"listenPort"}},{"kind":"Field","name":{"kind":"Name","value":"gracefulRestart"}},{"kind":"Field","name":{"kind":"Name","value":"reportedAt"}},{"kind":"Field","name":{"kind":"Name","value":"learnedPrefixes"}},{"kind":"Field","name":{"kind":"Name","value":"neighbors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"address"}},{"kind":"Field","name":{"kind":"Name","value":"remoteAs"}},{"kind":"Field","name":{"kind":"Name","value":"passwordSet"}},{"kind":"Field","name":{"kind":"Name","value":"bfd"}},{"kind":"Field","name":{"kind":"Name","value":"maxPrefixes"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"received"}},{"kind":"Field","name":{"kind":"Name","value":"accepted"}},{"kind":"Field","name":{"kind":"Name","value":"advertised"}},{"kind":"Field","name":{"kind":"Name","value":"bfdState"}}]}}]}}]}}]} as unknown as DocumentNode<SiteBgpQuery, SiteBgpQueryVariables>;
export const ClientTestSitesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ClientTestSites"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sites"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<ClientTestSitesQuery, ClientTestSitesQueryVariables>;
export const LivePathEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"LivePathEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"network"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pathEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"network"},"value":{"kind":"Variable","name":{"kind":"Name","value":"network"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"site"}},{"kind":"Field","name":{"kind":"Name","value":"pathId"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"stateChanged"}},{"kind":"Field","name":{"kind":"Name","value":"bfdState"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"jitterMs"}},{"kind":"Field","name":{"kind":"Name","value":"lossPct"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"suppressed"}},{"kind":"Field","name":{"kind":"Name","value":"activeFlows"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<LivePathEventsSubscription, LivePathEventsSubscriptionVariables>;
export const LiveSiteEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"LiveSiteEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"network"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"siteEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"network"},"value":{"kind":"Variable","name":{"kind":"Name","value":"network"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"site"}},{"kind":"Field","name":{"kind":"Name","value":"online"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<LiveSiteEventsSubscription, LiveSiteEventsSubscriptionVariables>;
export const LiveSteeringEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"LiveSteeringEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"network"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"steeringEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"network"},"value":{"kind":"Variable","name":{"kind":"Name","value":"network"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"site"}},{"kind":"Field","name":{"kind":"Name","value":"pathId"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"policy"}},{"kind":"Field","name":{"kind":"Name","value":"flowsMoved"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<LiveSteeringEventsSubscription, LiveSteeringEventsSubscriptionVariables>;
export const NetworkPathsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"NetworkPaths"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paths"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"siteA"}},{"kind":"Field","name":{"kind":"Name","value":"linkA"}},{"kind":"Field","name":{"kind":"Name","value":"siteB"}},{"kind":"Field","name":{"kind":"Name","value":"linkB"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"jitterMs"}},{"kind":"Field","name":{"kind":"Name","value":"lossPct"}},{"kind":"Field","name":{"kind":"Name","value":"measuredAt"}},{"kind":"Field","name":{"kind":"Name","value":"bfdState"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"activeFlows"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<NetworkPathsQuery, NetworkPathsQueryVariables>;
export const NetworkSitesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"NetworkSites"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"network"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"topology"}},{"kind":"Field","name":{"kind":"Name","value":"revision"}}]}},{"kind":"Field","name":{"kind":"Name","value":"sites"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"online"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeen"}},{"kind":"Field","name":{"kind":"Name","value":"links"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"colour"}}]}}]}}]}}]} as unknown as DocumentNode<NetworkSitesQuery, NetworkSitesQueryVariables>;
export const AuditLogPageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AuditLogPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"AuditFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"auditLog"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"sourceIp"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<AuditLogPageQuery, AuditLogPageQueryVariables>;
export const JoinTokensDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"JoinTokens"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"joinTokens"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"site"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"usedAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}}]}}]} as unknown as DocumentNode<JoinTokensQuery, JoinTokensQueryVariables>;
export const CreateJoinTokenDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateJoinToken"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"site"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"ttl"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Duration"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createJoinToken"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"site"},"value":{"kind":"Variable","name":{"kind":"Name","value":"site"}}},{"kind":"Argument","name":{"kind":"Name","value":"ttl"},"value":{"kind":"Variable","name":{"kind":"Name","value":"ttl"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"token"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"site"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}}]}}]} as unknown as DocumentNode<CreateJoinTokenMutation, CreateJoinTokenMutationVariables>;
export const RevokeJoinTokenDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RevokeJoinToken"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeJoinToken"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]} as unknown as DocumentNode<RevokeJoinTokenMutation, RevokeJoinTokenMutationVariables>;
export const EventLogDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"EventLog"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"SteeringEventFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"steeringEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodeId"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"site"}},{"kind":"Field","name":{"kind":"Name","value":"pathId"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"flowsMoved"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<EventLogQuery, EventLogQueryVariables>;
export const EventLogSteeringDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"EventLogSteering"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"site"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"steeringEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"site"},"value":{"kind":"Variable","name":{"kind":"Name","value":"site"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"site"}},{"kind":"Field","name":{"kind":"Name","value":"pathId"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"flowsMoved"}}]}}]}}]} as unknown as DocumentNode<EventLogSteeringSubscription, EventLogSteeringSubscriptionVariables>;
export const EventLogSitesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"EventLogSites"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"site"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"siteEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"site"},"value":{"kind":"Variable","name":{"kind":"Name","value":"site"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"site"}},{"kind":"Field","name":{"kind":"Name","value":"online"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<EventLogSitesSubscription, EventLogSitesSubscriptionVariables>;
export const RecentSteeringDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RecentSteering"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"since"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Time"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"steeringEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"since"},"value":{"kind":"Variable","name":{"kind":"Name","value":"since"}}}]}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"site"}},{"kind":"Field","name":{"kind":"Name","value":"pathId"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"flowsMoved"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<RecentSteeringQuery, RecentSteeringQueryVariables>;
export const PathDetailDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PathDetail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Time"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Time"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"siteA"}},{"kind":"Field","name":{"kind":"Name","value":"linkA"}},{"kind":"Field","name":{"kind":"Name","value":"siteB"}},{"kind":"Field","name":{"kind":"Name","value":"linkB"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"jitterMs"}},{"kind":"Field","name":{"kind":"Name","value":"lossPct"}},{"kind":"Field","name":{"kind":"Name","value":"measuredAt"}},{"kind":"Field","name":{"kind":"Name","value":"bfdState"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"suppressed"}},{"kind":"Field","name":{"kind":"Name","value":"activeFlows"}},{"kind":"Field","name":{"kind":"Name","value":"reportedBy"}},{"kind":"Field","name":{"kind":"Name","value":"history"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resolution"}},{"kind":"Field","name":{"kind":"Name","value":"points"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"maxLatencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"jitterMs"}},{"kind":"Field","name":{"kind":"Name","value":"lossPct"}},{"kind":"Field","name":{"kind":"Name","value":"samples"}},{"kind":"Field","name":{"kind":"Name","value":"downSamples"}}]}}]}}]}}]}}]} as unknown as DocumentNode<PathDetailQuery, PathDetailQueryVariables>;
export const PathSteeringDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PathSteering"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"siteA"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"siteB"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"since"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Time"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"a"},"name":{"kind":"Name","value":"steeringEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"site"},"value":{"kind":"Variable","name":{"kind":"Name","value":"siteA"}}},{"kind":"ObjectField","name":{"kind":"Name","value":"since"},"value":{"kind":"Variable","name":{"kind":"Name","value":"since"}}}]}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"200"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"site"}},{"kind":"Field","name":{"kind":"Name","value":"pathId"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"b"},"name":{"kind":"Name","value":"steeringEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"site"},"value":{"kind":"Variable","name":{"kind":"Name","value":"siteB"}}},{"kind":"ObjectField","name":{"kind":"Name","value":"since"},"value":{"kind":"Variable","name":{"kind":"Name","value":"since"}}}]}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"200"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"site"}},{"kind":"Field","name":{"kind":"Name","value":"pathId"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}}]}}]}}]} as unknown as DocumentNode<PathSteeringQuery, PathSteeringQueryVariables>;
export const PathReportsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"PathReports"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"site"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pathEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"site"},"value":{"kind":"Variable","name":{"kind":"Name","value":"site"}}},{"kind":"Argument","name":{"kind":"Name","value":"everyReport"},"value":{"kind":"BooleanValue","value":true}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pathId"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"bfdState"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"jitterMs"}},{"kind":"Field","name":{"kind":"Name","value":"lossPct"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<PathReportsSubscription, PathReportsSubscriptionVariables>;
export const PolicyEditorDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PolicyEditor"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"policySet"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revision"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"slaClasses"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"maxLatency"}},{"kind":"Field","name":{"kind":"Name","value":"maxJitter"}},{"kind":"Field","name":{"kind":"Name","value":"maxLossPct"}}]}},{"kind":"Field","name":{"kind":"Name","value":"applications"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"class"}},{"kind":"Field","name":{"kind":"Name","value":"match"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cidrs"}},{"kind":"Field","name":{"kind":"Name","value":"sourceCidrs"}},{"kind":"Field","name":{"kind":"Name","value":"protocols"}},{"kind":"Field","name":{"kind":"Name","value":"ports"}},{"kind":"Field","name":{"kind":"Name","value":"dscp"}},{"kind":"Field","name":{"kind":"Name","value":"domains"}}]}},{"kind":"Field","name":{"kind":"Name","value":"matchAny"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cidrs"}},{"kind":"Field","name":{"kind":"Name","value":"sourceCidrs"}},{"kind":"Field","name":{"kind":"Name","value":"protocols"}},{"kind":"Field","name":{"kind":"Name","value":"ports"}},{"kind":"Field","name":{"kind":"Name","value":"dscp"}},{"kind":"Field","name":{"kind":"Name","value":"domains"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"disableBuiltinApplications"}},{"kind":"Field","name":{"kind":"Name","value":"policies"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"slaClass"}},{"kind":"Field","name":{"kind":"Name","value":"colors"}},{"kind":"Field","name":{"kind":"Name","value":"mode"}},{"kind":"Field","name":{"kind":"Name","value":"match"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"applications"}},{"kind":"Field","name":{"kind":"Name","value":"classes"}}]}},{"kind":"Field","name":{"kind":"Name","value":"compression"}}]}},{"kind":"Field","name":{"kind":"Name","value":"steering"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"damping"}},{"kind":"Field","name":{"kind":"Name","value":"holdDown"}},{"kind":"Field","name":{"kind":"Name","value":"marginScore"}},{"kind":"Field","name":{"kind":"Name","value":"flapPenalty"}},{"kind":"Field","name":{"kind":"Name","value":"flapSuppress"}},{"kind":"Field","name":{"kind":"Name","value":"flapReuse"}},{"kind":"Field","name":{"kind":"Name","value":"flapMax"}},{"kind":"Field","name":{"kind":"Name","value":"flapHalfLife"}},{"kind":"Field","name":{"kind":"Name","value":"flowIdle"}}]}},{"kind":"Field","name":{"kind":"Name","value":"qualityModel"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"degradedBelowScore"}},{"kind":"Field","name":{"kind":"Name","value":"recoverAtScore"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"slaClasses"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"maxLatency"}},{"kind":"Field","name":{"kind":"Name","value":"maxJitter"}},{"kind":"Field","name":{"kind":"Name","value":"maxLossPct"}},{"kind":"Field","name":{"kind":"Name","value":"builtin"}}]}},{"kind":"Field","name":{"kind":"Name","value":"applications"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"class"}},{"kind":"Field","name":{"kind":"Name","value":"builtin"}}]}}]}}]} as unknown as DocumentNode<PolicyEditorQuery, PolicyEditorQueryVariables>;
export const SetPoliciesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SetPolicies"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"policySet"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PolicySetInput"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expectedRevision"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setPolicySet"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"policySet"},"value":{"kind":"Variable","name":{"kind":"Name","value":"policySet"}}},{"kind":"Argument","name":{"kind":"Name","value":"expectedRevision"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expectedRevision"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revision"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]}}]} as unknown as DocumentNode<SetPoliciesMutation, SetPoliciesMutationVariables>;
export const PolicyAuditDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PolicyAudit"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"auditLog"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"action"},"value":{"kind":"StringValue","value":"policy.set","block":false}}]}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"sourceIp"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}}]}}]}}]} as unknown as DocumentNode<PolicyAuditQuery, PolicyAuditQueryVariables>;
export const PolicyRevisionsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"PolicyRevisions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"configRevisions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revision"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<PolicyRevisionsSubscription, PolicyRevisionsSubscriptionVariables>;
export const SiteDetailDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SiteDetail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"site"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"publicKey"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeen"}},{"kind":"Field","name":{"kind":"Name","value":"online"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"links"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"colour"}},{"kind":"Field","name":{"kind":"Name","value":"cost"}},{"kind":"Field","name":{"kind":"Name","value":"bandwidthKbps"}},{"kind":"Field","name":{"kind":"Name","value":"endpoint"}},{"kind":"Field","name":{"kind":"Name","value":"interface"}},{"kind":"Field","name":{"kind":"Name","value":"listenPort"}}]}},{"kind":"Field","name":{"kind":"Name","value":"prefixes"}},{"kind":"Field","name":{"kind":"Name","value":"paths"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"jitterMs"}},{"kind":"Field","name":{"kind":"Name","value":"lossPct"}},{"kind":"Field","name":{"kind":"Name","value":"measuredAt"}},{"kind":"Field","name":{"kind":"Name","value":"bfdState"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"steeringEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"site"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}]}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"30"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"pathId"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"flowsMoved"}}]}}]}}]}}]} as unknown as DocumentNode<SiteDetailQuery, SiteDetailQueryVariables>;
export const RevokeSiteDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RevokeSite"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeSite"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}}]}}]} as unknown as DocumentNode<RevokeSiteMutation, RevokeSiteMutationVariables>;
export const DeleteSiteDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteSite"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteSite"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletedNodeId"}}]}}]}}]} as unknown as DocumentNode<DeleteSiteMutation, DeleteSiteMutationVariables>;
export const UsersAndKeysDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"UsersAndKeys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"users"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"200"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"disabledAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastLogin"}}]}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"apiKeys"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"200"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"owner"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsed"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}}]}}]} as unknown as DocumentNode<UsersAndKeysQuery, UsersAndKeysQueryVariables>;
export const CreateUserDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateUser"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateUserInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createUser"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}}]}}]} as unknown as DocumentNode<CreateUserMutation, CreateUserMutationVariables>;
export const UpdateUserDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateUser"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateUserInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateUser"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"disabledAt"}}]}}]}}]} as unknown as DocumentNode<UpdateUserMutation, UpdateUserMutationVariables>;
export const DeleteUserDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteUser"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteUser"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletedNodeId"}}]}}]}}]} as unknown as DocumentNode<DeleteUserMutation, DeleteUserMutationVariables>;
export const CreateApiKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateAPIKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"role"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Role"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expiresAt"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Time"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createAPIKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"role"},"value":{"kind":"Variable","name":{"kind":"Name","value":"role"}}},{"kind":"Argument","name":{"kind":"Name","value":"expiresAt"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expiresAt"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"apiKey"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}}]}}]}}]} as unknown as DocumentNode<CreateApiKeyMutation, CreateApiKeyMutationVariables>;
export const RevokeApiKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RevokeAPIKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeAPIKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletedNodeId"}}]}}]}}]} as unknown as DocumentNode<RevokeApiKeyMutation, RevokeApiKeyMutationVariables>;