/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  subscription LivePathEvents($network: String!) {\n    pathEvents(network: $network) {\n      site\n      pathId\n      state\n      stateChanged\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      score\n      suppressed\n      activeFlows\n      at\n    }\n  }\n": typeof types.LivePathEventsDocument,
    "\n  subscription LiveSiteEvents($network: String!) {\n    siteEvents(network: $network) {\n      site\n      online\n      at\n    }\n  }\n": typeof types.LiveSiteEventsDocument,
    "\n  subscription LiveSteeringEvents($network: String!) {\n    steeringEvents(network: $network) {\n      site\n      pathId\n      kind\n      reason\n      policy\n      flowsMoved\n      from\n      to\n      at\n    }\n  }\n": typeof types.LiveSteeringEventsDocument,
    "\n  query NetworkPaths($first: Int, $after: String) {\n    paths(first: $first, after: $after) {\n      nodes {\n        id\n        siteA\n        linkA\n        siteB\n        linkB\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n        score\n        activeFlows\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.NetworkPathsDocument,
    "\n  query NetworkSites {\n    network {\n      name\n      topology\n      revision\n    }\n    sites {\n      name\n      role\n      state\n      online\n      lastSeen\n      links {\n        name\n        colour\n      }\n    }\n  }\n": typeof types.NetworkSitesDocument,
    "\n  query RecentSteering($since: Time!, $first: Int, $after: String) {\n    steeringEvents(filter: { since: $since }, first: $first, after: $after) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.RecentSteeringDocument,
    "\n  query PathDetail($id: ID!, $from: Time!, $to: Time!) {\n    path(id: $id) {\n      id\n      siteA\n      linkA\n      siteB\n      linkB\n      state\n      latencyMs\n      jitterMs\n      lossPct\n      measuredAt\n      bfdState\n      score\n      suppressed\n      activeFlows\n      reportedBy\n      history(from: $from, to: $to) {\n        resolution\n        points {\n          at\n          state\n          latencyMs\n          maxLatencyMs\n          jitterMs\n          lossPct\n          samples\n          downSamples\n        }\n      }\n    }\n  }\n": typeof types.PathDetailDocument,
    "\n  query PathSteering($siteA: String!, $siteB: String!, $since: Time!) {\n    a: steeringEvents(filter: { site: $siteA, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n    b: steeringEvents(filter: { site: $siteB, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n  }\n": typeof types.PathSteeringDocument,
    "\n  subscription PathReports($site: String!) {\n    pathEvents(site: $site, everyReport: true) {\n      pathId\n      state\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      at\n    }\n  }\n": typeof types.PathReportsDocument,
    "\n  query SiteDetail($name: String!) {\n    site(name: $name) {\n      name\n      role\n      state\n      publicKey\n      lastSeen\n      online\n      createdAt\n      links {\n        name\n        colour\n        cost\n        bandwidthKbps\n        endpoint\n        interface\n        listenPort\n      }\n      prefixes\n      paths {\n        id\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n      }\n    }\n    steeringEvents(filter: { site: $name }, first: 30) {\n      nodes {\n        at\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n    }\n  }\n": typeof types.SiteDetailDocument,
    "\n  mutation RevokeSite($name: String!, $reason: String) {\n    revokeSite(name: $name, reason: $reason) {\n      name\n      state\n    }\n  }\n": typeof types.RevokeSiteDocument,
    "\n  mutation DeleteSite($name: String!) {\n    deleteSite(name: $name) {\n      deletedNodeId\n    }\n  }\n": typeof types.DeleteSiteDocument,
};
const documents: Documents = {
    "\n  subscription LivePathEvents($network: String!) {\n    pathEvents(network: $network) {\n      site\n      pathId\n      state\n      stateChanged\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      score\n      suppressed\n      activeFlows\n      at\n    }\n  }\n": types.LivePathEventsDocument,
    "\n  subscription LiveSiteEvents($network: String!) {\n    siteEvents(network: $network) {\n      site\n      online\n      at\n    }\n  }\n": types.LiveSiteEventsDocument,
    "\n  subscription LiveSteeringEvents($network: String!) {\n    steeringEvents(network: $network) {\n      site\n      pathId\n      kind\n      reason\n      policy\n      flowsMoved\n      from\n      to\n      at\n    }\n  }\n": types.LiveSteeringEventsDocument,
    "\n  query NetworkPaths($first: Int, $after: String) {\n    paths(first: $first, after: $after) {\n      nodes {\n        id\n        siteA\n        linkA\n        siteB\n        linkB\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n        score\n        activeFlows\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.NetworkPathsDocument,
    "\n  query NetworkSites {\n    network {\n      name\n      topology\n      revision\n    }\n    sites {\n      name\n      role\n      state\n      online\n      lastSeen\n      links {\n        name\n        colour\n      }\n    }\n  }\n": types.NetworkSitesDocument,
    "\n  query RecentSteering($since: Time!, $first: Int, $after: String) {\n    steeringEvents(filter: { since: $since }, first: $first, after: $after) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.RecentSteeringDocument,
    "\n  query PathDetail($id: ID!, $from: Time!, $to: Time!) {\n    path(id: $id) {\n      id\n      siteA\n      linkA\n      siteB\n      linkB\n      state\n      latencyMs\n      jitterMs\n      lossPct\n      measuredAt\n      bfdState\n      score\n      suppressed\n      activeFlows\n      reportedBy\n      history(from: $from, to: $to) {\n        resolution\n        points {\n          at\n          state\n          latencyMs\n          maxLatencyMs\n          jitterMs\n          lossPct\n          samples\n          downSamples\n        }\n      }\n    }\n  }\n": types.PathDetailDocument,
    "\n  query PathSteering($siteA: String!, $siteB: String!, $since: Time!) {\n    a: steeringEvents(filter: { site: $siteA, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n    b: steeringEvents(filter: { site: $siteB, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n  }\n": types.PathSteeringDocument,
    "\n  subscription PathReports($site: String!) {\n    pathEvents(site: $site, everyReport: true) {\n      pathId\n      state\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      at\n    }\n  }\n": types.PathReportsDocument,
    "\n  query SiteDetail($name: String!) {\n    site(name: $name) {\n      name\n      role\n      state\n      publicKey\n      lastSeen\n      online\n      createdAt\n      links {\n        name\n        colour\n        cost\n        bandwidthKbps\n        endpoint\n        interface\n        listenPort\n      }\n      prefixes\n      paths {\n        id\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n      }\n    }\n    steeringEvents(filter: { site: $name }, first: 30) {\n      nodes {\n        at\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n    }\n  }\n": types.SiteDetailDocument,
    "\n  mutation RevokeSite($name: String!, $reason: String) {\n    revokeSite(name: $name, reason: $reason) {\n      name\n      state\n    }\n  }\n": types.RevokeSiteDocument,
    "\n  mutation DeleteSite($name: String!) {\n    deleteSite(name: $name) {\n      deletedNodeId\n    }\n  }\n": types.DeleteSiteDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LivePathEvents($network: String!) {\n    pathEvents(network: $network) {\n      site\n      pathId\n      state\n      stateChanged\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      score\n      suppressed\n      activeFlows\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription LivePathEvents($network: String!) {\n    pathEvents(network: $network) {\n      site\n      pathId\n      state\n      stateChanged\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      score\n      suppressed\n      activeFlows\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveSiteEvents($network: String!) {\n    siteEvents(network: $network) {\n      site\n      online\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription LiveSiteEvents($network: String!) {\n    siteEvents(network: $network) {\n      site\n      online\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveSteeringEvents($network: String!) {\n    steeringEvents(network: $network) {\n      site\n      pathId\n      kind\n      reason\n      policy\n      flowsMoved\n      from\n      to\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription LiveSteeringEvents($network: String!) {\n    steeringEvents(network: $network) {\n      site\n      pathId\n      kind\n      reason\n      policy\n      flowsMoved\n      from\n      to\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NetworkPaths($first: Int, $after: String) {\n    paths(first: $first, after: $after) {\n      nodes {\n        id\n        siteA\n        linkA\n        siteB\n        linkB\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n        score\n        activeFlows\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query NetworkPaths($first: Int, $after: String) {\n    paths(first: $first, after: $after) {\n      nodes {\n        id\n        siteA\n        linkA\n        siteB\n        linkB\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n        score\n        activeFlows\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NetworkSites {\n    network {\n      name\n      topology\n      revision\n    }\n    sites {\n      name\n      role\n      state\n      online\n      lastSeen\n      links {\n        name\n        colour\n      }\n    }\n  }\n"): (typeof documents)["\n  query NetworkSites {\n    network {\n      name\n      topology\n      revision\n    }\n    sites {\n      name\n      role\n      state\n      online\n      lastSeen\n      links {\n        name\n        colour\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RecentSteering($since: Time!, $first: Int, $after: String) {\n    steeringEvents(filter: { since: $since }, first: $first, after: $after) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query RecentSteering($since: Time!, $first: Int, $after: String) {\n    steeringEvents(filter: { since: $since }, first: $first, after: $after) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PathDetail($id: ID!, $from: Time!, $to: Time!) {\n    path(id: $id) {\n      id\n      siteA\n      linkA\n      siteB\n      linkB\n      state\n      latencyMs\n      jitterMs\n      lossPct\n      measuredAt\n      bfdState\n      score\n      suppressed\n      activeFlows\n      reportedBy\n      history(from: $from, to: $to) {\n        resolution\n        points {\n          at\n          state\n          latencyMs\n          maxLatencyMs\n          jitterMs\n          lossPct\n          samples\n          downSamples\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PathDetail($id: ID!, $from: Time!, $to: Time!) {\n    path(id: $id) {\n      id\n      siteA\n      linkA\n      siteB\n      linkB\n      state\n      latencyMs\n      jitterMs\n      lossPct\n      measuredAt\n      bfdState\n      score\n      suppressed\n      activeFlows\n      reportedBy\n      history(from: $from, to: $to) {\n        resolution\n        points {\n          at\n          state\n          latencyMs\n          maxLatencyMs\n          jitterMs\n          lossPct\n          samples\n          downSamples\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PathSteering($siteA: String!, $siteB: String!, $since: Time!) {\n    a: steeringEvents(filter: { site: $siteA, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n    b: steeringEvents(filter: { site: $siteB, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n  }\n"): (typeof documents)["\n  query PathSteering($siteA: String!, $siteB: String!, $since: Time!) {\n    a: steeringEvents(filter: { site: $siteA, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n    b: steeringEvents(filter: { site: $siteB, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PathReports($site: String!) {\n    pathEvents(site: $site, everyReport: true) {\n      pathId\n      state\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription PathReports($site: String!) {\n    pathEvents(site: $site, everyReport: true) {\n      pathId\n      state\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SiteDetail($name: String!) {\n    site(name: $name) {\n      name\n      role\n      state\n      publicKey\n      lastSeen\n      online\n      createdAt\n      links {\n        name\n        colour\n        cost\n        bandwidthKbps\n        endpoint\n        interface\n        listenPort\n      }\n      prefixes\n      paths {\n        id\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n      }\n    }\n    steeringEvents(filter: { site: $name }, first: 30) {\n      nodes {\n        at\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n    }\n  }\n"): (typeof documents)["\n  query SiteDetail($name: String!) {\n    site(name: $name) {\n      name\n      role\n      state\n      publicKey\n      lastSeen\n      online\n      createdAt\n      links {\n        name\n        colour\n        cost\n        bandwidthKbps\n        endpoint\n        interface\n        listenPort\n      }\n      prefixes\n      paths {\n        id\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n      }\n    }\n    steeringEvents(filter: { site: $name }, first: 30) {\n      nodes {\n        at\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeSite($name: String!, $reason: String) {\n    revokeSite(name: $name, reason: $reason) {\n      name\n      state\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeSite($name: String!, $reason: String) {\n    revokeSite(name: $name, reason: $reason) {\n      name\n      state\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteSite($name: String!) {\n    deleteSite(name: $name) {\n      deletedNodeId\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteSite($name: String!) {\n    deleteSite(name: $name) {\n      deletedNodeId\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;